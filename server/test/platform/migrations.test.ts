/**
 * Migrations on a real Postgres: an empty database, an up-to-date one, two migrators at
 * once, an edited migration, an upgrade of a database populated at an earlier schema, and a
 * database that a newer release migrated.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { MIGRATIONS_DIR, migrate, pendingMigrations, unknownMigrations } from "../../src/platform/db/migrator.js";
import { createLogger } from "../../src/platform/logging.js";
import { ADMIN_URL_ENV } from "../harness/test-cluster.js";

const logger = createLogger("silent");
const adminUrl = process.env[ADMIN_URL_ENV] ?? "";
const created: string[] = [];

/** An empty database (not from the template). */
async function emptyDatabase(): Promise<pg.Pool> {
  const name = `ctxpipe_empty_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  created.push(name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return new pg.Pool({ connectionString: url.toString(), max: 4 });
}

describe("migrate", () => {
  let migrationFiles: string[];
  before(async () => {
    migrationFiles = (await fs.readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith(".sql")).sort();
  });
  after(async () => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    for (const name of created) await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  it("applies every migration to an empty database, then nothing", async () => {
    const pool = await emptyDatabase();
    try {
      assert.deepEqual(await pendingMigrations(pool), migrationFiles);
      const first = await migrate(pool, logger);
      assert.deepEqual(first.applied, migrationFiles);
      assert.deepEqual(await pendingMigrations(pool), []);
      const second = await migrate(pool, logger);
      assert.deepEqual(second.applied, []);
      const trgm = await pool.query("select 1 from pg_extension where extname = 'pg_trgm'");
      assert.equal(trgm.rowCount, 1);
    } finally {
      await pool.end();
    }
  });

  it("upgrades a database populated at an earlier schema, keeping its rows", async () => {
    const pool = await emptyDatabase();
    try {
      // The schema before the newest three migrations stands for the previous release's.
      const previous = migrationFiles.at(-4)!;
      const first = await migrate(pool, logger, MIGRATIONS_DIR, { upTo: previous });
      assert.equal(first.applied.at(-1), previous);
      const org = await pool.query<{ id: string }>("insert into orgs (slug, name) values ('acme', 'Acme') returning id");
      await pool.query("insert into repositories (org_id, name, url, url_kind) values ($1, 'shop', 'https://git.example.com/shop.git', 'https')", [
        org.rows[0]!.id,
      ]);
      const upgrade = await migrate(pool, logger);
      assert.deepEqual(upgrade.applied, migrationFiles.slice(-3));
      const { rows } = await pool.query("select o.slug, r.name, r.status from repositories r join orgs o on o.id = r.org_id");
      assert.deepEqual(rows, [{ slug: "acme", name: "shop", status: "queued" }]);
    } finally {
      await pool.end();
    }
  });

  it("refuses a database that a newer release migrated", async () => {
    const pool = await emptyDatabase();
    try {
      await migrate(pool, logger);
      await pool.query("insert into ctxpipe_migrations (name, checksum) values ('29991231000000-from-the-future.sql', 'x')");
      assert.deepEqual(await unknownMigrations(pool), ["29991231000000-from-the-future.sql"]);
      await assert.rejects(
        migrate(pool, logger),
        /migrated by a newer ctxpipe \(it has 29991231000000-from-the-future\.sql.*restoring the backup taken before the upgrade/,
      );
    } finally {
      await pool.end();
    }
  });

  it("applies each migration once when two migrators start together", async () => {
    const pool = await emptyDatabase();
    try {
      const [a, b] = await Promise.all([migrate(pool, logger), migrate(pool, logger)]);
      assert.deepEqual([...a.applied, ...b.applied].sort(), migrationFiles);
      const { rows } = await pool.query("select count(*)::int as n from ctxpipe_migrations");
      assert.equal(rows[0].n, migrationFiles.length);
    } finally {
      await pool.end();
    }
  });

  it("refuses to run when an applied migration was edited, and rolls back a failing one", async () => {
    const pool = await emptyDatabase();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-migrations-"));
    try {
      await fs.writeFile(path.join(dir, "20260101000000-create-thing.sql"), "create table thing (id int);");
      await migrate(pool, logger, dir);
      await fs.writeFile(path.join(dir, "20260101000000-create-thing.sql"), "create table thing (id bigint);");
      await assert.rejects(migrate(pool, logger, dir), /was changed after it was applied/);

      await fs.writeFile(path.join(dir, "20260101000000-create-thing.sql"), "create table thing (id int);");
      await fs.writeFile(path.join(dir, "20260102000000-break-things.sql"), "create table half (id int); select * from missing_table;");
      await assert.rejects(migrate(pool, logger, dir), /20260102000000-break-things\.sql failed/);
      const half = await pool.query("select to_regclass('half')::text as t");
      assert.equal(half.rows[0].t, null, "the failed migration's first statement must be rolled back");

      await fs.writeFile(path.join(dir, "not-a-migration.sql"), "select 1;");
      await assert.rejects(migrate(pool, logger, dir), /does not match YYYYMMDDHHMMSS-verb-object\.sql/);
    } finally {
      await pool.end();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
