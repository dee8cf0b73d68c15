/**
 * Forward-only SQL migrations from server/migrations, named `YYYYMMDDHHMMSS-verb-object.sql`.
 * Applied in name order, each in its own transaction, under a Postgres advisory lock so that
 * two processes starting at once apply each file exactly once. An applied file whose content
 * changed is an error: write a new migration instead.
 */
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import type { Logger } from "../logging.js";

/** Folder holding the migration files. */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../../../migrations/", import.meta.url));

/** Arbitrary constant key of the advisory lock that serialises migrators. */
const MIGRATION_LOCK_KEY = 727_001;
const NAME_PATTERN = /^\d{14}-[a-z0-9-]+\.sql$/;

interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

/** What a migration run did. */
export interface MigrationReport {
  applied: string[];
  /** Applied in the database but unknown to this build (a newer version ran here). */
  unknown: string[];
}

async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const names = (await fs.readdir(dir)).filter((n) => n.endsWith(".sql")).sort();
  return Promise.all(
    names.map(async (name) => {
      if (!NAME_PATTERN.test(name)) throw new Error(`migration file name ${name} does not match YYYYMMDDHHMMSS-verb-object.sql`);
      const sql = await fs.readFile(path.join(dir, name), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    }),
  );
}

async function ensureLedger(client: pg.ClientBase): Promise<Map<string, string>> {
  await client.query(`create table if not exists ctxpipe_migrations (
    name text primary key,
    checksum text not null,
    applied_at timestamptz not null default now()
  )`);
  const { rows } = await client.query<{ name: string; checksum: string }>("select name, checksum from ctxpipe_migrations");
  return new Map(rows.map((r) => [r.name, r.checksum]));
}

/**
 * Applies every pending migration (up to and including `upTo`, when given: a restore builds
 * its backup's schema first). Safe to run concurrently from several processes.
 * @throws Error when an applied migration was edited, or a migration fails (it is rolled back).
 */
export async function migrate(pool: pg.Pool, logger: Logger, dir = MIGRATIONS_DIR, options: { upTo?: string } = {}): Promise<MigrationReport> {
  const log = logger.child({ module: "migrator" });
  const files = (await readMigrations(dir)).filter((f) => options.upTo === undefined || f.name <= options.upTo);
  const client = await pool.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    const applied = await ensureLedger(client);
    for (const file of files) {
      const known = applied.get(file.name);
      if (known !== undefined && known !== file.checksum) {
        throw new Error(`migration ${file.name} was changed after it was applied; add a new migration instead`);
      }
    }
    const report: MigrationReport = {
      applied: [],
      unknown: [...applied.keys()].filter((name) => !files.some((f) => f.name === name)),
    };
    if (report.unknown.length > 0) throw new DatabaseNewerError(report.unknown);
    for (const file of files.filter((f) => !applied.has(f.name))) {
      const started = Date.now();
      try {
        await client.query("begin");
        await client.query(file.sql);
        await client.query("insert into ctxpipe_migrations (name, checksum) values ($1, $2)", [file.name, file.checksum]);
        await client.query("commit");
      } catch (err) {
        await client.query("rollback").catch(() => {});
        throw new Error(`migration ${file.name} failed: ${(err as Error).message}`, { cause: err });
      }
      report.applied.push(file.name);
      log.info({ migration: file.name, ms: Date.now() - started }, "applied migration");
    }
    return report;
  } finally {
    // A session that could not give its lock back (its connection broke) is closed, not pooled.
    const unlocked = await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).then(
      () => true,
      () => false,
    );
    client.release(!unlocked);
  }
}

/** The database was migrated by a newer release: this build must not run on it. */
export class DatabaseNewerError extends Error {
  constructor(readonly unknown: string[]) {
    super(
      `The database was migrated by a newer ctxpipe (it has ${unknown.at(-1)}, which this version does not know). ` +
        "Run that release again, or roll back by restoring the backup taken before the upgrade (docs/operations.md#rollback).",
    );
  }
}

/** Migrations the database has applied that this build does not have (a newer release ran here). */
export async function unknownMigrations(pool: pg.Pool, dir = MIGRATIONS_DIR): Promise<string[]> {
  const exists = await pool.query<{ t: string | null }>("select to_regclass('ctxpipe_migrations')::text as t");
  if (!exists.rows[0]?.t) return [];
  const known = new Set((await readMigrations(dir)).map((f) => f.name));
  const { rows } = await pool.query<{ name: string }>("select name from ctxpipe_migrations order by name");
  return rows.map((r) => r.name).filter((name) => !known.has(name));
}

/**
 * Names of migrations this build has that the database has not applied yet.
 * Roles started against DATABASE_URL refuse to run while this is non-empty.
 */
export async function pendingMigrations(pool: pg.Pool, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = await readMigrations(dir);
  const exists = await pool.query<{ t: string | null }>("select to_regclass('ctxpipe_migrations')::text as t");
  if (!exists.rows[0]?.t) return files.map((f) => f.name);
  const { rows } = await pool.query<{ name: string }>("select name from ctxpipe_migrations");
  const applied = new Set(rows.map((r) => r.name));
  return files.filter((f) => !applied.has(f.name)).map((f) => f.name);
}
