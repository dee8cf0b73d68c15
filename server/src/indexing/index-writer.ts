/**
 * Writes the code-search index (tables in migration 20261127130000): content chunks and
 * symbols per blob (shared by every path and repository of an org that holds the blob), file
 * rows per generation, the atomic publish of a generation, and the clean-up afterwards.
 * Every function runs inside the caller's org-scoped transaction (row-level security).
 */
import type { Queryable } from "../platform/db/tenant.js";
import type { Chunk } from "./chunker.js";
import { blobTermKeys, TERM_STATS, type BlobTerms } from "./terms/code-terms.js";
import type { Segment } from "./trigram-postings.js";

/** Symbols as stored. */
export interface SymbolRow {
  name: string;
  kind: string;
  container: string | null;
  startLine: number;
  endLine: number;
  /** The line that holds the name (the signature shown is read from the chunk there). */
  nameLine: number;
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

/**
 * Gives this transaction more memory for merging GIN pending-list entries into the trigram
 * indexes (an insert that fills a pending list merges it with `work_mem`), so a large run
 * merges in fewer, larger steps. The pending lists keep their size (a larger one would stay
 * allocated in the index file as empty pages).
 */
export async function useBulkMergeMemory(tx: Queryable): Promise<void> {
  await tx.query("select set_config('work_mem', '64MB', true)");
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

/** A blob's chunks, as written. */
export interface BlobChunks {
  oid: string;
  chunks: Chunk[];
  /** The chunks' ids (index_chunks.chunk_id, named by the trigram lists), one per chunk. */
  ids?: number[];
}

/** Chunk ids per block of index_chunk_id_blocks (migration 20261208020000). */
export const CHUNK_ID_BLOCK = 2 ** 20;

/** Takes a block of chunk ids for this run: the first of CHUNK_ID_BLOCK consecutive ids no one else uses. */
export async function reserveChunkIds(tx: Queryable): Promise<number> {
  const { rows } = await tx.query<{ block: string }>("select nextval('index_chunk_id_blocks') as block");
  return Number(rows[0]!.block) * CHUNK_ID_BLOCK;
}

/**
 * Stores a segment of trigram lists (trigram-postings.ts): its range of chunk ids and its rows.
 * The segment's id is its first chunk id (ids are never reused).
 */
export async function insertSegment(tx: Queryable, orgId: string, segment: Segment): Promise<void> {
  await tx.query(
    `insert into index_trigram_segments (org_id, segment_id, first_chunk, last_chunk, chunks, text_bytes)
     values ($1, $2, $2, $3, $4, $5)`,
    [orgId, segment.firstChunk, segment.lastChunk, segment.chunks, segment.textBytes],
  );
  await tx.query(
    `insert into index_trigram_postings (org_id, segment_id, key, postings)
     select $1, $2, * from unnest($3::int[], $4::bytea[])`,
    [orgId, segment.firstChunk, segment.rows.map((r) => r.key), segment.rows.map((r) => r.postings)],
  );
}

/** A blob's symbols for one language, as written. */
export interface BlobSymbols {
  oid: string;
  language: string;
  symbols: SymbolRow[];
}

/** A blob's terms, as written. */
export interface BlobTermRow {
  oid: string;
  terms: BlobTerms;
}

/** Stores the symbols of blobs (for one language each) and marks them extracted. */
export async function insertSymbols(tx: Queryable, orgId: string, blobs: BlobSymbols[]): Promise<void> {
  await insertContent(tx, orgId, [], blobs);
}

/**
 * Stores chunks, symbols and terms of many blobs in one statement, so a batch costs one round
 * trip and Postgres never waits for Node between its parts. Existing chunks and terms are left
 * alone. Symbols are stored only for the (blob, language) pairs this statement marks
 * extracted: a blob extracted earlier (or concurrently) already has them. They keep document
 * order. Answers the blobs whose terms this statement stored (for the document frequencies).
 */
export async function insertContent(
  tx: Queryable,
  orgId: string,
  chunks: BlobChunks[],
  blobSymbols: BlobSymbols[],
  blobTerms: BlobTermRow[] = [],
): Promise<Set<string>> {
  const c = chunkColumns(chunks);
  const symbols = firstPerBlobAndLanguage(blobSymbols);
  if (c.oid.length === 0 && symbols.length === 0 && blobTerms.length === 0) return new Set();
  const s = symbolColumns(symbols);
  const { rows } = await tx.query<{ blob_oid: string }>(
    `with new_chunks as (
       insert into index_chunks (org_id, blob_oid, chunk_no, start_line, line_count, content, chunk_id)
       select $1, * from unnest($2::text[], $3::int[], $4::int[], $5::int[], $6::text[], $20::bigint[])
       on conflict do nothing
     ), marked as (
       insert into index_symbol_blobs (org_id, blob_oid, language)
       select $1, * from unnest($7::text[], $8::text[]) on conflict do nothing returning blob_oid, language
     ), new_symbols as (
       insert into index_symbols (org_id, blob_oid, language, name, kind, container, start_line, end_line, name_line)
       select $1, s.oid, s.language, s.name, s.kind, s.container, s.start_line, s.end_line, s.name_line
       from unnest($9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::int[], $15::int[], $16::int[])
         with ordinality as s(oid, language, name, kind, container, start_line, end_line, name_line, ord)
       where exists (select 1 from marked m where m.blob_oid = s.oid and m.language = s.language)
       order by s.ord
     ), new_terms as (
       insert into index_term_blobs (org_id, blob_oid, length, terms)
       select $1, t.oid, t.length, t.terms::int[]
       from unnest($17::text[], $18::int[], $19::text[]) as t(oid, length, terms)
       on conflict do nothing returning blob_oid
     )
     select blob_oid from new_terms`,
    [
      orgId,
      c.oid,
      c.no,
      c.start,
      c.count,
      c.content,
      symbols.map((b) => b.oid),
      symbols.map((b) => b.language),
      s.oid,
      s.lang,
      s.name,
      s.kind,
      s.container,
      s.start,
      s.end,
      s.nameLine,
      blobTerms.map((b) => b.oid),
      blobTerms.map((b) => b.terms.length),
      blobTerms.map((b) => `{${blobTermKeys(b.terms).join(",")}}`),
      c.id,
    ],
  );
  return new Set(rows.map((r) => r.blob_oid));
}

/**
 * Adds a run's new blobs to the org's document frequencies (`blobs` per term id; the reserved
 * ids count the blobs and their lengths), in one statement in term order: concurrent runs of
 * the org then wait for each other's rows instead of deadlocking, and only between this
 * statement and their commit (the run publishes right after).
 */
export async function addTermStats(tx: Queryable, orgId: string, counts: ReadonlyMap<number, number>): Promise<void> {
  if (counts.size === 0) return;
  const entries = [...counts].sort((a, b) => a[0] - b[0]);
  await tx.query(
    `insert into index_term_stats (org_id, term, blobs)
     select $1, u.term, u.n from unnest($2::int[], $3::bigint[]) with ordinality as u(term, n, ord) order by u.ord
     on conflict (org_id, term) do update set blobs = index_term_stats.blobs + excluded.blobs`,
    [orgId, entries.map((e) => e[0]), entries.map((e) => e[1])],
  );
}

/** Adds a blob's terms to a run's document-frequency counts, per key (see addTermStats). */
export function countTerms(counts: Map<number, number>, terms: BlobTerms): void {
  for (const key of blobTermKeys(terms)) counts.set(key, (counts.get(key) ?? 0) + 1);
  counts.set(TERM_STATS.blobs, (counts.get(TERM_STATS.blobs) ?? 0) + 1);
  counts.set(TERM_STATS.length, (counts.get(TERM_STATS.length) ?? 0) + terms.length);
}

/** Of several entries for the same blob and language, the first. */
function firstPerBlobAndLanguage(blobs: BlobSymbols[]): BlobSymbols[] {
  const seen = new Set<string>();
  return blobs.filter((b) => {
    const key = `${b.oid}\u0000${b.language}`;
    return !seen.has(key) && Boolean(seen.add(key));
  });
}

/** The chunk rows as parameter arrays (one per column). */
function chunkColumns(blobs: BlobChunks[]) {
  const cols = { oid: [] as string[], no: [] as number[], start: [] as number[], count: [] as number[], content: [] as string[], id: [] as (number | null)[] };
  for (const blob of blobs) {
    for (const [i, chunk] of blob.chunks.entries()) {
      cols.id.push(blob.ids?.[i] ?? null);
      cols.oid.push(blob.oid);
      cols.no.push(chunk.chunkNo);
      cols.start.push(chunk.startLine);
      cols.count.push(chunk.lineCount);
      cols.content.push(chunk.content);
    }
  }
  return cols;
}

/** The symbol rows as parameter arrays (one per column). */
function symbolColumns(blobs: BlobSymbols[]) {
  const cols = {
    oid: [] as string[],
    lang: [] as string[],
    name: [] as string[],
    kind: [] as string[],
    container: [] as (string | null)[],
    start: [] as number[],
    end: [] as number[],
    nameLine: [] as number[],
  };
  for (const blob of blobs) {
    for (const s of blob.symbols) {
      cols.oid.push(blob.oid);
      cols.lang.push(blob.language);
      cols.name.push(s.name);
      cols.kind.push(s.kind);
      cols.container.push(s.container);
      cols.start.push(s.startLine);
      cols.end.push(s.endLine);
      cols.nameLine.push(s.nameLine);
    }
  }
  return cols;
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

/** The files (path and blob) of `generation`, all or those among `paths`. */
export async function generationFiles(tx: Queryable, repositoryId: string, generation: number, paths?: string[]): Promise<{ path: string; blobOid: string }[]> {
  if (paths?.length === 0) return [];
  const { rows } = await tx.query<{ path: string; blob_oid: string }>(
    `select path, blob_oid from index_files
     where repository_id = $1 and valid_from <= $2 and (valid_to is null or valid_to > $2) and ($3::text[] is null or path = any($3::text[]))`,
    [repositoryId, generation, paths ?? null],
  );
  return rows.map((r) => ({ path: r.path, blobOid: r.blob_oid }));
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
    await tx.query("update index_files set valid_to = $3 where repository_id = $1 and valid_to is null and path = any($2::text[])", [
      scope.repositoryId,
      closing,
      next,
    ]);
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
  const { rows: gone } = await tx.query<{ chunk_id: string }>("delete from index_chunks where org_id = $1 and blob_oid = any($2::text[]) returning chunk_id", [
    scope.orgId,
    orphans,
  ]);
  for (const table of ["index_symbols", "index_symbol_blobs"]) {
    await tx.query(`delete from ${table} where org_id = $1 and blob_oid = any($2::text[])`, [scope.orgId, orphans]);
  }
  await deleteTerms(tx, scope.orgId, orphans);
  await deleteEmptySegments(
    tx,
    scope.orgId,
    gone.flatMap((r) => (r.chunk_id === null ? [] : [r.chunk_id])),
  );
}

/**
 * Deletes the trigram segments that held some of `chunkIds` (just deleted) and hold no chunk
 * any more, with their lists. A segment that keeps some chunks keeps the lists of the others
 * too: they name ids no row has, so a search skips them.
 */
async function deleteEmptySegments(tx: Queryable, orgId: string, chunkIds: string[]): Promise<void> {
  if (chunkIds.length === 0) return;
  await tx.query(
    `with touched as (
       select distinct s.segment_id, s.first_chunk, s.last_chunk
       from unnest($2::bigint[]) as g(id)
       cross join lateral (
         select s.segment_id, s.first_chunk, s.last_chunk from index_trigram_segments s
         where s.org_id = $1 and s.segment_id <= g.id order by s.segment_id desc limit 1
       ) s
       where s.last_chunk >= g.id
     )
     delete from index_trigram_segments s using touched t
     where s.org_id = $1 and s.segment_id = t.segment_id
       and not exists (select 1 from index_chunks c where c.org_id = $1 and c.chunk_id between t.first_chunk and t.last_chunk)`,
    [orgId, chunkIds],
  );
}

/**
 * Deletes the term rows of `orphans` and takes them out of the org's document frequencies
 * (the caller holds the org's exclusive index lock, so no run adds to them meanwhile); a term
 * no blob holds any more loses its row.
 */
async function deleteTerms(tx: Queryable, orgId: string, orphans: string[]): Promise<void> {
  const { rows } = await tx.query<{ term: number; blobs: string }>(
    `with gone as (
       delete from index_term_blobs where org_id = $1 and blob_oid = any($2::text[]) returning terms, length
     ), counts as (
       select t.term, count(*) as n from gone, unnest(gone.terms) as t(term) group by t.term
       union all select ${TERM_STATS.blobs}, count(*) from gone
       union all select ${TERM_STATS.length}, coalesce(sum(length), 0) from gone
     )
     update index_term_stats s set blobs = s.blobs - counts.n from counts
     where s.org_id = $1 and s.term = counts.term and counts.n > 0
     returning s.term, s.blobs`,
    [orgId, orphans],
  );
  const empty = rows.filter((r) => Number(r.blobs) <= 0 && r.term !== TERM_STATS.blobs && r.term !== TERM_STATS.length);
  if (empty.length > 0) {
    await tx.query("delete from index_term_stats where org_id = $1 and term = any($2::int[]) and blobs <= 0", [orgId, empty.map((r) => r.term)]);
  }
}

/** The blobs a repository's file rows refer to (the candidates when it is deleted). */
export async function repositoryBlobs(tx: Queryable, repositoryId: string): Promise<string[]> {
  const { rows } = await tx.query<{ blob_oid: string }>("select distinct blob_oid from index_files where repository_id = $1", [repositoryId]);
  return rows.map((r) => r.blob_oid);
}
