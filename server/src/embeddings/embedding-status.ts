/**
 * What an organisation's embeddings stand at, for REST: chunks embedded and still to embed,
 * the estimated tokens and cost of embedding the rest (before an admin starts a backfill), the
 * day's budget, and the latest run (progress, the provider's last problem). Also the backfill
 * request: it marks the run queued and answers the same status.
 */
import type { EmbeddingConfig } from "../platform/config/config.js";
import type { Database } from "../platform/db/database.js";
import { type TenantScope, withTenant } from "../platform/db/tenant.js";
import { AppError } from "../platform/errors.js";
import { estimateTokens } from "./embedding-provider.js";
import { type EmbeddingState, pendingTotals, readState, storedChunks, updateState } from "./embedding.service.js";
import { modelKey } from "./embedding-run.js";

/** A queued or running state older than this no longer holds a new backfill back. */
const STALE_RUN_MS = 15 * 60_000;

/** The status of an organisation's embeddings (GET /embeddings). */
export type EmbeddingStatus =
  | { configured: false }
  | {
      configured: true;
      model: { provider: EmbeddingConfig["provider"]; name: string; dimensions: number };
      /** Chunks with a vector, and chunks of the published index still without one (the first chunks of each file content). */
      chunks: { embedded: number; pending: number };
      /** What embedding the pending chunks would cost: tokens estimated at 3 bytes a token, and dollars at the configured price. */
      estimate: { tokens: number; pricePerMillionTokens: number | null; costUsd: number | null };
      budget: { dailyTokensPerOrg: number; usedToday: number };
      run: Omit<EmbeddingState, "tokensToday">;
    };

/** Reads the status (one snapshot). */
export async function embeddingStatus(db: Database, config: EmbeddingConfig | undefined, scope: TenantScope): Promise<EmbeddingStatus> {
  if (!config) return { configured: false };
  const key = modelKey(config);
  return withTenant(
    db,
    scope,
    async (tx) => {
      const [embedded, pending, state] = [
        await storedChunks(tx, scope.orgId, key),
        await pendingTotals(tx, scope.orgId, key, {}, { maxChunks: config.maxChunksPerBlob, maxChars: config.maxInputChars }),
        await readState(tx, scope.orgId, key),
      ];
      const tokens = estimateTokens(pending.chars);
      const price = config.pricePerMillionTokens ?? null;
      const { tokensToday, ...run } = state;
      return {
        configured: true as const,
        model: { provider: config.provider, name: config.name, dimensions: config.dimensions },
        chunks: { embedded, pending: pending.chunks },
        estimate: { tokens, pricePerMillionTokens: price, costUsd: price === null ? null : Math.round(tokens * price) / 1_000_000 },
        budget: { dailyTokensPerOrg: config.dailyTokensPerOrg, usedToday: tokensToday },
        run,
      };
    },
    { snapshot: true },
  );
}

/**
 * Marks a backfill queued unless a run is already queued or running; `send` queues the job.
 * @throws AppError embeddings_not_configured (409) without an embedding model.
 */
export async function requestBackfill(
  db: Database,
  config: EmbeddingConfig | undefined,
  scope: TenantScope,
  send: () => Promise<void>,
): Promise<EmbeddingStatus> {
  if (!config) {
    throw new AppError("embeddings_not_configured", 409, "No embedding model is configured (MODEL_EMBEDDING_NAME): there is nothing to backfill.");
  }
  const key = modelKey(config);
  const queue = await withTenant(db, scope, async (tx) => {
    const state = await readState(tx, scope.orgId, key);
    // A run updates its state after every page: one silent for long died with its process.
    const fresh = state.updatedAt !== null && Date.now() - Date.parse(state.updatedAt) < STALE_RUN_MS;
    if ((state.status === "queued" || state.status === "running") && fresh) return false;
    await updateState(tx, scope.orgId, key, { status: "queued", kind: "backfill", done: 0, total: 0, note: null });
    return true;
  });
  if (queue) await send();
  return embeddingStatus(db, config, scope);
}
