/**
 * Writes the code-search index (tables in migration 20261127130000): content chunks and
 * symbols per blob (shared by every path and repository of an org that holds the blob), file
 * rows per generation, the atomic publish of a generation, and the clean-up afterwards.
 * Every function runs inside the caller's org-scoped transaction (row-level security).
 */
import type { Queryable } from "../platform/db/tenant.js";
import type { Chunk } from "./chunker.js";

/** Symbols as stored. */
export interface SymbolRow {
  name: string;
  kind: string;
  container: string | null;
  startLine: number;
  endLine: number;
  signature: string;
}

/** One file of a generation. */
export interface FileRow {
  path: string;
  blobOid: string;
  language: string | null;
  size: number;
}

/**
 * Serialises blob garbage collection against index runs of the same org: a run holds the
 * shared lock for its transaction (it may reuse existing blobs), collection the exclusive one.
 */
export async function lockOrgIndex(tx: Queryable, orgId: string, mode: "run" | "collect"): Promise<void> {
  const fn = mode === "run" ? "pg_advisory_xact_lock_shared" : "pg_advisory_xact_lock";
  await tx.query(`select ${fn}(hashtextextended('ctxpipe.index:' || $1, 0))`, [orgId]);
}

/** Of `oids`, the blobs whose chunks are already stored for the org. */
export async function existingBlobs(tx: Queryable, orgId: string, oids: string[]): Promise<Set<string>> {
  if (oids.length === 0) return new Set();
  const { rows } = await tx.query<{ blob_oid: string }>(
    "select distinct blob_oid from index_chunks where org_id = $1 and blob_oid = any($2::text[]) and chunk_no = 0",
    [orgId, oids],
  );
  return new Set(rows.map((r) => r.blob_oid));
}

/** Stores the chunks of many blobs in one statement. Existing blobs are left alone. */
export async function insertChunks(tx: Queryable, orgId: string, blobs: { oid: string; chunks: Chunk[] }[]): Promise<void> {
  const oid: string[] = [];
  const no: number[] = [];
  const start: number[] = [];
  const count: number[] = [];
  const content: string[] = [];
  for (const blob of blobs) {
    for (const chunk of blob.chunks) {
      oid.push(blob.oid);
      no.push(chunk.chunkNo);
      start.push(chunk.startLine);
      count.push(chunk.lineCount);
      content.push(chunk.content);
    }
  }
  if (oid.length === 0) return;
  await tx.query(
    `insert into index_chunks (org_id, blob_oid, chunk_no, start_line, line_count, content)
     select $1, * from unnest($2::text[], $3::int[], $4::int[], $5::int[], $6::text[])
     on conflict do nothing`,
    [orgId, oid, no, start, count, content],
  );
}

/** Stores the symbols of blobs (for one language each) and marks them extracted. */
export async function insertSymbols(
  tx: Queryable,
  orgId: string,
  blobs: { oid: string; language: string; symbols: SymbolRow[] }[],
): Promise<void> {
  if (blobs.length === 0) return;
  const done = await tx.query<{ blob_oid: string; language: string }>(
    `insert into index_symbol_blobs (org_id, blob_oid, language)
     select $1, * from unnest($2::text[], $3::text[]) on conflict do nothing returning blob_oid, language`,
    [orgId, blobs.map((b) => b.oid), blobs.map((b) => b.language)],
  );
  // Only blobs marked now get rows: a blob extracted earlier (or concurrently) already has them.
  const fresh = new Set(done.rows.map((r) => `${r.blob_oid}\u0000${r.language}`));
  const cols = { oid: [] as string[], lang: [] as string[], name: [] as string[], kind: [] as string[], container: [] as (string | null)[], start: [] as number[], end: [] as number[], sig: [] as string[] };
  for (const blob of blobs) {
    if (!fresh.has(`${blob.oid}\u0000${blob.language}`)) continue;
    for (const s of blob.symbols) {
      cols.oid.push(blob.oid);
      cols.lang.push(blob.language);
      cols.name.push(s.name);
      cols.kind.push(s.kind);
      cols.container.push(s.container);
      cols.start.push(s.startLine);
      cols.end.push(s.endLine);
      cols.sig.push(s.signature);
    }
  }
  if (cols.oid.length === 0) return;
  await tx.query(
    `insert into index_symbols (org_id, blob_oid, language, name, kind, container, start_line, end_line, signature)
     select $1, * from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[], $9::text[])`,
    [orgId, cols.oid, cols.lang, cols.name, cols.kind, cols.container, cols.start, cols.end, cols.sig],
  );
}

