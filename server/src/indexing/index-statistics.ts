/**
 * Planner statistics of the index tables after a bulk run. Autovacuum analyzes a table only
 * after a share of it changed and on its own schedule, so right after the first large run of
 * an installation (or an organisation) the planner still believes the index tables are nearly
 * empty, and search plans go wrong until it catches up. Statistics are per table, shared by
 * every organisation: this is named cross-tenant maintenance through the system pool.
 */
import type { Database } from "../platform/db/database.js";

/** A run that read at least this many new blobs refreshes the statistics. */
export const ANALYZE_AFTER_BLOBS = 1000;

/** Runs ANALYZE on the index tables (about a second on a 366 MB index). */
export async function refreshIndexStatistics(db: Database): Promise<void> {
  await db.unsafeSystem.query("analyze index_chunks, index_files, index_symbols, index_symbol_blobs, index_term_blobs, index_term_stats");
}
