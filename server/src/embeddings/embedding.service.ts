/**
 * The SQL of the embeddings capability, every statement inside the caller's tenant
 * transaction (row-level security on embedding_vectors and embedding_state) and filtered on
 * the org explicitly as well. It reads the published index (index_files of published
 * generations, index_chunks) and writes only its own two tables.
 */
import type { Queryable } from "../platform/db/tenant.js";

/** One model's vectors: the model name and the vectors' length. */
export interface ModelKey {
  model: string;
  dims: number;
}

/** Which blobs a run looks at: the org's live files, one repository's, or those a generation added. */
export interface BlobSelector {
  repositoryId?: string;
  /** Only files whose row a generation at or after this one added (the new blobs of an index run). */
  sinceGeneration?: number;
}

/** A chunk to embed: its blob, number, the path of one file that holds it, and its text (cut). */
export interface PendingChunk {
  blobOid: string;
  chunkNo: number;
  path: string;
  text: string;
}

/** A vector to store. */
export interface VectorRow {
  blobOid: string;
  chunkNo: number;
  scale: number;
  sketch: string;
  bytes: Buffer;
}

/**
 * The live files' blobs that have no vector yet for the model (chunk 0 marks a blob done),
 * in blob order after `after`, at most `limit` blobs. Files count only in published
 * generations, so a run still being staged is not embedded before it is searchable.
 */
const PENDING_BLOBS = `
  select f.blob_oid, min(f.path) as path
    from index_files f
    join repositories r on r.id = f.repository_id and r.generation > 0 and f.valid_from <= r.generation
   where f.org_id = $1 and f.valid_to is null
     and ($4::uuid is null or f.repository_id = $4)
     and ($5::int is null or f.valid_from >= $5)
     and f.blob_oid > $6
     and exists (select 1 from index_chunks c where c.org_id = $1 and c.blob_oid = f.blob_oid and c.chunk_no = 0)
     and not exists (select 1 from embedding_vectors v
                      where v.org_id = $1 and v.blob_oid = f.blob_oid and v.chunk_no = 0 and v.model = $2 and v.dims = $3)
   group by f.blob_oid`;

/** The next blobs to embed with their first `maxChunks` chunks, each cut to `maxChars`. */
export async function pendingChunks(
  tx: Queryable,
  orgId: string,
  key: ModelKey,
  selector: BlobSelector,
  page: { after: string; blobs: number; maxChunks: number; maxChars: number },
): Promise<PendingChunk[]> {
  const { rows } = await tx.query<{ blob_oid: string; path: string; chunk_no: number; text: string }>(
    `with pending as (${PENDING_BLOBS} order by f.blob_oid limit $7)
     select p.blob_oid, p.path, c.chunk_no, left(c.content, $9) as text
       from pending p
       join index_chunks c on c.org_id = $1 and c.blob_oid = p.blob_oid and c.chunk_no < $8
      order by p.blob_oid, c.chunk_no`,
    [orgId, key.model, key.dims, selector.repositoryId ?? null, selector.sinceGeneration ?? null, page.after, page.blobs, page.maxChunks, page.maxChars],
  );
  return rows.map((r) => ({ blobOid: r.blob_oid, chunkNo: r.chunk_no, path: r.path, text: r.text }));
}

/** How much a selection still has to embed: chunks, and their characters (as sent: cut to `maxChars`). */
export async function pendingTotals(
  tx: Queryable,
  orgId: string,
  key: ModelKey,
  selector: BlobSelector,
  limits: { maxChunks: number; maxChars: number },
): Promise<{ blobs: number; chunks: number; chars: number }> {
  // octet_length reads a compressed value's size from its header, without decompressing it.
  const { rows } = await tx.query<{ blobs: number; chunks: number; chars: string }>(
    `with pending as (${PENDING_BLOBS})
     select count(distinct p.blob_oid)::int as blobs, count(c.chunk_no)::int as chunks,
            coalesce(sum(least(octet_length(c.content), $8) + length(p.path) + 1), 0)::text as chars
       from pending p
       join index_chunks c on c.org_id = $1 and c.blob_oid = p.blob_oid and c.chunk_no < $7`,
    [orgId, key.model, key.dims, selector.repositoryId ?? null, selector.sinceGeneration ?? null, "", limits.maxChunks, limits.maxChars],
  );
  const row = rows[0]!;
  return { blobs: row.blobs, chunks: row.chunks, chars: Number(row.chars) };
}

/** Chunks with a vector of the model, in the org. */
export async function storedChunks(tx: Queryable, orgId: string, key: ModelKey): Promise<number> {
  const { rows } = await tx.query<{ n: number }>("select count(*)::int as n from embedding_vectors where org_id = $1 and model = $2 and dims = $3", [
    orgId,
    key.model,
    key.dims,
  ]);
  return rows[0]!.n;
}

/**
 * Stores vectors (a blob's chunks together); a vector already there stays (two runs that
 * embedded the same blob store it once). A chunk the index collected meanwhile is skipped.
 * @returns how many were stored.
 */