/** Of (oid, language) pairs, those whose symbols were already extracted. */
export async function extractedSymbolBlobs(tx: Queryable, orgId: string, oids: string[]): Promise<Set<string>> {
  if (oids.length === 0) return new Set();
  const { rows } = await tx.query<{ blob_oid: string; language: string }>(
    "select blob_oid, language from index_symbol_blobs where org_id = $1 and blob_oid = any($2::text[])",
    [orgId, oids],
  );
  return new Set(rows.map((r) => `${r.blob_oid}\u0000${r.language}`));
}

/**
 * Stages generation `next`: closes the rows of removed or changed paths and inserts rows for
 * added or changed paths. Readers keep seeing the published generation until `publish`.
 */
export async function stageFiles(
  tx: Queryable,
  scope: { orgId: string; repositoryId: string },
  next: number,
  changes: { upserts: FileRow[]; removals: string[] },
): Promise<void> {
  const closing = [...changes.removals, ...changes.upserts.map((f) => f.path)];
  if (closing.length > 0) {
    await tx.query(
      "update index_files set valid_to = $3 where repository_id = $1 and valid_to is null and path = any($2::text[])",
      [scope.repositoryId, closing, next],
    );
  }
  if (changes.upserts.length > 0) {
    await tx.query(
      `insert into index_files (org_id, repository_id, path, blob_oid, language, size, valid_from)
       select $1, $2, * , $7 from unnest($3::text[], $4::text[], $5::text[], $6::int[])`,
      [
        scope.orgId,
        scope.repositoryId,
        changes.upserts.map((f) => f.path),
        changes.upserts.map((f) => f.blobOid),
        changes.upserts.map((f) => f.language),
        changes.upserts.map((f) => f.size),
        next,
      ],
    );
  }
}

/** Live file totals of a generation: count, bytes and bytes per language. */
export async function generationTotals(tx: Queryable, repositoryId: string, generation: number) {
  const { rows } = await tx.query<{ language: string | null; files: number; bytes: string }>(
    `select language, count(*)::int as files, sum(size)::bigint as bytes from index_files
     where repository_id = $1 and valid_from <= $2 and (valid_to is null or valid_to > $2)
     group by language`,
    [repositoryId, generation],
  );
  const languages: Record<string, number> = {};
  let files = 0;
  let bytes = 0;
  for (const r of rows) {
    files += r.files;
    bytes += Number(r.bytes);
    if (r.language) languages[r.language] = Number(r.bytes);
  }
  return { files, bytes, languages };
}

/**
 * Drops what no reader can see any more: file rows that left the published generation, and
 * chunks and symbols of `candidates` (the blobs a run or a deletion unlinked) that no file of
 * the org refers to any more. Checking only the candidates keeps this proportional to the
 * change, not to the organisation's index.
 */
export async function collectGarbage(tx: Queryable, scope: { orgId: string; repositoryId?: string }, candidates: string[], published?: number): Promise<void> {
  await lockOrgIndex(tx, scope.orgId, "collect");
  if (scope.repositoryId && published !== undefined) {
    await tx.query("delete from index_files where repository_id = $1 and valid_to is not null and valid_to <= $2", [scope.repositoryId, published]);
  }
  if (candidates.length === 0) return;
  const { rows } = await tx.query<{ blob_oid: string }>(
    `select c.oid as blob_oid from unnest($2::text[]) as c(oid)
     where not exists (select 1 from index_files f where f.org_id = $1 and f.blob_oid = c.oid)`,
    [scope.orgId, [...new Set(candidates)]],
  );
  const orphans = rows.map((r) => r.blob_oid);
  if (orphans.length === 0) return;
  for (const table of ["index_chunks", "index_symbols", "index_symbol_blobs"]) {
    await tx.query(`delete from ${table} where org_id = $1 and blob_oid = any($2::text[])`, [scope.orgId, orphans]);
  }
}

/** The blobs a repository's file rows refer to (the candidates when it is deleted). */
export async function repositoryBlobs(tx: Queryable, repositoryId: string): Promise<string[]> {
  const { rows } = await tx.query<{ blob_oid: string }>("select distinct blob_oid from index_files where repository_id = $1", [repositoryId]);
  return rows.map((r) => r.blob_oid);
}
