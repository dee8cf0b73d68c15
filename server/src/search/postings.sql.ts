/**
 * Chunk scans through the byte-trigram lists (indexing/trigram-postings.ts, migration
 * 20261208020000): the org's lists of a pattern's trigrams are read by key (equality is
 * leakproof, so the app role reads them by index under row-level security) and intersected
 * here, per segment, a segment at a time as the scan needs candidates (a first page of a
 * common pattern reads one segment's lists, not the org's); the candidate chunks are then read
 * by id, in id order (the order they were written in), in slices sized to what a fetch needs, and rechecked with the pattern in
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

/** What the lists gave for one pattern (so far, for a scan: it reads segments as it goes). */
export interface PostingCandidates {
  /** Candidate chunk ids, ascending. */
  ids: number[];
  /** Segments whose lists were read, and the rows and bytes read. */
  segments: number;
  rows: number;
  bytes: number;
}

/** Trigrams always intersected in a segment (its rarest), whatever their lists weigh. */
const MIN_CODES = 3;
/** A segment's further trigrams are read while their lists stay this light in all... */
const SEGMENT_LIST_BUDGET_BYTES = 256 * 1024;
/**
 * ...and, when the rarest list is short (few candidates left to remove), while each is at
 * most RARITY_FACTOR times as heavy as it.
 */
const SHORT_LIST_BYTES = 2048;
const RARITY_FACTOR = 4;
/** About how many candidates a scan's first read of lists aims at (see openPostingScan). */
const FIRST_READ_CANDIDATES = 1000;
/** The assumed weight of a list kept in a bucket row (at most BUCKET_LIST_BYTES). */
const BUCKETED_LIST_BYTES = 48;

/** One segment of the org and the weights of a pattern's lists in it. */
interface SegmentPlan {
  segment: number;
  /** The trigrams to intersect here, the rarest first (a segment that cannot match has no plan). */
  codes: number[];
  /** Bytes of the rarest list: about the most candidates the segment can give (a gap is a byte or two). */
  lightest: number;
}

/**
 * Which lists to read in each segment of the org, in chunk-id order: one statement reading
 * only the rows' sizes (an index probe and a TOAST pointer each). A segment where one of the
 * pattern's trigrams has neither a row nor a bucket has no candidate and is skipped unread.
 * In the others, the rarest MIN_CODES trigrams, and further ones while their lists stay within
 * SEGMENT_LIST_BUDGET_BYTES (a scan reads few segments for a common pattern, so a generous
 * budget costs it little, and every candidate a list removes saves a recheck: a regex's
 * cost); when the rarest list is short, only lists about as short (a long one costs more to
 * read than the few rechecks it could save).
 */
async function planSegments(tx: Queryable, codes: number[]): Promise<SegmentPlan[]> {
  const keys = [...new Set([...codes, ...codes.map(bucketKey)])];
  // Segment by segment, so every Postgres from 15 on reads each segment's keys through the
  // primary key (without a skip scan, `key = any(…)` alone would read all the org's entries).
  const { rows } = await tx.query<{ segment_id: string; key: number; bytes: number }>(
    `select p.segment_id, p.key, octet_length(p.postings) as bytes
     from index_trigram_segments s
     join index_trigram_postings p on p.org_id = s.org_id and p.segment_id = s.segment_id and p.key = any($1::int[])
     where s.org_id = ctxpipe_current_org()
     order by p.segment_id`,
    [keys],
  );
  const sizes = new Map<number, Map<number, number>>();
  for (const r of rows) {
    const segment = Number(r.segment_id);
    (sizes.get(segment) ?? sizes.set(segment, new Map()).get(segment)!).set(r.key, r.bytes);
  }
  const plans: SegmentPlan[] = [];
  // In segment order: the rows came ordered so, and a Map keeps insertion order.
  for (const [segment, own] of sizes) {
    const weight = (code: number) => own.get(code) ?? (own.has(bucketKey(code)) ? BUCKETED_LIST_BYTES : undefined);
    if (codes.some((c) => weight(c) === undefined)) continue;
    const sorted = [...codes].sort((a, b) => weight(a)! - weight(b)! || a - b);
    const lightest = weight(sorted[0]!)!;
    const chosen: number[] = [];
    let bytes = 0;
    for (const code of sorted) {
      const w = weight(code)!;
      if (chosen.length >= MIN_CODES && (bytes + w > SEGMENT_LIST_BUDGET_BYTES || (lightest < SHORT_LIST_BYTES && w > lightest * RARITY_FACTOR))) break;
      chosen.push(code);
      bytes += w;
    }
    plans.push({ segment, codes: chosen, lightest });
  }
  return plans;
}

