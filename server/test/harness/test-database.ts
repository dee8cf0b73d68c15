/**
 * A fresh database for one test file, copied from the run's migrated template: tests never
 * share rows, so nothing needs truncating.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { ADMIN_URL_ENV, TEMPLATE_ENV } from "./test-cluster.js";

/** A database owned by one test file. */
export interface TestDatabase {
  name: string;
  url: string;
  adminUrl: string;
  drop(): Promise<void>;
}

/**
 * Creates the database (retrying while another file is copying the template); `empty`: without
 * the template's migrated schema.
 * @throws Error when not run through `npm test`.
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = process.env[ADMIN_URL_ENV];
  const template = process.env[TEMPLATE_ENV];
  if (!adminUrl || !template) throw new Error(`run tests with \`npm test\` (${ADMIN_URL_ENV} is not set)`);
  const name = `ctxpipe_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        // An empty one has no schema at all: what `ctxpipe restore` meets on a new server.
        await admin.query(options.empty ? `create database ${name}` : `create database ${name} template ${template}`);
        break;
      } catch (err) {
        // "source database is being accessed by other users": another file is copying it.
        if ((err as { code?: string }).code !== "55006" || attempt > 50) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    adminUrl,
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
