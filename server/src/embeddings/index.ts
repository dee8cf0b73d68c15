/**
 * The embeddings capability (issue #29; README.md has the flow): chunk vectors of the optional
 * embedding model, stored in Postgres in a portable form (int8 with a scale, plus sign bits),
 * written once per blob per organisation and model by the `embeddings.embed` job after each
 * index run publishes and by an admin's backfill, and read by the search's SemanticRanker for
 * questions in words. Without MODEL_EMBEDDING_NAME nothing is embedded, the ranker is absent
 * and the status route says `configured: false`.
 */
import type { EmbeddingModel } from "ai";
import type { JobDefinition, JobQueue } from "../jobs/job-queue.js";
import type { Capability } from "../platform/capability.js";
import type { EmbeddingConfig } from "../platform/config/config.js";
import type { Database } from "../platform/db/database.js";
import type { TenantScope } from "../platform/db/tenant.js";
import type { ApiRouter } from "../platform/http/api-route.js";
import type { Logger } from "../platform/logging.js";
import type { SemanticRanker } from "../search/index.js";
import { type EmbedJobData, embedJob } from "./embedding.job.js";
import { registerEmbeddingRoutes } from "./embedding.route.js";
import { type EmbeddingStatus, embeddingStatus, requestBackfill } from "./embedding-status.js";
import { createSemanticRanker } from "./semantic-ranker.js";

export type { EmbedJobData } from "./embedding.job.js";
export type { EmbeddingStatus } from "./embedding-status.js";
export { quantise, scoreStored, signBits, unitVector } from "./vectors.js";

/** What the capability offers the roles. */
export interface Embeddings extends Capability {
  /** True when an embedding model is configured. */
  configured: boolean;
  /** Blobs by meaning for a question (for createSearch); undefined without an embedding model. */
  ranker: SemanticRanker | undefined;
  /** The `embeddings.embed` job (worked by the worker role when configured). */
  jobs: { embed: JobDefinition<EmbedJobData> };
  /** After an index run published `generation` of a repository: queues the embedding of its new blobs (nothing without a model). */
  afterPublish(run: { orgId: string; repositoryId: string; generation: number }): Promise<void>;
  /** Chunks embedded and pending, the cost estimate, the budget and the latest run. */
  status(scope: TenantScope): Promise<EmbeddingStatus>;
  /** Queues a backfill of the org's published index (not twice), answering the status. */
  requestBackfill(scope: TenantScope): Promise<EmbeddingStatus>;
  registerRoutes(router: ApiRouter): void;
}

/** What the capability needs. */
export interface EmbeddingsDependencies {
  db: Database;
  /** The embedding settings; undefined when no embedding model is configured. */
  config: EmbeddingConfig | undefined;
  /** The AI SDK model of `config` (the models capability's `embeddingModelOf`). */
  model: EmbeddingModel | undefined;
  queue: JobQueue;
  logger: Logger;
}

/** Builds the capability (no I/O until used). */
export function createEmbeddings(deps: EmbeddingsDependencies): Embeddings {
  const { db, config, queue } = deps;
  const logger = deps.logger.child({ module: "embeddings" });
  const configured = config !== undefined && deps.model !== undefined;
  // Without a model the job is defined (its queue may hold jobs from an earlier configuration) but never worked.
  const embed = embedJob({ db, config: config!, model: deps.model!, logger, queue });
  const services = {
    status: (scope: TenantScope) => embeddingStatus(db, configured ? config : undefined, scope),
    requestBackfill: (scope: TenantScope) =>
      requestBackfill(db, configured ? config : undefined, scope, async () => {
        await queue.send(embed, { orgId: scope.orgId, kind: "backfill" });
      }),
  };
  return {
    configured,
    ranker: configured ? createSemanticRanker({ db, config: config!, model: deps.model!, logger }) : undefined,
    jobs: { embed },
    async afterPublish(run) {
      if (!configured) return;
      await queue.send(embed, { orgId: run.orgId, kind: "incremental", repositoryId: run.repositoryId, generation: run.generation });
    },
    ...services,
    registerRoutes: (router) => registerEmbeddingRoutes(router, services),
  };
}
