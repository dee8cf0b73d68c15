/**
 * "The database cannot be reached right now" (refused or dropped connections, a server
 * shutting down or starting, a full pool) becomes 503 `unavailable` with a Retry-After,
 * instead of a 500 that hides a condition clients can wait out. The recognition lives with the
 * error family (platform/errors.ts, `toAppError`) and is re-exported here for the database
 * code; `databaseAnswers` probes for errors that arrive without their cause.
 */
export { DATABASE_RETRY_AFTER_SECONDS, databaseUnavailable, isDatabaseUnavailable } from "../errors.js";

/**
 * True when `pool` answers a trivial query within `timeoutMs`. For errors that arrive
 * without their cause (a library that wraps database failures in its own 500): a failed
 * probe tells "the database is down" from "something else broke".
 */
export async function databaseAnswers(pool: { query(sql: string): Promise<unknown> }, timeoutMs = 1_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([
      pool.query("select 1").then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
