/**
 * One embedding run of an organisation: the blobs of its published index that have no vector
 * for the configured model yet (all of them for a backfill, those an index run's generation
 * added otherwise), a page of blobs at a time: read their first chunks, embed them (one
 * provider request per batch of texts), check the answer, quantise, store a page in one
 * statement with the progress and the tokens spent. A blob is embedded once per org and model,
 * so a second run over the same index embeds nothing. The daily token budget pauses a run
 * before the page that would pass it.
 */
import type { EmbeddingModel } from "ai";
import type { EmbeddingConfig } from "../platform/config/config.js";
import type { Database } from "../platform/db/database.js";
import { withTenant } from "../platform/db/tenant.js";
import type { Logger } from "../platform/logging.js";
import { describeProviderError, embedTexts, estimateTokens } from "./embedding-provider.js";
import {
  type BlobSelector,
  type ModelKey,
  type PendingChunk,
  pendingChunks,
  pendingTotals,
  readState,
  storeVectors,
  updateState,
} from "./embedding.service.js";
import { quantise, unitVector } from "./vectors.js";

/** What a run is asked to embed. */
export interface EmbeddingRunRequest {
  orgId: string;
  kind: "incremental" | "backfill";
  /** Incremental runs: the repository an index run published, and the generation it published. */
  repositoryId?: string;
  generation?: number;
}

/** How a run ended. */
export interface EmbeddingRunOutcome {
  /** `done`: nothing left; `budget`: paused by the daily token budget. */
  ended: "done" | "budget";
  chunks: number;
  tokens: number;
}

/** What a run needs. */
export interface EmbeddingRunDependencies {
  db: Database;
  config: EmbeddingConfig;
  model: EmbeddingModel;
  logger: Logger;
}

/** The state key of the configured model. */
export function modelKey(config: EmbeddingConfig): ModelKey {
  return { model: config.name, dims: config.dimensions };
}

/** The text sent for a chunk: one path of the file it belongs to, then the chunk. */
function inputOf(chunk: PendingChunk): string {
  return `${chunk.path}\n${chunk.text}`;
}

/** The first chunks of a page, whole blobs only, whose estimated tokens stay within `tokens`. */
function withinBudget(page: PendingChunk[], tokens: number): PendingChunk[] {
  let spent = 0;
  let end = 0;
  for (let i = 0; i < page.length; i++) {
    spent += estimateTokens(inputOf(page[i]!).length);
    if (spent > tokens) break;
    // A blob ends here when the next chunk is another blob's (or the page ends).
    if (i + 1 === page.length || page[i + 1]!.blobOid !== page[i]!.blobOid) end = i + 1;
  }
  return page.slice(0, end);
}

/**
 * Runs the embedding of one request to its end (or the budget).
 * @throws AppError embedding_dimensions_mismatch (terminal); the provider's error after its retries.
 */
export async function runEmbedding(deps: EmbeddingRunDependencies, request: EmbeddingRunRequest, signal?: AbortSignal): Promise<EmbeddingRunOutcome> {
  const { db, config, model } = deps;
  const key = modelKey(config);
  const scope = { orgId: request.orgId };
  const selector: BlobSelector = request.kind === "incremental" ? { repositoryId: request.repositoryId, sinceGeneration: request.generation } : {};
  const limits = { maxChunks: config.maxChunksPerBlob, maxChars: config.maxInputChars };
  const totals = await withTenant(db, scope, async (tx) => {
    const pending = await pendingTotals(tx, request.orgId, key, selector, limits);
    await updateState(tx, request.orgId, key, { status: "running", kind: request.kind, done: 0, total: pending.chunks, note: null });
    return pending;
  });
  let after = "";
  let chunks = 0;
  let tokens = 0;
  // Pages of a batch of blobs (most files are one chunk); embedTexts sends their texts in batches.
  const blobsPerPage = config.batchSize;
  for (;;) {
    const found = await withTenant(db, scope, (tx) => pendingChunks(tx, request.orgId, key, selector, { after, blobs: blobsPerPage, ...limits }));
    if (found.length === 0) break;
    const state = await withTenant(db, scope, (tx) => readState(tx, request.orgId, key));
    // The page's whole blobs that fit in what is left of today's budget.
    const page = withinBudget(found, config.dailyTokensPerOrg - state.tokensToday);
    if (page.length === 0) {
      const note = `Paused: the daily budget of ${config.dailyTokensPerOrg} tokens (CTXPIPE_EMBEDDING_DAILY_TOKENS_PER_ORG) is spent; the rest waits for the next UTC day.`;
      await withTenant(db, scope, (tx) => updateState(tx, request.orgId, key, { status: "paused", note }));
      deps.logger.info({ orgId: request.orgId, chunks, tokens, pending: totals.chunks - chunks }, "embedding paused by the daily token budget");
      return { ended: "budget", chunks, tokens };
    }
    after = page[page.length - 1]!.blobOid;
    const texts = page.map(inputOf);
    const embedded = await embedTexts(model, config, texts, signal);
    const rows = page.map((chunk, i) => ({ blobOid: chunk.blobOid, chunkNo: chunk.chunkNo, ...quantise(unitVector(embedded.vectors[i]!)) }));
    const stored = await withTenant(db, scope, async (tx) => {
      const n = await storeVectors(tx, request.orgId, key, rows);
      await updateState(tx, request.orgId, key, { addDone: n, tokens: embedded.tokens });
      return n;
    });
    chunks += stored;
    tokens += embedded.tokens;
  }
  await withTenant(db, scope, (tx) => updateState(tx, request.orgId, key, { status: "idle", note: null }));
  return { ended: "done", chunks, tokens };
}

/**
 * Records a failed run: the provider's problem in words (search stays lexical meanwhile), and
 * whether the queue retries it.
 */
export async function recordRunFailure(deps: Pick<EmbeddingRunDependencies, "db" | "config">, orgId: string, err: unknown, retrying: boolean): Promise<void> {
  const problem = describeProviderError(err);
  const note = `${problem.charAt(0).toUpperCase()}${problem.slice(1)}${problem.endsWith(".") ? "" : "."} Lexical search is unaffected.${retrying ? " Retrying." : ""}`;
  await withTenant(deps.db, { orgId }, (tx) => updateState(tx, orgId, modelKey(deps.config), { status: retrying ? "queued" : "failed", note }));
}
