/**
 * The one Postgres of a test run, started by run-tests.ts before any test file: an embedded
 * cluster in a temporary directory, or the server behind DATABASE_URL when set. A template
 * database is migrated once; each test file then copies it (test-database.ts).
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { migrateJobQueue } from "../../src/jobs/job-queue.js";
import { startEmbeddedPostgres } from "../../src/platform/db/embedded-postgres.js";
import { migrate } from "../../src/platform/db/migrator.js";
import { createLogger } from "../../src/platform/logging.js";

/** Environment variable carrying the admin URL to test files. */
export const ADMIN_URL_ENV = "CTXPIPE_TEST_ADMIN_URL";
/** Environment variable carrying the template database name. */
export const TEMPLATE_ENV = "CTXPIPE_TEST_TEMPLATE";

/** A started test cluster. */
export interface TestCluster {
  adminUrl: string;
  template: string;
  stop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Starts the cluster and prepares the migrated template. */
export async function startTestCluster(externalUrl: string | undefined): Promise<TestCluster> {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? "warn");
  let adminUrl: string;
  let stopCluster = async () => {};
  if (externalUrl) {
    adminUrl = withDatabase(externalUrl, "postgres");
  } else {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-test-pg-"));
    await fs.chmod(dir, 0o755);
    const cluster = await startEmbeddedPostgres({
      clusterDir: path.join(dir, "postgres"),
      password: "test",
      logger,
      database: "postgres",
      unsafeFast: true,
    });
    adminUrl = cluster.adminUrl;
    stopCluster = async () => {
      await cluster.stop();
      await fs.rm(dir, { recursive: true, force: true });
    };
  }
  const template = `ctxpipe_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${template}`);
    await admin.query(`create database ${template}`);
  } finally {
    await admin.end();
  }
  const templateUrl = withDatabase(adminUrl, template);
  const pool = new pg.Pool({ connectionString: templateUrl, max: 2 });
  await migrate(pool, logger);
  await pool.end();
  await migrateJobQueue(templateUrl, logger);
  return {
    adminUrl,
    template,
    async stop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${template} with (force)`).catch(() => {});
      await client.end();
      await stopCluster();
    },
  };
}
