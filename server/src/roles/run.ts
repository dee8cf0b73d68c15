/**
 * Starting a set of roles in one process: the shared platform, one job queue, then each
 * role in dependency order (workers before the server, so the server's /.status is ok
 * from its first answer). Used by the CLI and by tests.
 */
import type { Config } from "../platform/config/config.js";
import { startJobQueue } from "../jobs/job-queue.js";
import { createConnections, createGithubAppClients } from "../connections/index.js";
import { createGraph } from "../graph/index.js";
import { createEmbeddings } from "../embeddings/index.js";
import { createModels, embeddingModelOf } from "../models/index.js";
import { createRepositories } from "../repositories/index.js";
import type { Lifecycle } from "../platform/lifecycle.js";
import type { Logger } from "../platform/logging.js";
import { startCodesearchRole } from "./codesearch.js";
import { startPlatform, type Platform } from "./platform.js";
import { startServerRole, type ServerRoleOptions } from "./server.js";
import { startWorkerRole } from "./worker.js";
import { METRIC_NAMES, observeGauges, startTelemetry } from "../platform/telemetry/index.js";
import { queueBacklog } from "../jobs/job-queue.js";
import { indexLag } from "../repositories/index.js";

/** The roles a process can run. */
export type RoleName = "server" | "worker" | "codesearch";

/** A running process: its platform, bound port (when it serves HTTP) and a stop function. */
export interface RunningRoles {
  platform: Platform;
  port: number | undefined;
  stop(): Promise<void>;
}

/**
 * Starts `roles` in this process. On a start-up failure everything started is stopped.
 * @throws AppError with a one-line message.
 */
export async function startRoles(
  config: Config,
  logger: Logger,
  roles: RoleName[],
  options: ServerRoleOptions & { lifecycle?: Lifecycle } = {},
): Promise<RunningRoles> {
  const platform = await startPlatform(config, logger, {
    applicationName: `ctxpipe-${roles.length > 1 ? "serve" : roles[0]}`,
    requireMigrated: true,
    lifecycle: options.lifecycle,
  });
  // From here on only the platform's configuration, whose generated secrets are resolved.
  const resolved = platform.config;
  try {
    const telemetry = await startTelemetry(resolved.telemetry, logger);
    platform.lifecycle.onStop("telemetry", () => telemetry.shutdown());
    // Once per telemetry provider: roles started again in the same process share the gauges.
    if (telemetry.metricsUrl && telemetry.first) observeBacklogAndLag(platform);
    const maintain = roles.includes("worker") || roles.includes("codesearch");
    const jobs = await startJobQueue({ url: platform.db.url, logger, maintain, timings: resolved.jobs });
    platform.lifecycle.onStop("jobs", () => jobs.stop(resolved.shutdownTimeoutMs));
    // The GitHub App clients mint the git credentials of the repositories connections bring;
    // the connections capability takes the same clients and links repositories.
    const githubApps = createGithubAppClients({ config: resolved, db: platform.db, secretBox: platform.secretBox });
    const graph = createGraph({ db: platform.db, logger });
    // Chunk vectors for questions in words, only with an embedding model (MODEL_EMBEDDING_NAME).
    const embeddings = createEmbeddings({
      db: platform.db,
      config: resolved.embedding,
      model: resolved.embedding && embeddingModelOf(resolved.embedding),
      queue: jobs,
      logger,
    });
    const repositories = createRepositories({
      config: resolved,
      db: platform.db,
      secretBox: platform.secretBox,
      logger,
      queue: jobs,
      connectionCredentials: (orgId, connectionId) => githubApps.credentials(orgId, connectionId),
      graph,
      afterPublish: (run) => embeddings.afterPublish(run),
    });
    const connections = createConnections({
      config: resolved,
      db: platform.db,
      secretBox: platform.secretBox,
      logger,
      queue: jobs,
      githubApps,
      linked: repositories.linked,
    });
    const models = createModels({ config: resolved.model, logger });
    const capabilities = { repositories, connections, graph, models, embeddings };
    if (roles.includes("worker")) await startWorkerRole(platform, jobs, capabilities);
    if (roles.includes("codesearch")) await startCodesearchRole(platform, jobs, repositories);
    let port: number | undefined;
    if (roles.includes("server")) port = (await startServerRole(platform, capabilities, options)).port;
    return { platform, port, stop: () => platform.lifecycle.stop() };
  } catch (err) {
    await platform.lifecycle.stop();
    throw err;
  }
}

/** The gauges read at each scrape: the job queues' backlog and the index lag. */
function observeBacklogAndLag(platform: Platform): void {
  const names = [METRIC_NAMES.queueDepth, METRIC_NAMES.queueAge, METRIC_NAMES.indexLagRepositories, METRIC_NAMES.indexLagSeconds];
  observeGauges(
    names,
    {
      [METRIC_NAMES.queueDepth]: "Jobs waiting to run, per queue",
      [METRIC_NAMES.queueAge]: "Seconds the oldest waiting job of each queue has waited",
      [METRIC_NAMES.indexLagRepositories]: "Repositories whose newest known commit is not indexed yet",
      [METRIC_NAMES.indexLagSeconds]: "Longest time one of them has waited since its index last caught up",
    },
    async () => {
      const [backlog, lag] = await Promise.all([queueBacklog(platform.db.unsafeSystem), indexLag(platform.db)]);
      return {
        [METRIC_NAMES.queueDepth]: backlog.map((b) => ({ value: b.waiting, attributes: { queue: b.queue } })),
        [METRIC_NAMES.queueAge]: backlog.map((b) => ({ value: b.oldestSeconds, attributes: { queue: b.queue } })),
        [METRIC_NAMES.indexLagRepositories]: [{ value: lag.repositories }],
        [METRIC_NAMES.indexLagSeconds]: [{ value: lag.seconds }],
      };
    },
  );
}