export async function storeVectors(tx: Queryable, orgId: string, key: ModelKey, rows: VectorRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await tx.query(
    `insert into embedding_vectors (org_id, blob_oid, chunk_no, model, dims, scale, sketch, vector)
     select $1, v.blob_oid, v.chunk_no, $2, $3, v.scale, v.sketch::varbit, v.vector
       from unnest($4::text[], $5::int[], $6::real[], $7::text[], $8::bytea[]) as v(blob_oid, chunk_no, scale, sketch, vector)
      where exists (select 1 from index_chunks c where c.org_id = $1 and c.blob_oid = v.blob_oid and c.chunk_no = v.chunk_no)
     on conflict do nothing`,
    [
      orgId,
      key.model,
      key.dims,
      rows.map((r) => r.blobOid),
      rows.map((r) => r.chunkNo),
      rows.map((r) => r.scale),
      rows.map((r) => r.sketch),
      rows.map((r) => r.bytes),
    ],
  );
  return result.rowCount ?? 0;
}

/** A stored vector read back for scoring. */
export interface CandidateVector {
  blobOid: string;
  scale: number;
  bytes: Buffer;
}

/**
 * The org's vectors nearest a question by sign bits (Hamming distance, computed in Postgres),
 * at most `limit`: the candidates the caller scores exactly with their int8 components. The
 * distances are sorted as narrow rows (keys and distance, ties by byte order), and only the
 * candidates' vectors are read back: sorting whole rows with their vectors took a third of
 * the time (bench:embeddings).
 */
export async function nearestBySketch(tx: Queryable, orgId: string, key: ModelKey, sketch: string, limit: number): Promise<CandidateVector[]> {
  const { rows } = await tx.query<{ blob_oid: string; scale: number; vector: Buffer }>(
    `with nearest as (
       select blob_oid, chunk_no, bit_count(sketch # $4::varbit) as distance
         from embedding_vectors
        where org_id = $1 and model = $2 and dims = $3
        order by distance, blob_oid collate "C", chunk_no
        limit $5)
     select v.blob_oid, v.scale, v.vector
       from nearest n
       join embedding_vectors v on v.org_id = $1 and v.blob_oid = n.blob_oid and v.chunk_no = n.chunk_no and v.model = $2 and v.dims = $3
      order by n.distance, n.blob_oid collate "C", n.chunk_no`,
    [orgId, key.model, key.dims, sketch, limit],
  );
  return rows.map((r) => ({ blobOid: r.blob_oid, scale: r.scale, bytes: r.vector }));
}

/** The state of one org's embeddings for a model (the latest run and the tokens spent). */
export interface EmbeddingState {
  status: "idle" | "queued" | "running" | "paused" | "failed";
  kind: "incremental" | "backfill" | null;
  done: number;
  total: number;
  note: string | null;
  /** Tokens spent today (UTC) and in all. */
  tokensToday: number;
  tokensTotal: number;
  updatedAt: string | null;
}

/** The state row, or the idle state when the org never embedded with the model. */
export async function readState(tx: Queryable, orgId: string, key: ModelKey): Promise<EmbeddingState> {
  const { rows } = await tx.query<{
    status: EmbeddingState["status"];
    kind: EmbeddingState["kind"];
    done: number;
    total: number;
    note: string | null;
    tokens_today: string;
    tokens_total: string;
    updated_at: Date;
  }>(
    `select status, kind, done, total, note,
            (case when usage_day = (now() at time zone 'utc')::date then usage_tokens else 0 end)::text as tokens_today,
            tokens_total::text, updated_at
       from embedding_state where org_id = $1 and model = $2 and dims = $3`,
    [orgId, key.model, key.dims],
  );
  const row = rows[0];
  if (!row) return { status: "idle", kind: null, done: 0, total: 0, note: null, tokensToday: 0, tokensTotal: 0, updatedAt: null };
  return {
    status: row.status,
    kind: row.kind,
    done: row.done,
    total: row.total,
    note: row.note,
    tokensToday: Number(row.tokens_today),
    tokensTotal: Number(row.tokens_total),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Changes to the state row; `tokens` are added to today's and the total. */
export interface StateChange {
  status?: EmbeddingState["status"];
  kind?: EmbeddingState["kind"];
  /** Sets the run's progress. */
  done?: number;
  total?: number;
  /** Adds to the run's progress. */
  addDone?: number;
  note?: string | null;
  tokens?: number;
}

/** Creates or changes the state row (today's usage starts at 0 on a new UTC day). */
export async function updateState(tx: Queryable, orgId: string, key: ModelKey, change: StateChange): Promise<void> {
  await tx.query(
    `insert into embedding_state as s (org_id, model, dims, status, kind, done, total, note, usage_tokens, tokens_total)
     values ($1, $2, $3, coalesce($4, 'idle'), $5, coalesce($6::int, 0) + coalesce($8::int, 0), coalesce($7::int, 0), left($9, 500), coalesce($11::bigint, 0), coalesce($11::bigint, 0))
     on conflict (org_id, model, dims) do update set
       status = coalesce($4, s.status),
       kind = case when $12 then $5 else s.kind end,
       done = coalesce($6, s.done) + coalesce($8, 0),
       total = coalesce($7, s.total),
       note = case when $10 then left($9, 500) else s.note end,
       usage_tokens = (case when s.usage_day = (now() at time zone 'utc')::date then s.usage_tokens else 0 end) + coalesce($11, 0),
       usage_day = (now() at time zone 'utc')::date,
       tokens_total = s.tokens_total + coalesce($11, 0),
       updated_at = now()`,
    [
      orgId,
      key.model,
      key.dims,
      change.status ?? null,
      change.kind ?? null,
      change.done ?? null,
      change.total ?? null,
      change.addDone ?? null,
      change.note ?? null,
      change.note !== undefined,
      change.tokens ?? null,
      change.kind !== undefined,
    ],
  );
}
