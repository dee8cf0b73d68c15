/**
 * Ending Better Auth sessions outside a request (the admin CLI): the one sign-up opened, or
 * every session of a user whose password was reset. auth."session" belongs to this
 * capability; the app role cannot read it, so these run on the system pool as named
 * maintenance.
 */
import type { Database } from "../../platform/db/database.js";

/** Ends the session with this token (the one `signUpEmail` opens), if it exists. */
export async function endSession(db: Database, token: string): Promise<void> {
  await db.unsafeSystem.query(`delete from auth."session" where "token" = $1`, [token]);
}

/**
 * Ends every session of a user (their cookies stop working at once).
 * @returns how many sessions were ended.
 */
export async function endSessionsOf(db: Database, userId: string): Promise<number> {
  const { rowCount } = await db.unsafeSystem.query(`delete from auth."session" where "userId" = $1`, [userId]);
  return rowCount ?? 0;
}
