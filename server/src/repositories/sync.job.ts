/**
 * The index runs of repositories, as jobs. `repository.sync` fetches the branch into the clone
 * cache, then takes the steps of an index run in order, in one transaction: indexing plans the
 * run, writes the new content and stages the next generation, the knowledge graph takes its
 * step on it, and the repository's row publishes it; what no generation needs is collected
 * after the commit. The queue keeps one active and one queued run per repository (policy
 * "stately"), retries transient failures with backoff, and picks a run up again when its
 * worker dies (heartbeats). `repository.delete` purges the index rows and the clone.
 * Their SQL (the repository's row, its status while a run works, the purge) is in
 * sync.service.ts and index-publication.ts.
 */
import type { SecretBox } from "../platform/crypto/secret-box.js";
import type { Config } from "../platform/config/config.js";
import type { Database } from "../platform/db/database.js";
import type { Queryable } from "../platform/db/tenant.js";
import { AppError, isAppError } from "../platform/errors.js";
import type { Logger } from "../platform/logging.js";
import { defineJob } from "../jobs/job-queue.js";
import {
  ANALYZE_AFTER_BLOBS,
  collectIndexRun,
  type IndexRunSummary,
  type IndexSource,
  planIndexRun,
  refreshIndexStatistics,
  sealGeneration,
  stageGeneration,
  type StagedRun,
  type SymbolExtractor,
  withIndexRun,
  writeIndexContent,
} from "../indexing/index.js";
import type { GitCache } from "./git/git-cache.js";
import { GitError } from "./git/git-runner.js";
import { parseRepoUrl, RepoUrlError } from "./git/repo-url.js";
import { publishIndexRun, readPublishedIndex } from "./index-publication.js";
import { type ConnectionCredentials, credentialsOf, purgeRepository, readSyncTarget, type RepositoryRef, setSyncState } from "./sync.service.js";

/** Payload of both jobs. */
export interface RepositoryJobData {
  orgId: string;
  repositoryId: string;
}

/** What the jobs need. */
export interface RepositoryJobDependencies {
  db: Database;
  secretBox: SecretBox | undefined;
  gitCache: GitCache;
  extractor: () => Promise<SymbolExtractor>;
  config: Pick<Config, "repositories" | "search">;
  logger: Logger;
  /** Git credentials of a repository a connection brought (a GitHub installation token). */
  connectionCredentials: ConnectionCredentials;
  /**
   * The knowledge graph, whose step each index run takes on its staged generation, in the
   * run's transaction (its facts are published with the index).
   */
  graph?: { extract(tx: Queryable, staged: StagedRun, parser: Pick<SymbolExtractor, "capture">): Promise<void> };
  /** Told after each index run published (the embeddings queue the new blobs' embedding). */
  afterPublish?: (run: { orgId: string; repositoryId: string; generation: number }) => Promise<void>;
}

const STEPS = {
  fetch: [1, "Fetching from the remote"],
  list: [2, "Listing files"],
  content: [3, "Indexing file contents"],
  publish: [4, "Publishing the new index"],
} as const;
const TOTAL_STEPS = 4;

/** Git failures that retrying may fix (not `corrupt`: the remote's content stays broken until its branch moves). */
const TRANSIENT = new Set(["timeout", "unreachable", "failed"]);

/** Where a run is, as the repository shows it. */
interface RunProgress {
  key: keyof typeof STEPS;
  done?: number;
  of?: number;
}

function progressStep(p: RunProgress) {
  const [index, label] = STEPS[p.key];
  return { key: p.key, index, total: TOTAL_STEPS, label, ...(p.done !== undefined ? { done: p.done, of: p.of } : {}) };
}

