/**
 * Chunk scans through the byte-trigram lists (indexing/trigram-postings.ts, migration
 * 20261208020000): the org's lists of a pattern's trigrams are read by key (equality is
 * leakproof, so the app role reads them by index under row-level security) and intersected
 * here, per segment; the candidate chunks are then read by id, in id order (the order they
 * were written in), in slices sized to what a fetch needs, and rechecked with the pattern in
 * Postgres exactly like the pg_trgm scan (scan.sql.ts). Every statement runs in the caller's
 * org-scoped transaction and names the org explicitly too.
 */
import { bucketKey, intersectLists, listOf, type PostingRow } from "../indexing/index.js";
import type { Queryable } from "../platform/db/tenant.js";
import type { Pattern } from "./query-parser.js";
import { type ChunkRow, type ChunkScan, inFetchSavepoint, type ScanScope, searchMode } from "./scan.sql.js";

/** Postgres operator of each search mode. */
const OPERATOR = { like: "like", ilike: "ilike", regex: "~", iregex: "~*" } as const;
/** Smallest and largest slice of candidate ids one recheck statement reads. */
const MIN_SLICE = 64;
const MAX_SLICE = 8192;

/** What the lists gave for one pattern. */
export interface PostingCandidates {
  /** Candidate chunk ids, ascending. */
  ids: number[];
  /** Segments and rows read, and their bytes. */
  segments: number;
  rows: number;
  bytes: number;
}

/**
 * The chunks of the org that hold the rarest trigrams of `allCodes` (rarestCodes): each
 * segment's lists intersected (a segment missing one of them has no candidate), ascending by id.
 */
export async function candidateChunks(tx: Queryable, allCodes: number[]): Promise<PostingCandidates> {
  const codes = await rarestCodes(tx, allCodes);
  const keys = [...new Set([...codes, ...codes.map(bucketKey)])];
  const { rows } = await tx.query<{ segment_id: string; key: number; postings: Buffer }>(
    `select p.segment_id, p.key, p.postings
     from index_trigram_segments s
     join index_trigram_postings p on p.org_id = s.org_id and p.segment_id = s.segment_id and p.key = any($1::int[])
     where s.org_id = ctxpipe_current_org()`,
    [keys],
  );
  const bySegment = new Map<number, PostingRow[]>();
  let bytes = 0;
  for (const r of rows) {
    const segment = Number(r.segment_id);
    (bySegment.get(segment) ?? bySegment.set(segment, []).get(segment)!).push({ key: r.key, postings: r.postings });
    bytes += r.postings.length;
  }
  const ids: number[] = [];
  for (const segment of [...bySegment.keys()].sort((a, b) => a - b)) {
    const segmentRows = bySegment.get(segment)!;
    const lists: number[][] = [];
    for (const code of codes) {
      const list = segmentRows.map((row) => listOf(code, row)).find((l) => l !== undefined);
      if (!list) break;
      lists.push(list);
    }
    if (lists.length < codes.length) continue;
    for (const ord of intersectLists(lists)) ids.push(segment + ord);
  }
  return { ids, segments: bySegment.size, rows: rows.length, bytes };
}

/** Bytes of lists a scan reads at most beyond its MIN_CODES rarest trigrams. */
const LIST_BUDGET_BYTES = 256 * 1024;
/** Trigrams always intersected (the rarest), whatever their lists weigh. */
const MIN_CODES = 3;

/**
 * The trigrams worth reading: the rarest first (by the bytes of their lists over all segments;
 * a list kept in a bucket is short), all of them while their lists stay within
 * LIST_BUDGET_BYTES. A common trigram's list is long and filters little: leaving it out costs a
 * few more candidates, reading it costs its whole list.
 */
async function rarestCodes(tx: Queryable, codes: number[]): Promise<number[]> {
  if (codes.length <= MIN_CODES) return codes;
  // Segment by segment, so every Postgres from 15 on reads each segment's keys through the
  // primary key (without a skip scan, `key = any(…)` alone would read all the org's entries).
  // octet_length of a value kept in TOAST reads only its pointer.
  const { rows } = await tx.query<{ key: number; bytes: string }>(
    `select p.key, sum(octet_length(p.postings)) as bytes
     from index_trigram_segments s
     join index_trigram_postings p on p.org_id = s.org_id and p.segment_id = s.segment_id and p.key = any($1::int[])
     where s.org_id = ctxpipe_current_org()
     group by p.key`,
    [codes],
  );
  const own = new Map(rows.map((r) => [r.key, Number(r.bytes)]));
  // Without a row of its own, a trigram's lists are in buckets: at most a bucket list per segment.
  const weight = (code: number) => own.get(code) ?? 0;
  const sorted = [...codes].sort((a, b) => weight(a) - weight(b) || a - b);
  const chosen: number[] = [];
  let bytes = 0;
  for (const code of sorted) {
    if (chosen.length >= MIN_CODES && bytes + weight(code) > LIST_BUDGET_BYTES) break;
    chosen.push(code);
    bytes += weight(code);
  }
  return chosen.sort((a, b) => a - b);
}

