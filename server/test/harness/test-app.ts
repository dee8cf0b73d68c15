/**
 * Starts real ctxpipe roles in the test process against a test database, on a random port.
 * Configuration goes through the real parser, so tests exercise the same path as `ctxpipe`.
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Hono } from "hono";
import { parseConfig } from "../../src/platform/config/config.js";
import type { AppEnv } from "../../src/platform/http/app-env.js";
import { createLogger, type Logger } from "../../src/platform/logging.js";
import { startRoles, type RoleName, type RunningRoles } from "../../src/roles/run.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

/** A running app under test. */
export interface TestApp {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  running: RunningRoles;
  db: TestDatabase;
  dataDir: string;
  /** Stops the roles, drops the database and removes the data directory. */
  stop(): Promise<void>;
}

export interface TestAppOptions {
  roles?: RoleName[];
  /** Extra environment variables (strings, as in the real environment). */
  env?: Record<string, string>;
  extraRoutes?: Hono<AppEnv>[];
  logger?: Logger;
  /** Reuse an existing test database instead of creating one. */
  db?: TestDatabase;
  /**
   * Embedded mode as `npm start` runs it: no DATABASE_URL and no AUTH_SECRET, so the roles
   * start their own Postgres in the data directory and generate their secrets there.
   */
  embedded?: boolean;
}

/**
 * The job queue's short retry delay for tests (production: each job's own, 10 s or more): a
 * failed job is retried after a second. Child `ctxpipe` processes get it too.
 */
export const TEST_JOB_TIMINGS_ENV: Record<string, string> = {
  CTXPIPE_JOB_RETRY_DELAY_SECONDS: "1",
};

/**
 * pg-boss' supervision once a second instead of every 10 s, for the files that wait for it
 * (a dead index run found a second after its heartbeat went stale). Not the default: each
 * pass queries every queue, and an idle app under it cost 80 ms of CPU a second (test process
 * and Postgres) against none at the production interval, across every app the suite starts.
 */
export const FAST_SUPERVISION_ENV: Record<string, string> = {
  ...TEST_JOB_TIMINGS_ENV,
  CTXPIPE_JOB_SUPERVISE_SECONDS: "1",
  CTXPIPE_JOB_MONITOR_SECONDS: "1",
};

/** Starts the app (all roles by default). */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const given = options.embedded ? undefined : (options.db ?? (await createTestDatabase()));
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-test-data-"));
  // As root the embedded Postgres runs as the `postgres` user, which must reach its directory.
  if (options.embedded) await fs.chmod(dataDir, 0o755);
  const config = parseConfig({
    ...(given ? { DATABASE_URL: given.url, AUTH_SECRET: "test-secret-test-secret-test-secret-0123" } : {}),
    AUTH_BASE_URL: "http://localhost:3000",
    PORT: "0",
    HOST: "127.0.0.1",
    CTXPIPE_DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    CTXPIPE_SHUTDOWN_TIMEOUT_MS: "5000",
    DATABASE_POOL_SIZE: "4",
    // Suites sign up many users; the sign-up policy's own tests set AUTH_SIGN_UP themselves.
    AUTH_SIGN_UP: "open",
    // Suites that allow local repositories keep them in temporary directories (never the data directory).
    CTXPIPE_LOCAL_REPOSITORIES_ROOT: os.tmpdir(),
    ...(options.embedded ? {} : { CONNECTION_SECRETS_ENCRYPTION_KEY: "0f".repeat(32) }),
    ...TEST_JOB_TIMINGS_ENV,
    ...options.env,
  });
  const logger = options.logger ?? createLogger(config.logLevel);
  const running = await startRoles(config, logger, options.roles ?? ["worker", "codesearch", "server"], {
    extraRoutes: options.extraRoutes,
  });
  // Embedded: the instance's own database, dropped with its data directory.
  const url = running.platform.db.url;
  const db = given ?? { name: new URL(url).pathname.slice(1), url, adminUrl: url, drop: async () => {} };
  return {
    url: `http://127.0.0.1:${running.port ?? 0}`,
    running,
    db,
    dataDir,
    async stop() {
      await running.stop();
      if (!options.db && given) await given.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