/** The `repository.sync` job. */
export function syncJob(deps: RepositoryJobDependencies) {
  return defineJob<RepositoryJobData>({
    name: "repository.sync",
    queue: { policy: "stately", retryLimit: 3, retryDelay: 10, retryBackoff: true, expireInSeconds: 6 * 3600, heartbeatSeconds: 10 },
    async handler(data, { logger, finalAttempt }) {
      const { db } = deps;
      const repo = await readSyncTarget(db, data);
      if (!repo || repo.status === "unindexing") return; // deleted meanwhile
      try {
        await setSyncState(db, data, { status: "running", step: progressStep({ key: "fetch" }), error: null });
        const url = parseRepoUrl(repo.url, { allowLocal: deps.config.repositories.allowLocal });
        const credentials = await credentialsOf(deps, data.orgId, repo);
        const synced = await deps.gitCache.sync(data.repositoryId, url, repo.branch ?? undefined, credentials);
        const { summary, graphMs } = await indexCommit(deps, data, synced);
        if (summary.lastRun.blobsRead >= ANALYZE_AFTER_BLOBS) {
          await refreshIndexStatistics(db).catch((err: unknown) => logger.warn({ err }, "could not refresh the index statistics"));
        }
        const tooLarge = summary.skipped.too_large ?? 0;
        await setSyncState(db, data, {
          status: tooLarge > 0 ? "complete_with_issues" : "ready",
          step: null,
          error: tooLarge > 0 ? `${tooLarge} file(s) over the size limit were not indexed.` : null,
        });
        if (deps.afterPublish) {
          await deps
            .afterPublish({ orgId: data.orgId, repositoryId: data.repositoryId, generation: summary.generation })
            .catch((err: unknown) => logger.warn({ err }, "could not queue the work that follows a published index run"));
        }
        logger.info(
          { repositoryId: data.repositoryId, commit: synced.commit, ...summary.lastRun, files: summary.files, graphMs: Math.round(graphMs) },
          "repository indexed",
        );
      } catch (err) {
        // A code host's API that is down (5xx AppError) is as transient as an unreachable remote.
        const transient = (err instanceof GitError && TRANSIENT.has(err.kind)) || !isAppError(err) || (!(err instanceof GitError) && err.status >= 500);
        // A GitError's message is always safe to show (fixed, or git's own lines scrubbed of
        // credentials and bounded): the repository says what git said, even when it is not exposed over HTTP.
        const message = err instanceof GitError || (isAppError(err) && err.expose) ? err.message : "Indexing failed because of an internal error.";
        // Between retries the repository stays queued; only the last failure is final.
        const retrying = transient && !finalAttempt;
        await setSyncState(db, data, { status: retrying ? "queued" : "failed", step: null, error: retrying ? `${message} Retrying.` : message }).catch(
          () => {},
        );
        if (transient) throw err; // retried by the queue while attempts remain
        // Bad URL, refused host, wrong credentials, missing or too large repository: terminal.
        throw err instanceof RepoUrlError || err instanceof GitError ? new AppError(err.code, 400, err.message, { expose: true }) : err;
      }
    },
  });
}

/**
 * Indexes the fetched commit as the repository's next generation. Every step but the last runs
 * in the run's transaction, so searches see the previous generation until it commits, and a
 * step that fails leaves that generation as it was:
 * read what is published, plan, write the new content, stage the generation's files, extract
 * the knowledge graph's facts from it, seal it (term frequencies, totals), publish it on the
 * repository. Then what no generation needs any more is collected.
 */
async function indexCommit(
  deps: RepositoryJobDependencies,
  ref: RepositoryRef,
  synced: { commit: string; branch: string },
): Promise<{ summary: IndexRunSummary; graphMs: number }> {
  const { db } = deps;
  const source = gitSource(deps.gitCache, ref.repositoryId);
  const extractor = await deps.extractor();
  const progress = (p: RunProgress) => setSyncState(db, ref, { step: progressStep(p) });
  const { staged, summary, graphMs } = await withIndexRun(db, ref, async (tx) => {
    const published = await readPublishedIndex(tx, ref.repositoryId);
    await progress({ key: "list" });
    const plan = await planIndexRun(tx, { ...ref, commit: synced.commit, source, maxFileBytes: deps.config.repositories.maxFileBytes, published });
    const content = await writeIndexContent(tx, plan, {
      source,
      extractor,
      onProgress: progress,
      trigramPostings: deps.config.search.contentIndex === "postings",
    });
    await progress({ key: "publish" });
    const staged = await stageGeneration(tx, plan, content);
    const graphStarted = performance.now();
    await deps.graph?.extract(tx, staged, extractor);
    const graphMs = performance.now() - graphStarted;
    const summary = await sealGeneration(tx, staged);
    await publishIndexRun(tx, ref.repositoryId, { ...summary, branch: synced.branch });
    return { staged, summary, graphMs };
  });
  await collectIndexRun(db, staged);
  return { summary, graphMs };
}

/** The repository's clone in the cache, as an index run reads it. */
function gitSource(gitCache: GitCache, repositoryId: string): IndexSource {
  return {
    listTree: (commit) => gitCache.listTree(repositoryId, commit),
    readBlobs: (oids) => gitCache.readBlobs(repositoryId, oids),
    readAttributes: (commit, paths) => gitCache.readAttributes(repositoryId, commit, paths),
    changesBetween: (from, to) => gitCache.changesBetween(repositoryId, from, to),
  };
}

/** The `repository.delete` job: purge index rows and the clone, then the repository. */
export function deleteJob(deps: RepositoryJobDependencies) {
  return defineJob<RepositoryJobData>({
    name: "repository.delete",
    queue: { retryLimit: 5, retryDelay: 10, retryBackoff: true },
    async handler(data, { logger }) {
      await deps.gitCache.remove(data.repositoryId);
      await purgeRepository(deps.db, data);
      logger.info({ repositoryId: data.repositoryId }, "repository deleted");
    },
  });
}
