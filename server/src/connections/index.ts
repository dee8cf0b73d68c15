/**
 * The connections capability: an organisation's links to code hosts and docs sources (GitHub
 * Apps, and Confluence through Atlassian OAuth), with their secrets encrypted through
 * secrets/. It offers the routes (connections, install flow, webhooks, Confluence and its
 * OAuth callback), the worker's jobs (`connection.webhook`, `connection.reconcile`,
 * `confluence.sync`) and upkeep loops; its GitHub App clients (`createGithubAppClients`,
 * built first) give the git credentials of the repositories a connection brought
 * (installation tokens).
 */
import type { JobQueue } from "../jobs/job-queue.js";
import type { Capability } from "../platform/capability.js";
import type { ResolvedConfig } from "../platform/config/config.js";
import type { SecretBox } from "../platform/crypto/secret-box.js";
import type { Database } from "../platform/db/database.js";
import type { Logger } from "../platform/logging.js";
import type { LinkedRepositories } from "../repositories/index.js";
import { createAtlassianApi } from "./confluence/atlassian-api.js";
import { confluenceSyncJob, type SyncJobData, startConfluenceSyncLoop } from "./confluence/confluence-sync.job.js";
import { registerConfluenceRoutes } from "./confluence/confluence.route.js";
import type { ConfluenceDependencies } from "./confluence/confluence.service.js";
import { registerConnectionRoutes } from "./github/connection.route.js";
import { deliveryJob, type DeliveryJobData } from "./github/delivery.job.js";
import { createGithubApps, type GithubApps } from "./github/github-apps.js";
import { registerInstallationRoutes } from "./github/installation.route.js";
import { githubWebUrl } from "./github/installation.service.js";
import { registerManifestRoutes } from "./github/manifest.route.js";
import { createOutboundFetch } from "./github/outbound-fetch.js";
import { reconcileJob, startReconcileLoop } from "./github/reconcile.job.js";

/** Deadline of one request to a code host's or Atlassian's API. */
const OUTBOUND_TIMEOUT_MS = 15_000;

export { newConnectionId } from "./connection-ids.js";
export type { Connection } from "./github/connection.service.js";
export type { GithubApps } from "./github/github-apps.js";

/** What the capability offers the roles. */
export interface Connections extends Capability {
  jobs: { webhook: ReturnType<typeof deliveryJob>; reconcile: ReturnType<typeof reconcileJob>; confluenceSync: ReturnType<typeof confluenceSyncJob> };
  /** Web origins the App-manifest form is sent to (github.com and GITHUB_API_URL's), for the CSP. */
  formTargets: string[];
  /** Starts the upkeep loop (worker role): due reconciles, stranded deliveries, retention. */
  startUpkeep(): { stop(): Promise<void> };
}

/** What the capability needs. */
export interface ConnectionsDependencies {
  config: Pick<ResolvedConfig, "baseUrl" | "authSecret" | "github" | "repositories" | "atlassian">;
  db: Database;
  secretBox: SecretBox | undefined;
  logger: Logger;
  queue: JobQueue;
  /** The process' GitHub App clients (`createGithubAppClients`), which also mint the linked repositories' git credentials. */
  githubApps: GithubApps;
  /** The repositories capability's operations on linked repositories. */
  linked: LinkedRepositories;
}

/**
 * Builds the process' GitHub App clients: one per connection, its installation tokens reused
 * until shortly before they expire. The roles build them before the repositories, which take
 * their `credentials` (git credentials of the repositories a connection brought, `x-access-token`
 * bound to the connection's git host), and hand them to `createConnections`: one token cache.
 */
export function createGithubAppClients(deps: { config: Pick<ResolvedConfig, "repositories">; db: Database; secretBox: SecretBox | undefined }): GithubApps {
  const outboundFetch = createOutboundFetch({ allowedHosts: deps.config.repositories.allowedHosts, timeoutMs: OUTBOUND_TIMEOUT_MS });
  return createGithubApps({ db: deps.db, secretBox: deps.secretBox, fetch: outboundFetch });
}

