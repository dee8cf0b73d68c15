/**
 * The worker role (private): runs background jobs and reports its liveness.
 * Capabilities add their jobs here as they arrive (repository sync, webhooks, ...).
 */
import type { JobQueue } from "../jobs/job-queue.js";
import type { Connections } from "../connections/index.js";
import type { Embeddings } from "../embeddings/index.js";
import type { Graph } from "../graph/index.js";
import type { Repositories } from "../repositories/index.js";
import { heartbeatJob, startHeartbeat, type WorkerRole } from "../status/index.js";
import type { Platform } from "./platform.js";
import { instanceBackup, startBackupSchedule } from "../backup/index.js";

const FIRST_BEAT_TIMEOUT_MS = 15_000;

/**
 * Starts the jobs every worker-type role runs plus its heartbeat, and waits until the first
 * heartbeat went through the queue, so /.status is ok as soon as start-up returns.
 */
export async function startWorkerLoop(platform: Platform, jobs: JobQueue, role: WorkerRole): Promise<void> {
  const logger = platform.logger.child({ role });
  await jobs.work(heartbeatJob(platform.db.app));
  const heartbeat = startHeartbeat({ queue: jobs, pool: platform.db.app, role, logger, intervalSeconds: platform.config.jobs.workerHeartbeatSeconds });
  platform.lifecycle.onStop(`${role}-heartbeat`, async () => heartbeat.stop());
  if (!(await heartbeat.firstBeat(FIRST_BEAT_TIMEOUT_MS))) {
    logger.warn("the first heartbeat was not processed in time; /.status will show the worker as degraded");
  }
  logger.info({ workerId: heartbeat.workerId }, `${role} started`);
}

/**
 * Starts the worker role on a started platform and job queue: housekeeping, the repositories'
 * remote checks, the connections' webhook deliveries, reconciles and upkeep, and the knowledge
 * graph's backfill (index runs for repositories whose graph predates the extractors).
 */
export async function startWorkerRole(
  platform: Platform,
  jobs: JobQueue,
  capabilities: { repositories: Repositories; connections: Connections; graph: Graph; embeddings: Embeddings },
): Promise<void> {
  await jobs.work(capabilities.connections.jobs.webhook);
  if (capabilities.embeddings.configured) await jobs.work(capabilities.embeddings.jobs.embed);
  await jobs.work(capabilities.connections.jobs.reconcile);
  await jobs.work(capabilities.connections.jobs.confluenceSync);
  await startWorkerLoop(platform, jobs, "worker");
  const checks = capabilities.repositories.startRefreshChecks();
  platform.lifecycle.onStop("refresh-checks", () => checks.stop());
  const upkeep = capabilities.connections.startUpkeep();
  platform.lifecycle.onStop("connection-upkeep", () => upkeep.stop());
  if (platform.config.backupSchedule) {
    const schedule = startBackupSchedule({
      db: platform.db,
      schedule: platform.config.backupSchedule,
      ...instanceBackup(platform.config, platform.authSecretSource === "environment"),
      logger: platform.logger,
    });
    platform.lifecycle.onStop("backup-schedule", () => schedule.stop());
  }
  /** Start-up work that queues index runs: logged, never fatal, awaited on stop. */
  const queueInBackground = (name: string, work: Promise<number>, queued: string | undefined, failed: string) => {
    const done = work
      .then((n) => queued !== undefined && n > 0 && platform.logger.info({ repositories: n }, queued))
      .catch((err: unknown) => platform.logger.warn({ err }, failed));
    platform.lifecycle.onStop(name, () => done.then(() => undefined));
  };
  // Repositories marked for a run whose job is not in the queue (after a restore, or a crash
  // between marking and queueing) get it now; a run already queued absorbs the duplicate.
  queueInBackground(
    "requeue-waiting",
    capabilities.repositories.requeueWaiting(),
    "queued index runs for repositories waiting for one",
    "could not queue the waiting repositories' index runs",
  );
  // After an upgrade that changes the index (INDEX_RULES_VERSION), every repository is rebuilt
  // by itself, its previous index served until the new one is published.
  queueInBackground(
    "requeue-outdated",
    capabilities.repositories.requeueOutdated(),
    "queued index runs for repositories indexed by older rules",
    "could not queue the outdated repositories' index runs",
  );
  // After an upgrade with new extraction rules, repositories nobody pushes to get their graph too.
  queueInBackground(
    "graph-backfill",
    capabilities.graph.backfill((payload) => capabilities.repositories.requestIndexRun(payload)),
    undefined, // the graph logs its own

    "could not queue the knowledge graph's backfill",
  );
}
