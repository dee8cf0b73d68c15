/**
 * The repositories row's side of an index run: what is published now (read at the start of a
 * run) and the new generation's summary (written at its end, in the run's transaction). The
 * repository.sync job takes these steps around indexing's; indexing never names the table.
 */
import type { IndexRunSummary, PublishedIndex } from "../indexing/index.js";
import type { Queryable } from "../platform/db/tenant.js";

/** The published index of a repository (generation 0 and no previous run before the first). */
export async function readPublishedIndex(tx: Queryable, repositoryId: string): Promise<PublishedIndex> {
  const { rows } = await tx.query<{
    generation: number;
    indexed_commit: string | null;
    indexed_settings: PublishedIndex["previous"]["settings"];
    skipped: PublishedIndex["previous"]["skipped"] | null;
  }>("select generation, indexed_commit, indexed_settings, skipped from repositories where id = $1", [repositoryId]);
  const row = rows[0];
  return {
    generation: row?.generation ?? 0,
    previous: { indexedCommit: row?.indexed_commit ?? null, settings: row?.indexed_settings ?? null, skipped: row?.skipped ?? {} },
  };
}

/** Publishes a finished run: the new generation, its commit, branch and totals, and the run's counts. */
export async function publishIndexRun(tx: Queryable, repositoryId: string, s: IndexRunSummary & { branch: string }): Promise<void> {
  await tx.query(
    `update repositories set generation = $2, indexed_commit = $3, indexed_branch = $4, indexed_at = now(),
       file_count = $5, byte_count = $6, languages = $7, skipped = $8, indexed_settings = $9, last_run = $10, updated_at = now()
     where id = $1`,
    [repositoryId, s.generation, s.commit, s.branch, s.files, s.bytes, s.languages, s.skipped, s.settings, s.lastRun],
  );
}
