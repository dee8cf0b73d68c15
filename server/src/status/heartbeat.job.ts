/**
 * Worker liveness through the job queue itself. Each worker-type role sends a
 * `platform.heartbeat` job every CTXPIPE_WORKER_HEARTBEAT_SECONDS (10 s); whichever worker
 * processes it records the sender as seen. A fresh row therefore proves both that the sender
 * runs and that the queue is being worked. /.status reads the rows (status.service.ts); the rows
 * are written through heartbeat.service.ts.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { defineJob, type JobQueue } from "../jobs/job-queue.js";
import type { Logger } from "../platform/logging.js";
import { forgetSilentWorkers, hasBeaten, recordHeartbeat } from "./heartbeat.service.js";

/** The roles that report liveness. */
export type WorkerRole = "worker" | "codesearch";

interface HeartbeatData {
  workerId: string;
  role: WorkerRole;
  startedAt: string;
}

/** Builds the heartbeat job bound to a pool (the job writes worker_heartbeats). */
export function heartbeatJob(pool: pg.Pool) {
  return defineJob<HeartbeatData>({
    name: "platform.heartbeat",
    // Heartbeats are only useful fresh: expire quickly, never retry, keep little history.
    queue: { retryLimit: 0, expireInSeconds: 30, retentionSeconds: 300, deleteAfterSeconds: 300 },
    async handler(data) {
      await recordHeartbeat(pool, data);
      await forgetSilentWorkers(pool);
    },
  });
}

/** A running heartbeat loop. */
export interface Heartbeat {
  workerId: string;
  /** Resolves once this worker's first heartbeat was processed (or after `timeoutMs`). */
  firstBeat(timeoutMs: number): Promise<boolean>;
  stop(): void;
}

/** Starts sending heartbeats for one role of this process, one every `intervalSeconds`. */
export function startHeartbeat(options: { queue: JobQueue; pool: pg.Pool; role: WorkerRole; logger: Logger; intervalSeconds: number }): Heartbeat {
  const workerId = `${options.role}-${randomUUID()}`;
  const startedAt = new Date().toISOString();
  const job = heartbeatJob(options.pool);
  const beat = () =>
    options.queue.send(job, { workerId, role: options.role, startedAt }).catch((err: unknown) => options.logger.warn({ err }, "could not send heartbeat"));
  void beat();
  const timer = setInterval(beat, options.intervalSeconds * 1000);
  timer.unref();
  return {
    workerId,
    async firstBeat(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (await hasBeaten(options.pool, workerId)) return true;
        await new Promise((r) => setTimeout(r, 200));
      }
      return false;
    },
    stop: () => clearInterval(timer),
  };
}
