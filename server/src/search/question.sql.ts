/**
 * SQL of questions in words over the term index (migration 20261207220000): the org's
 * document frequencies, BM25 ranking of blobs (ctxpipe_rank_term_blobs, org-scoped, through
 * the GIN index on term ids), and the text and definitions of the few blobs a page shows.
 * Every query runs in the caller's org-scoped transaction.
 */
import { TERM_STATS } from "../indexing/index.js";
import type { Queryable } from "../platform/db/tenant.js";
import type { SearchableRepo } from "./scan.sql.js";

/** The org's statistics for some terms. */
export interface TermStatistics {
  /** Blobs with terms (BM25's N). */
  blobs: number;
  /** Their mean weighted length. */
  averageLength: number;
  /** Blobs holding each key (a term id at a weight level) of the asked terms (absent: none). */
  df: Map<number, number>;
}

/** Document frequencies of every level of the term `ids`, and the org's totals (one primary-key read). */
export async function termStatistics(tx: Queryable, ids: number[]): Promise<TermStatistics> {
  const keys = ids.flatMap((id) => [0, 1, 2, 3].map((level) => id | level));
  const { rows } = await tx.query<{ term: number; blobs: string }>(
    "select term, blobs from index_term_stats where org_id = ctxpipe_current_org() and term = any($1::int[])",
    [[TERM_STATS.blobs, TERM_STATS.length, ...keys]],
  );
  const df = new Map(rows.map((r) => [r.term, Number(r.blobs)]));
  const blobs = df.get(TERM_STATS.blobs) ?? 0;
  const length = df.get(TERM_STATS.length) ?? 0;
  return { blobs, averageLength: blobs > 0 ? length / blobs : 1, df };
}

/** A blob's BM25 score for a question, and the terms it holds. */
export interface RankedBlob {
  blobOid: string;
  score: number;
  matched: number;
  /** Bit i: the blob holds the term weights[i]. */
  mask: bigint;
}

/** One key of a question: a term at a weight level. */
export interface QuestionKey {
  key: number;
  /** Index of its term in `weights`. */
  term: number;
  /** The frequency BM25 counts for its level. */
  tf: number;
  /** Read its blobs through the index (else it only scores blobs found otherwise). */
  scan: boolean;
}

/**
 * Ranks blobs by BM25 (ctxpipe_rank_term_blobs): the blobs of the scanned keys and `extra`,
 * each scored on every key; with `repos`, only blobs visible in them. The best `limit`.
 */
export async function rankBlobs(
  tx: Queryable,
  input: { keys: QuestionKey[]; weights: number[]; averageLength: number; extra: string[]; repos?: SearchableRepo[]; limit: number },
): Promise<RankedBlob[]> {
  if (input.keys.length === 0) return [];
  const { rows } = await tx.query<{ blob_oid: string; score: number; matched: number; mask: string }>(
    `select blob_oid, score, matched, mask
     from ctxpipe_rank_term_blobs($1::int[], $2::int[], $3::real[], $4::boolean[], $5::real[], $6::real, $7::text[], $8::uuid[], $9::int[], $10::int)`,
    [
      input.keys.map((k) => k.key),
      input.keys.map((k) => k.term + 1),
      input.keys.map((k) => k.tf),
      input.keys.map((k) => k.scan),
      input.weights,
      input.averageLength,
      input.extra,
      input.repos?.map((r) => r.id) ?? null,
      input.repos?.map((r) => r.generation) ?? null,
      input.limit,
    ],
  );
  return rows.map((r) => ({ blobOid: r.blob_oid, score: Number(r.score), matched: r.matched, mask: BigInt.asUintN(64, BigInt(r.mask)) }));
}

/** A chunk of a page's blob. */
export interface BlobChunk {
  blobOid: string;
  startLine: number;
  content: string;
}

/** The first `chunks` chunks of each of `blobs` (primary key), for a page's best lines. */
export async function leadingChunks(tx: Queryable, blobs: string[], chunks: number): Promise<BlobChunk[]> {
  if (blobs.length === 0) return [];
  const { rows } = await tx.query<{ blob_oid: string; start_line: number; content: string }>(
    `select blob_oid, start_line, content from index_chunks
     where org_id = ctxpipe_current_org() and blob_oid = any($1::text[]) and chunk_no < $2
     order by blob_oid, chunk_no`,
    [blobs, chunks],
  );
  return rows.map((r) => ({ blobOid: r.blob_oid, startLine: r.start_line, content: r.content }));
}

/** A definition of a page's blob. */
export interface BlobDefinition {
  blobOid: string;
  language: string;
  name: string;
  kind: string;
  container: string | null;
  startLine: number;
  nameLine: number;
}

/** The definitions of `blobs` (at most `limit` each, in line order). */
export async function blobDefinitions(tx: Queryable, blobs: string[], limit: number): Promise<BlobDefinition[]> {
  if (blobs.length === 0) return [];
  const { rows } = await tx.query<{
    blob_oid: string;
    language: string;
    name: string;
    kind: string;
    container: string | null;
    start_line: number;
    name_line: number | null;
  }>(
    `select s.blob_oid, s.language, s.name, s.kind, s.container, s.start_line, s.name_line
     from unnest($1::text[]) as b(oid)
     cross join lateral (
       select * from index_symbols s where s.org_id = ctxpipe_current_org() and s.blob_oid = b.oid order by s.start_line limit $2
     ) s`,
    [blobs, limit],
  );
  return rows.map((r) => ({
    blobOid: r.blob_oid,
    language: r.language,
    name: r.name,
    kind: r.kind,
    container: r.container,
    startLine: r.start_line,
    nameLine: r.name_line ?? r.start_line,
  }));
}
