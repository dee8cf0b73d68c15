/**
 * The codesearch role (private): runs the CPU-heavy indexing jobs, apart from the worker so
 * that large deployments can scale it on its own. Search queries themselves run in Postgres
 * (pg_trgm), so any role can answer them.
 */
import type { JobQueue } from "../jobs/job-queue.js";
import type { Repositories } from "../repositories/index.js";
import type { Platform } from "./platform.js";
import { startWorkerLoop } from "./worker.js";

/** Starts the codesearch role: index runs and repository deletions (it owns the clone cache). */
export async function startCodesearchRole(platform: Platform, jobs: JobQueue, repositories: Repositories): Promise<void> {
  await jobs.work(repositories.jobs.sync);
  await jobs.work(repositories.jobs.delete);
  await startWorkerLoop(platform, jobs, "codesearch");
}
