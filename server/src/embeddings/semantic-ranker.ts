/**
 * Blobs by meaning for a question (the search capability's SemanticRanker): one embedding
 * request for the question (no retry, a short deadline), then the org's vectors of the model
 * ranked in two steps: Postgres orders them by the Hamming distance of their sign bits and
 * returns the best candidates, and their int8 components are scored exactly (cosine) here.
 * A blob scores as its best chunk. It never throws: a provider or database problem answers no
 * hits and a note, and search stays lexical.
 *
 * Visibility: the vectors are those of blobs the org stores (the index collects a blob's
 * chunks, and with them its vectors, once no file refers to it); which files and repositories
 * of the scope hold a blob, and the search's filters, are the search's join.
 */
import type { EmbeddingModel } from "ai";
import type { EmbeddingConfig } from "../platform/config/config.js";
import type { Database } from "../platform/db/database.js";
import { type TenantScope, withTenant } from "../platform/db/tenant.js";
import type { Logger } from "../platform/logging.js";
import type { SemanticRanker } from "../search/index.js";
import { describeProviderError, embedQuestion } from "./embedding-provider.js";
import { nearestBySketch } from "./embedding.service.js";
import { modelKey } from "./embedding-run.js";
import { scoreStored, signBits, unitVector } from "./vectors.js";

/** Most hits one call answers. */
export const MAX_HITS = 200;
/** Longest question embedded (characters); longer ones are cut. */
const MAX_QUESTION_CHARS = 2_000;
/** Candidates read by sign bits per hit asked for, and at least. */
const CANDIDATES_PER_HIT = 16;
const MIN_CANDIDATES = 400;
/** Deadline of the candidate read. */
const STATEMENT_TIMEOUT_MS = 2_000;

/** What the ranker needs. */
export interface SemanticRankerDependencies {
  db: Database;
  config: EmbeddingConfig;
  model: EmbeddingModel;
  logger: Logger;
}

/** Builds the ranker over the configured model. */
export function createSemanticRanker(deps: SemanticRankerDependencies): SemanticRanker {
  const key = modelKey(deps.config);
  return {
    async rank(scope: TenantScope, input: { question: string; limit: number; signal?: AbortSignal }) {
      const question = input.question.trim().slice(0, MAX_QUESTION_CHARS);
      const limit = Math.max(1, Math.min(MAX_HITS, Math.floor(input.limit) || 1));
      if (!question) return { hits: [] };
      let query: Float32Array;
      try {
        query = unitVector(await embedQuestion(deps.model, deps.config, question, input.signal));
      } catch (err) {
        const problem = describeProviderError(err);
        deps.logger.warn({ orgId: scope.orgId, problem }, "the question could not be embedded; lexical ranking only");
        return { hits: [], note: `Embeddings unavailable (${problem}): lexical ranking only.` };
      }
      let candidates: Awaited<ReturnType<typeof nearestBySketch>>;
      try {
        candidates = await withTenant(
          deps.db,
          scope,
          (tx) => nearestBySketch(tx, scope.orgId, key, signBits(query), Math.max(MIN_CANDIDATES, limit * CANDIDATES_PER_HIT)),
          { snapshot: true, statementTimeoutMs: STATEMENT_TIMEOUT_MS },
        );
      } catch (err) {
        deps.logger.warn({ err, orgId: scope.orgId }, "the vectors could not be read; lexical ranking only");
        return { hits: [], note: "Embeddings unavailable (the vectors could not be read): lexical ranking only." };
      }
      if (candidates.length === 0) return { hits: [], note: "No embeddings are stored for this organisation yet: lexical ranking only." };
      const best = new Map<string, number>();
      for (const c of candidates) {
        const score = scoreStored(query, c.bytes, c.scale);
        if (score > (best.get(c.blobOid) ?? Number.NEGATIVE_INFINITY)) best.set(c.blobOid, score);
      }
      const hits = [...best]
        .map(([blobOid, score]) => ({ blobOid, score: Math.round(score * 10_000) / 10_000 }))
        .sort((a, b) => b.score - a.score || (a.blobOid < b.blobOid ? -1 : 1))
        .slice(0, limit);
      return { hits };
    },
  };
}