/** Builds the capability (no I/O until used). */
export function createConnections(deps: ConnectionsDependencies): Connections {
  const { config, db, secretBox, linked, queue, githubApps: apps } = deps;
  const logger = deps.logger.child({ module: "connections" });
  const outboundFetch = createOutboundFetch({ allowedHosts: config.repositories.allowedHosts, timeoutMs: OUTBOUND_TIMEOUT_MS });
  const enqueueSync = async (data: SyncJobData) => {
    await queue.send(jobs.confluenceSync, data, { singletonKey: data.connectionId });
  };
  const confluence: ConfluenceDependencies = {
    db,
    secretBox,
    baseUrl: config.baseUrl,
    authSecret: config.authSecret,
    api: createAtlassianApi({ authUrl: config.atlassian.authUrl, apiUrl: config.atlassian.apiUrl, fetch: outboundFetch }),
    requestSync: (scope, connectionId, full) => enqueueSync({ orgId: scope.orgId, connectionId, full }),
  };
  const jobs = {
    webhook: deliveryJob({ db, apps, linked }),
    reconcile: reconcileJob({ db, apps, linked }),
    confluenceSync: confluenceSyncJob(confluence, config.atlassian.syncMinutes),
  };
  const enqueueDelivery = async (data: DeliveryJobData) => {
    // The delivery row is committed: a lost queueing is repaired by the upkeep loop's re-queue.
    await queue.send(jobs.webhook, data).catch((err: unknown) => logger.warn({ err, deliveryId: data.deliveryId }, "could not queue a webhook delivery"));
  };
  const enqueueReconcile = async (data: { orgId: string; connectionId: string }) => {
    await queue.send(jobs.reconcile, data, { singletonKey: data.connectionId });
  };
  return {
    jobs,
    formTargets: [...new Set(["https://github.com", githubWebUrl(config.github.apiUrl)])],
    registerRoutes(router) {
      // Before the routes with a {connectionId}: /connections/confluence is not an id.
      registerConfluenceRoutes(router, confluence);
      // Before the routes with a {connectionId}: /connections/github-manifest is not an id.
      registerManifestRoutes(router, {
        db,
        secretBox,
        baseUrl: config.baseUrl,
        defaultApiUrl: config.github.apiUrl,
        allowLocal: config.repositories.allowLocal,
        allowedHosts: config.repositories.allowedHosts,
        authSecret: config.authSecret,
        fetch: outboundFetch,
      });
      registerConnectionRoutes(router, {
        db,
        secretBox,
        baseUrl: config.baseUrl,
        defaultApiUrl: config.github.apiUrl,
        allowLocal: config.repositories.allowLocal,
        allowedHosts: config.repositories.allowedHosts,
        unlinkAll: (actor, connectionId) => linked.unlink(actor, connectionId, "all"),
        forget: apps.forget,
        enqueueDelivery,
      });
      registerInstallationRoutes(router, {
        db,
        baseUrl: config.baseUrl,
        apps,
        linked,
        authSecret: config.authSecret,
        reconcileSeconds: config.github.reconcileSeconds,
        requestReconcile: async (orgId, connectionId) => {
          await apps.of({ orgId }, connectionId); // 404 for another org's or an unknown connection
          await enqueueReconcile({ orgId, connectionId });
        },
      });
    },
    startUpkeep() {
      const syncs = startConfluenceSyncLoop({
        db,
        logger,
        tickMs: config.repositories.checkTickMs,
        syncMinutes: config.atlassian.syncMinutes,
        enqueue: enqueueSync,
      });
      const reconciles = startReconcileLoop({
        db,
        logger,
        tickMs: config.repositories.checkTickMs,
        reconcileSeconds: config.github.reconcileSeconds,
        enqueueReconcile,
        enqueueDelivery,
      });
      return {
        async stop() {
          await Promise.all([syncs.stop(), reconciles.stop()]);
        },
      };
    },
  };
}
