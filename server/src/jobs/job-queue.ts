/**
 * The job queue: pg-boss on the system pool's database. Capabilities define jobs with
 * `defineJob`; the worker roles register handlers with `work`; any role may `send`.
 * A handler that throws an AppError with status < 500 fails terminally (no retry);
 * anything else is retried with backoff per the job's options.
 */
import { PgBoss, type Job, type JobResult, type Queue } from "pg-boss";
import { isAppError } from "../platform/errors.js";
import { scrubSecrets, type Logger } from "../platform/logging.js";

/** What a handler learns about the run it is in. */
export interface JobContext {
  jobId: string;
  logger: Logger;
  /** 0 for the first attempt. */
  attempt: number;
  /** True when a failure now will not be retried. */
  finalAttempt: boolean;
}

/** A job type: its queue name, queue options and typed handler. */
export interface JobDefinition<T extends object> {
  /** Queue name, `capability.verb` (e.g. `platform.heartbeat`). */
  name: string;
  queue?: Omit<Queue, "name">;
  handler: (data: T, context: JobContext) => Promise<void>;
}

/** Declares a job type; a helper for type inference only. */
export function defineJob<T extends object>(definition: JobDefinition<T>): JobDefinition<T> {
  return definition;
}

/** The process's handle on the queue. */
export interface JobQueue {
  /** Enqueues a job; resolves to its id (null when a singleton/throttle policy dropped it). */
  send<T extends object>(job: JobDefinition<T>, data: T, options?: { singletonKey?: string; startAfter?: number }): Promise<string | null>;
  /** Starts processing a job type in this process. */
  work<T extends object>(job: JobDefinition<T>, options?: { batchSize?: number; pollingIntervalSeconds?: number }): Promise<void>;
  /** Stops fetching, waits for running handlers up to `timeoutMs`, then closes. */
  stop(timeoutMs: number): Promise<void>;
}

/** Creates the pg-boss schema or brings it up to date (part of `ctxpipe migrate`). */
export async function migrateJobQueue(url: string, logger: Logger): Promise<void> {
  const boss = new PgBoss({ connectionString: url, migrate: true, supervise: false, schedule: false, max: 2 });
  boss.on("error", (err) => logger.warn({ err }, "job queue error during migration"));
  await boss.start();
  await boss.stop({ graceful: false, close: true });
}

/** How often a worker polls a queue whose jobs wake it by NOTIFY: only a backstop. */
const NOTIFY_BACKSTOP_POLL_SECONDS = 5;

/**
 * Connects to the installed queue (it never migrates: see migrateJobQueue).
 * `maintain` enables pg-boss supervision (expiry, retention); worker roles set it. `listen`
 * (default: `maintain`) holds one connection on LISTEN, so that a job of a queue defined
 * with `notify: true` starts the moment it is sent instead of at the next poll; without it
 * (or through a transaction-pooling PgBouncer, where LISTEN cannot work) workers poll.
 */
export async function startJobQueue(options: { url: string; logger: Logger; maintain: boolean; listen?: boolean }): Promise<JobQueue> {
  const log = options.logger.child({ module: "jobs" });
  const boss = new PgBoss({
    connectionString: options.url,
    migrate: false,
    createSchema: false,
    supervise: options.maintain,
    schedule: options.maintain,
    // Find runs whose worker died (missed heartbeats) within seconds, not pg-boss' default minute.
    superviseIntervalSeconds: 10,
    monitorIntervalSeconds: 10,
    max: 4,
    application_name: "ctxpipe-jobs",
    useListenNotify: options.listen ?? options.maintain,
  });
  boss.on("error", (err) => log.error({ err }, "job queue error"));
  boss.on("warning", (warning) => {
    if ((warning.data as { type?: string }).type === "listen_notify_unavailable") log.warn({ warning: warning.message }, "job queue: LISTEN/NOTIFY is unavailable; workers poll instead");
  });
  await boss.start();
  const created = new Set<string>();
  const working = new Set<string>();

  const ensureQueue = async (job: JobDefinition<object>) => {
    if (created.has(job.name)) return;
    await boss.createQueue(job.name, job.queue);
    // createQueue leaves an existing queue as it is: turn notify on for queues made before it was set.
    if (job.queue?.notify) await boss.updateQueue(job.name, { notify: true });
    created.add(job.name);
  };

  return {
    async send(job, data, sendOptions) {
      await ensureQueue(job as JobDefinition<object>);
      return boss.send(job.name, data, sendOptions ?? {});
    },
    async work(job, workOptions) {
      // Roles sharing a process (`serve`) may register the same job: one poller is enough.
      if (working.has(job.name)) return;
      working.add(job.name);
      await ensureQueue(job as JobDefinition<object>);
      await boss.work<object>(
        job.name,
        {
          batchSize: workOptions?.batchSize ?? 1,
          pollingIntervalSeconds: workOptions?.pollingIntervalSeconds ?? 1,
          notifyPollingIntervalSeconds: Math.max(workOptions?.pollingIntervalSeconds ?? 1, NOTIFY_BACKSTOP_POLL_SECONDS),
          perJobResults: true,
        },
        async (jobs: Job<object>[]): Promise<JobResult[]> => {
          const results: JobResult[] = [];
          for (const item of jobs) {
            const jobLog = log.child({ job: job.name, jobId: item.id });
            const started = Date.now();
            try {
              const finalAttempt = item.retryCount >= (job.queue?.retryLimit ?? 0);
              await job.handler(item.data as never, { jobId: item.id, logger: jobLog, attempt: item.retryCount, finalAttempt });
              jobLog.debug({ ms: Date.now() - started }, "job done");
              results.push({ id: item.id, status: "completed" });
            } catch (err) {
              const output = { code: isAppError(err) ? err.code : "internal_error", message: scrubSecrets((err as Error).message) };
              if (isAppError(err) && err.status < 500) {
                // Retrying cannot fix a bad input: fail terminally, skipping remaining retries.
                jobLog.warn({ err, ms: Date.now() - started }, "job failed terminally");
                results.push({ id: item.id, status: "deadletter", output });
              } else {
                jobLog.error({ err, ms: Date.now() - started }, "job failed; it is retried while attempts remain");
                results.push({ id: item.id, status: "failed", output });
              }
            }
          }
          return results;
        },
      );
    },
    async stop(timeoutMs) {
      await boss.stop({ graceful: true, close: true, timeout: Math.max(timeoutMs, 1) });
    },
  };
}
