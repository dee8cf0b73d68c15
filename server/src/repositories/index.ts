/**
 * The repositories capability: registry, lifecycle (sync and delete jobs) and the clone cache.
 * Roles wire it through `createRepositories`; other capabilities use only these exports.
 */
import path from "node:path";
import type { JobQueue } from "../jobs/job-queue.js";
import type { ApiRouter } from "../platform/http/api-route.js";
import { SymbolExtractor } from "../indexing/symbols/symbol-extractor.js";
import type { Platform } from "../roles/platform.js";
import { GitCache } from "./git/git-cache.js";
import { registerRepositoryRoutes } from "./repository.route.js";
import type { RepositoryDependencies } from "./repository.service.js";
import { deleteJob, syncJob, type RepositoryJobDependencies } from "./sync.job.js";

export type { Repository, RepositoryStatus } from "./repository.service.js";

/** The assembled capability for one process. */
export interface Repositories {
  gitCache: GitCache;
  jobs: { sync: ReturnType<typeof syncJob>; delete: ReturnType<typeof deleteJob> };
  registerRoutes(router: ApiRouter, queue: JobQueue): void;
}

/** Builds the capability on a started platform (no I/O until used). */
export function createRepositories(platform: Platform): Repositories {
  const { config, db, secretBox, logger } = platform;
  const gitCache = new GitCache(path.join(config.dataDir, "repos"), {
    maxRepoBytes: config.repositories.maxRepositoryBytes,
    timeoutMs: config.repositories.gitTimeoutMs,
    allowLocal: config.repositories.allowLocal,
    allowedHosts: config.repositories.allowedHosts,
  });
  let extractor: Promise<SymbolExtractor> | undefined;
  const jobDeps: RepositoryJobDependencies = {
    db,
    secretBox,
    gitCache,
    config,
    logger: logger.child({ module: "repositories" }),
    extractor: () => (extractor ??= SymbolExtractor.create()),
  };
  const jobs = { sync: syncJob(jobDeps), delete: deleteJob(jobDeps) };
  return {
    gitCache,
    jobs,
    registerRoutes(router, queue) {
      const deps: RepositoryDependencies = {
        db,
        secretBox,
        config,
        enqueue: async (job, payload) => {
          await queue.send(jobs[job === "sync" ? "sync" : "delete"], payload, { singletonKey: payload.repositoryId });
        },
      };
      registerRepositoryRoutes(router, deps);
    },
  };
}
