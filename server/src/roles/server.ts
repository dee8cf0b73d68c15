/**
 * The server role (public): the HTTP app on AUTH_BASE_URL. Composition root for every
 * route group; it starts no background work of its own.
 */
import type { Hono } from "hono";
import { createAccounts } from "../accounts/index.js";
import type { Repositories } from "../repositories/index.js";
import type { Connections } from "../connections/index.js";
import { createDocuments } from "../documents/index.js";
import { createSearch } from "../search/index.js";
import { agentTools, createMcp, type ToolServices } from "../mcp/index.js";
import { createMailer } from "../platform/email/mailer.js";
import { apiRootRoutes } from "../platform/http/api-root.route.js";
import { ApiRouter } from "../platform/http/api-route.js";
import { apiDocsRoutes } from "../platform/http/api-docs.js";
import { openApiRoutes } from "../platform/http/openapi.js";
import type { Capability } from "../platform/capability.js";
import { FairShare } from "../platform/fair-share.js";
import { createHttpApp } from "../platform/http/app.js";
import type { AppEnv } from "../platform/http/app-env.js";
import { startHttpServer } from "../platform/http/http-server.js";
import { createStatus } from "../status/index.js";
import type { Graph } from "../graph/index.js";
import type { Models } from "../models/index.js";
import type { Embeddings } from "../embeddings/index.js";
import { createChat } from "../chat/index.js";
import type { Platform } from "./platform.js";

/** Test and embedding hooks for the server role. */
export interface ServerRoleOptions {
  /** Extra route groups mounted after the built-in ones. */
  extraRoutes?: Hono<AppEnv>[];
  /** Web build location override. */
  webDist?: string;
}

/** Builds the public app for a started platform (no socket). */
export function buildServerApp(
  platform: Platform,
  {
    repositories,
    connections,
    graph,
    models,
    embeddings,
  }: { repositories: Repositories; connections: Connections; graph: Graph; models: Models; embeddings: Embeddings },
  options: ServerRoleOptions = {},
): Hono<AppEnv> {
  const { config, db, logger } = platform;
  const mailer = createMailer(config.email, logger);
  platform.lifecycle.onStop("mailer", async () => mailer.close());
  const accounts = createAccounts({ config, db, mailer, logger });
  // Better Auth initialises asynchronously (plugins read and write the database): the pools
  // must outlive that, even when start-up fails right after this point.
  const authReady = accounts.auth.$context.then(
    () => undefined,
    (err: unknown) => logger.error({ err }, "auth initialisation failed"),
  );
  platform.lifecycle.onStop("auth-init", () => authReady);
  // Searches and MCP requests share a bounded part of the database pool, fairly by org and caller.
  const share = new FairShare({
    slots: config.search.slots,
    perOrg: config.search.perOrg,
    perCaller: config.search.perCaller,
    maxWaitMs: config.search.queueMs,
    maxQueuedPerCaller: config.search.perCaller * 2,
  });
  const router = new ApiRouter(accounts.guards, share);
  // Each capability is built once; REST, the MCP tools and the chat's agent loop share them.
  const documents = createDocuments({ db });
  // Questions in words are ranked by meaning too when an embedding model is configured.
  const search = createSearch({
    db,
    maxBudgetMs: config.search.maxBudgetMs,
    documents,
    semantic: embeddings.ranker,
    contentIndex: config.search.contentIndex,
  });
  const tools: ToolServices = { search, documents, graph, repositories, searchBudgetMs: Math.min(5_000, config.search.maxBudgetMs) };
  const chat = createChat({ db, search, models, limits: config.chat, tools: agentTools(tools) });
  // Every capability the server offers, in one shape (platform/capability.ts).
  const capabilities: Capability[] = [
    createStatus({ pool: db.app, workerStaleSeconds: config.workerStaleSeconds, model: () => models.status() }),
    models,
    accounts,
    repositories,
    search,
    documents,
    embeddings,
    connections,
    graph,
    chat,
    createMcp({ db, accounts, baseUrl: config.baseUrl, allowedOrigins: config.allowedOrigins, share, tools: { ...tools, advise: chat.ask } }),
  ];
  for (const capability of capabilities) capability.registerRoutes?.(router);
  for (const capability of capabilities) {
    const started = capability.start?.();
    if (started) platform.lifecycle.onStop("server-capability", async () => (await started)());
  }
  return createHttpApp({
    logger,
    baseUrl: config.baseUrl,
    allowedOrigins: config.allowedOrigins,
    bodyLimitBytes: config.http.bodyLimitBytes,
    trustedProxyHops: config.trustedProxyHops,
    authenticate: accounts.authenticate,
    webDist: options.webDist,
    formTargets: connections.formTargets,
    routes: [
      apiRootRoutes(),
      openApiRoutes(() => router.specs, config.baseUrl),
      apiDocsRoutes(),
      ...capabilities.flatMap((capability) => capability.routes ?? []),
      router.hono,
      ...(options.extraRoutes ?? []),
    ],
  });
}

/**
 * Starts the server role and registers its graceful stop (drain first, before the
 * worker and the database stop).
 * @returns the bound port.
 */
export async function startServerRole(
  platform: Platform,
  capabilities: { repositories: Repositories; connections: Connections; graph: Graph; models: Models; embeddings: Embeddings },
  options: ServerRoleOptions = {},
): Promise<{ port: number }> {
  const app = buildServerApp(platform, capabilities, options);
  const { host, port } = platform.config.http;
  const server = await startHttpServer(app, { host, port, logger: platform.logger, bodyLimitBytes: platform.config.http.bodyLimitBytes });
  platform.lifecycle.onStop("http", () => server.close(platform.config.shutdownTimeoutMs));
  return { port: server.port };
}
