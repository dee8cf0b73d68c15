/**
 * The repositories capability: registry, lifecycle (sync and delete jobs) and the clone cache.
 * Roles wire it through `createRepositories`; other capabilities use only these exports.
 */
import path from "node:path";
import { INDEX_RULES_VERSION, SymbolExtractor } from "../indexing/index.js";
import type { JobQueue } from "../jobs/job-queue.js";
import type { Capability } from "../platform/capability.js";
import type { Config } from "../platform/config/config.js";
import type { SecretBox } from "../platform/crypto/secret-box.js";
import type { Database } from "../platform/db/database.js";
import type { ApiRouter } from "../platform/http/api-route.js";
import type { Logger } from "../platform/logging.js";
import { GitCache } from "./git/git-cache.js";
import { registerRepositoryRoutes } from "./repository.route.js";
import type { TenantScope } from "../platform/db/tenant.js";
import {
  listRepositories,
  type Repository,
  type RepositoryDependencies,
  type RepositoryStatus,
  repositoriesWaitingForRun,
  repositoriesWithOutdatedIndex,
} from "./repository.service.js";
import { startRefreshChecks } from "./refresh-checks.js";
import { createLinkedRepositories, type LinkedRepositories } from "./linked-repositories.js";
import { deleteJob, syncJob, type RepositoryJobData, type RepositoryJobDependencies } from "./sync.job.js";
import type { ConnectionCredentials } from "./sync.service.js";

export { indexLag, listRepositories, pickRepository, type Repository, type RepositoryStatus } from "./repository.service.js";
export type { LinkedRepositories, LinkedRepository, LinkedSource, LinkedSyncOutcome } from "./linked-repositories.js";
export type { ConnectionCredentials } from "./sync.service.js";
export type { GitCredentials } from "./git/git-runner.js";
export { isForbiddenAddress, isHostAllowListed } from "./git/host-guard.js";

/** The assembled capability for one process. */
export interface Repositories extends Capability {
  gitCache: GitCache;
  jobs: { sync: ReturnType<typeof syncJob>; delete: ReturnType<typeof deleteJob> };
  /** Repositories that connections bring (GitHub installations): link, unlink, rename, refresh. */
  linked: LinkedRepositories;
  registerRoutes(router: ApiRouter): void;
  /** The organisation's repositories by name, optionally only some statuses (the MCP tools' listing). */
  list(scope: TenantScope, filter?: { statuses?: RepositoryStatus[]; limit?: number }): Promise<Repository[]>;
  /** Starts the periodic remote checks (worker role); stop() waits for the checks in progress. */
  startRefreshChecks(): { stop(): Promise<void> };
  /** Queues an index run of a repository (coalesced with one already queued). */
  requestIndexRun(payload: RepositoryJobData): Promise<void>;
  /**
   * Queues an index run for every repository waiting for one (status `queued`), of every
   * organisation: after a restore, or a crash between marking and queueing. The queue
   * coalesces a run already queued. Answers how many were queued.
   */
  requeueWaiting(): Promise<number>;
  /**
   * Queues a (full) index run for every repository whose index was built by older index rules,
   * of every organisation: after an upgrade that changes the index, each is rebuilt by itself,
   * and searches read its previous index until the new one is published. The queue runs them
   * at its usual concurrency and coalesces a run already queued. Answers how many were queued.
   */
  requeueOutdated(): Promise<number>;
}

/** What the capability needs. */
export interface RepositoriesDependencies {
  config: Pick<Config, "dataDir" | "repositories" | "search">;
  db: Database;
  /** Encrypts clone credentials at rest; undefined without an encryption key. */
  secretBox: SecretBox | undefined;
  logger: Logger;
  /** The job queue the routes send index runs and deletions to. */
  queue: JobQueue;
  /** Credentials of the repositories connections bring (the connections' GitHub App clients). */
  connectionCredentials: ConnectionCredentials;
  /** The knowledge graph, whose step each index run takes before it publishes. */
  graph?: RepositoryJobDependencies["graph"];
  /** Told after each index run published (the embeddings queue the new blobs' embedding); its failure only logs. */
  afterPublish?: RepositoryJobDependencies["afterPublish"];
}

/** Builds the capability (no I/O until used). */
export function createRepositories(deps: RepositoriesDependencies): Repositories {
  const { config, db, secretBox, logger } = deps;
  const gitCache = new GitCache(path.join(config.dataDir, "repos"), {
    maxRepoBytes: config.repositories.maxRepositoryBytes,
    timeoutMs: config.repositories.gitTimeoutMs,
    allowLocal: config.repositories.allowLocal,
    allowedHosts: config.repositories.allowedHosts,
    localPaths: { localRoot: config.repositories.localRoot, dataDir: config.dataDir },
  });
  let extractor: Promise<SymbolExtractor> | undefined;
  const jobDeps: RepositoryJobDependencies = {
    db,
    secretBox,
    gitCache,
    config,
    logger: logger.child({ module: "repositories" }),
    extractor: () => (extractor ??= SymbolExtractor.create()),
    connectionCredentials: deps.connectionCredentials,
    graph: deps.graph,
    afterPublish: deps.afterPublish,
  };
  const jobs = { sync: syncJob(jobDeps), delete: deleteJob(jobDeps) };
  const enqueue: RepositoryDependencies["enqueue"] = async (job, payload) => {
    await deps.queue.send(jobs[job === "sync" ? "sync" : "delete"], payload, { singletonKey: payload.repositoryId });
  };
  const linked = createLinkedRepositories({ db, allowLocal: config.repositories.allowLocal, maxPerOrg: config.repositories.maxPerOrg, enqueue });
  return {
    gitCache,
    jobs,
    linked,
    registerRoutes(router) {
      registerRepositoryRoutes(router, { db, secretBox, config, enqueue });
    },
    list: (scope, filter) => listRepositories(db, scope, filter),
    requestIndexRun: (payload) => enqueue("sync", payload),
    async requeueWaiting() {
      const waiting = await repositoriesWaitingForRun(db);
      for (const payload of waiting) await enqueue("sync", payload);
      return waiting.length;
    },
    async requeueOutdated() {
      const outdated = await repositoriesWithOutdatedIndex(db, INDEX_RULES_VERSION);
      for (const payload of outdated) await enqueue("sync", payload);
      return outdated.length;
    },
    startRefreshChecks() {
      return startRefreshChecks({
        db,
        secretBox,
        gitCache,
        allowLocal: config.repositories.allowLocal,
        logger: logger.child({ module: "refresh-checks" }),
        enqueueSync: (payload) => enqueue("sync", payload),
        tickMs: config.repositories.checkTickMs,
        connectionCredentials: deps.connectionCredentials,
      });
    },
  };
}