/** A chunk scan through the trigram lists, and how many candidates it holds. */
export interface PostingScan extends ChunkScan {
  readonly candidates: PostingCandidates;
  /** Candidates rechecked so far. */
  readonly checked: number;
}

/**
 * Opens a scan of the chunks matching `pattern`, whose trigrams are `codes`
 * (search/trigram-query.ts patternTrigrams): the same rows as scan.sql.ts openChunkScan, in
 * chunk-id order. With `scope.within`, only chunks of those blobs are rechecked; with
 * `scope.visibleIn`, only chunks of blobs visible in those repositories.
 */
export async function openPostingScan(tx: Queryable, pattern: Pattern, caseSensitive: boolean, codes: number[], scope: ScanScope = {}): Promise<PostingScan> {
  const candidates = await candidateChunks(tx, codes);
  const { mode, value } = searchMode(pattern, caseSensitive);
  const op = OPERATOR[mode];
  // The blob filters (file:/lang: blobs, repo: visibility) are decided before the chunk text
  // is read: a CASE keeps that order.
  const fixed: unknown[] = [value];
  const filters: string[] = [];
  if (scope.within) {
    fixed.push(scope.within);
    filters.push(`c.blob_oid = any($${fixed.length + 1}::text[])`);
  }
  if (scope.visibleIn) {
    fixed.push(
      scope.visibleIn.map((r) => r.id),
      scope.visibleIn.map((r) => r.generation),
    );
    filters.push(`exists (select 1 from index_files f join unnest($${fixed.length}::uuid[], $${fixed.length + 1}::int[]) as r(id, gen) on r.id = f.repository_id
      where f.org_id = ctxpipe_current_org() and f.blob_oid = c.blob_oid and f.valid_from <= r.gen and (f.valid_to is null or f.valid_to > r.gen))`);
  }
  const condition = filters.length > 0 ? `case when ${filters.join(" and ")} then c.content ${op} $2 else false end` : `c.content ${op} $2`;
  // One primary-key probe per candidate (a lateral subquery with a limit is never flattened
  // into a join that would run the pattern over a whole-table scan), then the filters.
  const statement = `select c.blob_oid, c.chunk_no, c.start_line, c.content
    from unnest($1::bigint[]) with ordinality as k(id, ord)
    cross join lateral (
      select c.blob_oid, c.chunk_no, c.start_line, c.content from index_chunks c
      where c.org_id = ctxpipe_current_org() and c.chunk_id = k.id and c.chunk_id is not null limit 1
    ) c
    where ${condition}
    order by k.ord`;
  const ids = candidates.ids;
  const buffer: ChunkRow[] = [];
  let next = 0;
  let matched = 0;
  let checked = 0;
  return {
    candidates,
    get checked() {
      return checked;
    },
    async fetch(count) {
      const wanted = Math.max(1, Math.floor(count));
      while (buffer.length < wanted && next < ids.length) {
        // Slices sized by the share of candidates that matched so far (a quarter more).
        const rate = checked === 0 ? 0.5 : Math.max(matched / checked, 0.01);
        const size = Math.min(Math.max(Math.ceil(((wanted - buffer.length) / rate) * 1.25), MIN_SLICE), MAX_SLICE);
        const slice = ids.slice(next, next + size);
        const params: unknown[] = [slice, ...fixed];
        const res = await inFetchSavepoint(tx, scope.statementMs, () =>
          tx.query<{ blob_oid: string; chunk_no: number; start_line: number; content: string }>(statement, params),
        );
        next += slice.length;
        checked += slice.length;
        matched += res.rows.length;
        for (const r of res.rows) buffer.push({ blobOid: r.blob_oid, chunkNo: r.chunk_no, startLine: r.start_line, content: r.content });
      }
      return buffer.splice(0, wanted);
    },
    async close() {
      next = ids.length;
      buffer.length = 0;
    },
  };
}
