/**
 * The job queue: pg-boss on the system pool's database. Capabilities define jobs with
 * `defineJob`; the worker roles register handlers with `work`; any role may `send`.
 * A handler that throws an AppError with status < 500 fails terminally (no retry);
 * anything else is retried with backoff per the job's options.
 */
import { PgBoss, type Job, type JobResult, type Queue } from "pg-boss";
import { toAppError } from "../platform/errors.js";
import { scrubSecrets, type Logger } from "../platform/logging.js";
import { SpanKind } from "@opentelemetry/api";
import { inSpan, recordJob } from "../platform/telemetry/spans.js";

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
  /**
   * Enqueues a job; resolves to its id (null when a singleton/throttle policy dropped it).
   * When this handle works the job's queue, its worker is woken at once.
   */
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

/** The queue's timings, in seconds (CTXPIPE_JOB_*; the tests set short ones). */
export interface JobQueueTimings {
  /** pg-boss' supervisor pass (superviseIntervalSeconds, at least 1). */
  superviseSeconds: number;
  /** pg-boss' per-queue check for expired jobs and missed heartbeats (monitorIntervalSeconds, at least 1). */
  monitorSeconds: number;
  /** Overrides every job type's first retry delay; undefined: each job's own. */
  retryDelaySeconds?: number;
}

/**
 * Production timings: find runs whose worker died (missed heartbeats) within seconds, not
 * pg-boss' default minute. config.schema.ts holds the same defaults.
 */
const DEFAULT_TIMINGS: JobQueueTimings = { superviseSeconds: 10, monitorSeconds: 10 };

/**
 * Connects to the installed queue (it never migrates: see migrateJobQueue).
 * `maintain` enables pg-boss supervision (expiry, retention); worker roles set it.
 * `timings` default to production's (a send-only handle needs none).
 * A job sent through the handle that also works its queue (one `serve` process) wakes that
 * worker at once; otherwise the worker finds it at its next poll. (pg-boss' LISTEN/NOTIFY
 * would wake workers in other processes too, but its listener connection can take the
 * process down when the database goes away, so it is not used.)
 */
export async function startJobQueue(options: { url: string; logger: Logger; maintain: boolean; timings?: JobQueueTimings }): Promise<JobQueue> {
  const log = options.logger.child({ module: "jobs" });
  const timings = options.timings ?? DEFAULT_TIMINGS;
  /** A job type's queue options with the configured retry delay, if any. */
  const retryDelay = timings.retryDelaySeconds === undefined ? {} : { retryDelay: timings.retryDelaySeconds };
  const boss = new PgBoss({
    connectionString: options.url,
    migrate: false,
    createSchema: false,
    supervise: options.maintain,
    schedule: options.maintain,
    superviseIntervalSeconds: timings.superviseSeconds,
    monitorIntervalSeconds: timings.monitorSeconds,
    max: 4,
    application_name: "ctxpipe-jobs",
  });
  boss.on("error", (err) => log.error({ err }, "job queue error"));
  await boss.start();
  const created = new Set<string>();
  const working = new Set<string>();
  /** Queue name → id of this process' worker for it, once it runs. */
  const workerIds = new Map<string, string>();

  const ensureQueue = async (job: JobDefinition<object>) => {
    if (created.has(job.name)) return;
    await boss.createQueue(job.name, job.queue?.retryLimit ? { ...job.queue, ...retryDelay } : job.queue);
    created.add(job.name);
  };

  return {
    async send(job, data, sendOptions) {
      await ensureQueue(job as JobDefinition<object>);
      // The retry delay goes with each job too, so it holds on a queue created before.
      const retry = job.queue?.retryLimit ? retryDelay : {};
      const id = await boss.send(job.name, data, { ...retry, ...sendOptions });
      // A worker in this process would otherwise find the job at its next poll.
      const worker = workerIds.get(job.name);
      if (id && worker && !sendOptions?.startAfter) boss.notifyWorker(worker);
      return id;
    },
    async work(job, workOptions) {
      // Roles sharing a process (`serve`) may register the same job: one poller is enough.
      if (working.has(job.name)) return;
      working.add(job.name);
      await ensureQueue(job as JobDefinition<object>);
      const workerId = await boss.work<object>(
        job.name,
        {
          batchSize: workOptions?.batchSize ?? 1,
          pollingIntervalSeconds: workOptions?.pollingIntervalSeconds ?? 1,
          perJobResults: true,
        },
        async (jobs: Job<object>[]): Promise<JobResult[]> => {
          const results: JobResult[] = [];
          for (const item of jobs) {
            const jobLog = log.child({ job: job.name, jobId: item.id });
            const started = Date.now();
            try {
              const finalAttempt = item.retryCount >= (job.queue?.retryLimit ?? 0);
              await inSpan(
                `job ${job.name}`,
                { "messaging.system": "pg-boss", "messaging.destination.name": job.name, "messaging.message.id": item.id },
                () => job.handler(item.data as never, { jobId: item.id, logger: jobLog, attempt: item.retryCount, finalAttempt }),
                SpanKind.CONSUMER,
              );
              jobLog.debug({ ms: Date.now() - started }, "job done");
              recordJob(job.name, (Date.now() - started) / 1000, "completed");
              results.push({ id: item.id, status: "completed" });
            } catch (err) {
              recordJob(job.name, (Date.now() - started) / 1000, "failed");
              // A database that cannot be reached is `unavailable` (503): retried, like any 5xx.
              const known = toAppError(err);
              const output = { code: known?.code ?? "internal_error", message: scrubSecrets((err as Error).message) };
              if (known && known.status < 500) {
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
      workerIds.set(job.name, workerId);
    },
    async stop(timeoutMs) {
      await boss.stop({ graceful: true, close: true, timeout: Math.max(timeoutMs, 1) });
    },
  };
}

/** Jobs waiting to run, per queue (every queue, idle ones at 0): how many, and how long the oldest has waited (for metrics). */
export async function queueBacklog(pool: import("pg").Pool): Promise<{ queue: string; waiting: number; oldestSeconds: number }[]> {
  const { rows } = await pool.query<{ name: string; n: number; age: number }>(
    `select q.name, count(j.id)::int as n, coalesce(extract(epoch from now() - min(j.created_on)), 0)::float8 as age
       from pgboss.queue q
       left join pgboss.job j on j.name = q.name and j.state in ('created', 'retry') and j.start_after <= now()
      group by q.name`,
  );
  return rows.map((r) => ({ queue: r.name, waiting: r.n, oldestSeconds: r.age }));
}