/** Reads the planned lists of `plans` (one statement), intersects them per segment and adds the candidate ids, ascending, to `into`. */
async function readSegments(tx: Queryable, plans: SegmentPlan[], into: PostingCandidates): Promise<void> {
  if (plans.length === 0) return;
  const segments: number[] = [];
  const keys: number[] = [];
  for (const plan of plans) {
    for (const key of new Set([...plan.codes, ...plan.codes.map(bucketKey)])) {
      segments.push(plan.segment);
      keys.push(key);
    }
  }
  const { rows } = await tx.query<{ segment_id: string; key: number; postings: Buffer }>(
    `select p.segment_id, p.key, p.postings
     from unnest($1::bigint[], $2::int[]) as w(segment_id, key)
     join index_trigram_postings p on p.org_id = ctxpipe_current_org() and p.segment_id = w.segment_id and p.key = w.key`,
    [segments, keys],
  );
  const bySegment = new Map<number, PostingRow[]>();
  for (const r of rows) {
    const segment = Number(r.segment_id);
    (bySegment.get(segment) ?? bySegment.set(segment, []).get(segment)!).push({ key: r.key, postings: r.postings });
    into.bytes += r.postings.length;
  }
  into.rows += rows.length;
  into.segments += plans.length;
  for (const plan of plans) {
    const segmentRows = bySegment.get(plan.segment) ?? [];
    const lists: number[][] = [];
    for (const code of plan.codes) {
      const list = segmentRows.map((row) => listOf(code, row)).find((l) => l !== undefined);
      if (!list) break;
      lists.push(list);
    }
    if (lists.length < plan.codes.length) continue;
    for (const ord of intersectLists(lists)) into.ids.push(plan.segment + ord);
  }
}

/**
 * Every candidate chunk of the org for trigrams `allCodes`: each segment's planned lists
 * intersected (planSegments), ascending by id. A scan reads them segment by segment instead
 * (openPostingScan).
 */
export async function candidateChunks(tx: Queryable, allCodes: number[]): Promise<PostingCandidates> {
  const found: PostingCandidates = { ids: [], segments: 0, rows: 0, bytes: 0 };
  await readSegments(tx, await planSegments(tx, allCodes), found);
  return found;
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
  const plans = await planSegments(tx, codes);
  const candidates: PostingCandidates = { ids: [], segments: 0, rows: 0, bytes: 0 };
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
  // Segments are read as the scan needs candidates: first as many as FIRST_READ_CANDIDATES
  // calls for, then as many as should hold the candidates still needed at the rate seen so
  // far, at least twice as many as the last time.
  let planned = 0;
  // The first read takes the segments whose rarest lists add up to FIRST_READ_CANDIDATES
  // (an upper bound of their candidates): a rare pattern's whole org at once, a common one's
  // first segment.
  let round = 0;
  for (let bound = 0; round < plans.length && bound < FIRST_READ_CANDIDATES; round++) bound += plans[round]!.lightest;
  round = Math.max(round, 1);
  const readMore = async (needed: number) => {
    const perSegment = planned === 0 ? Number.POSITIVE_INFINITY : ids.length / planned;
    const count = Math.max(round, Math.ceil(needed / Math.max(perSegment, 1)));
    const batch = plans.slice(planned, planned + count);
    planned += batch.length;
    round = count * 2;
    await readSegments(tx, batch, candidates);
  };
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
      while (buffer.length < wanted && (next < ids.length || planned < plans.length)) {
        // Slices sized by the share of candidates that matched so far (a quarter more).
        const rate = checked === 0 ? 0.5 : Math.max(matched / checked, 0.01);
        if (next >= ids.length) {
          await readMore(((wanted - buffer.length) / rate) * 1.25);
          continue;
        }
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
      planned = plans.length;
      next = ids.length;
      buffer.length = 0;
    },
  };
}
