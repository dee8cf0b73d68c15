/**
 * The SQL of worker liveness (worker_heartbeats): record a sender as seen, forget workers
 * silent for a day, and whether a worker has been seen at all. The `platform.heartbeat` job
 * and its sender (heartbeat.job.ts) call these; /.status reads the rows (status.service.ts).
 */
import type pg from "pg";

/** One heartbeat: who sent it, for which role, since when it runs. */
export interface Beat {
  workerId: string;
  role: string;
  startedAt: string;
}

/** Records the sender of a heartbeat as seen now. */
export async function recordHeartbeat(pool: pg.Pool, beat: Beat): Promise<void> {
  await pool.query(
    `insert into worker_heartbeats (worker_id, role, started_at, last_seen_at)
     values ($1, $2, $3, now())
     on conflict (worker_id) do update set last_seen_at = now()`,
    [beat.workerId, beat.role, beat.startedAt],
  );
}

/** Forgets workers silent for a day, so the table stays small. */
export async function forgetSilentWorkers(pool: pg.Pool): Promise<void> {
  await pool.query("delete from worker_heartbeats where last_seen_at < now() - interval '1 day'");
}

/** Whether a heartbeat of `workerId` has been recorded. */
export async function hasBeaten(pool: pg.Pool, workerId: string): Promise<boolean> {
  const { rowCount } = await pool.query("select 1 from worker_heartbeats where worker_id = $1", [workerId]);
  return (rowCount ?? 0) > 0;
}
