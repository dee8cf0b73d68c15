/**
 * `ctxpipe restore`'s database side: brings an empty database to the backup's schema version,
 * loads every table in one transaction (each checked against the manifest's row count and
 * checksum; any difference rolls everything back), marks the repositories for re-indexing
 * (the search index and graph are rebuilt, not restored), then applies the newer migrations
 * of this build. A database that holds users or organisations is refused unless `force`, which
 * empties it first.
 */
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import { type Database, withTransaction } from "../platform/db/database.js";
import { MIGRATIONS_DIR, migrate } from "../platform/db/migrator.js";
import type { Logger } from "../platform/logging.js";
import type { OpenedBackup } from "./backup-reader.js";
import { backupTables, pinCopyFormat } from "./backup-tables.js";

/** What a restore did. */
export interface RestoreReport {
  tables: number;
  rows: number;
  /** Repositories whose index runs the worker queues at its start. */
  repositoriesToIndex: number;
  /** Migrations applied after loading (the backup came from an older release). */
  upgradedWith: string[];
}

/** A refusal the operator can act on. */
export class RestoreRefused extends Error {}

/** Restores `backup` into `db` (see the file comment). */
export async function loadBackup(
  db: Database,
  backup: OpenedBackup,
  options: { force: boolean; logger: Logger; onLoaded?: () => Promise<void> },
): Promise<RestoreReport> {
  const { manifest } = backup;
  const known = (await fs.readdir(MIGRATIONS_DIR)).filter((n) => n.endsWith(".sql")).sort();
  if (!known.includes(manifest.schemaVersion)) {
    throw new RestoreRefused(
      `The backup's schema (${manifest.schemaVersion}, ctxpipe ${manifest.ctxpipeVersion}) is newer than this ctxpipe knows: restore with that release or a later one.`,
    );
  }
  const applied = await appliedMigrations(db);
  if (applied.length === 0) {
    await migrate(db.unsafeSystem, options.logger, MIGRATIONS_DIR, { upTo: manifest.schemaVersion });
  } else if (applied.at(-1) !== manifest.schemaVersion) {
    throw new RestoreRefused(
      `This database is at schema ${applied.at(-1)}, the backup at ${manifest.schemaVersion}: restore into an empty database (a fresh data directory, or a new DATABASE_URL), where ctxpipe builds the backup's schema first.`,
    );
  }
  const client = await db.unsafeSystem.connect();
  let broken = false;
  let rows = 0;
  try {
    await client.query("begin");
    await pinCopyFormat(client);
    const { tables, excluded } = await backupTables(client);
    const used = await client.query<{ n: string }>(`select (select count(*) from auth."user") + (select count(*) from public.orgs) as n`);
    if (Number(used.rows[0]!.n) > 0) {
      if (!options.force)
        throw new RestoreRefused("The database holds users or organisations: restore into an empty instance, or pass --force to replace its contents.");
      const everything = [...tables.map((t) => t.quoted), ...excluded.filter((t) => t !== "public.ctxpipe_migrations").map((t) => quote(t))];
      await client.query(`truncate ${everything.join(", ")} cascade`);
    }
    const here = new Map(tables.map((t) => [t.name, t]));
    for await (const { name, data } of backup.tables()) {
      const expected = manifest.tables.find((t) => t.name === name)!;
      const target = here.get(name);
      if (!target) throw new RestoreRefused(`The backup has a table ${name} that this database does not: is the archive from another application?`);
      const hash = createHash("sha256");
      const check = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      const columns = expected.columns.map((c) => `"${c.replaceAll('"', '""')}"`).join(", ");
      const copy = client.query(copyFrom(`copy ${target.quoted} (${columns}) from stdin`));
      await pipeline(data, check, copy);
      const loaded = Number(copy.rowCount);
      if (hash.digest("hex") !== expected.sha256 || loaded !== expected.rows) {
        throw new RestoreRefused(`The table ${name} in the archive does not match its manifest (damaged archive?): nothing was restored.`);
      }
      rows += loaded;
    }
    // Within the load: whatever fails later, the repositories wait for a fresh index run (these
    // columns exist at every schema version).
    await client.query("delete from repositories where status = 'unindexing'");
    await client.query("update repositories set status = 'queued', indexed_commit = null");
    await client.query("commit");
  } catch (err) {
    // A session whose transaction could not be rolled back (its connection broke) is closed, not pooled.
    broken = !(await client.query("rollback").then(
      () => true,
      () => false,
    ));
    throw err;
  } finally {
    client.release(broken);
    backup.close();
  }
  // The data is in: now the instance adopts what came with it (the secrets of an embedded one).
  await options.onLoaded?.();
  const upgrade = await migrate(db.unsafeSystem, options.logger);
  // At this build's schema: the index and the graph are rebuilt, so every repository gets a
  // fresh first run (a deletion in progress is finished here: its job is not in the backup),
  // and no answer is being written.
  const repositoriesToIndex = await withTransaction(db.unsafeSystem, async (tx) => {
    await tx.query("delete from repositories where status = 'unindexing'");
    const requeued = await tx.query(
      `update repositories set status = 'queued', step = null, indexed_commit = null, indexed_branch = null, indexed_at = null,
              error = null, last_run = null, remote_commit = null, indexed_settings = null, updated_at = now()`,
    );
    await tx.query("update chat_conversations set answering_until = null");
    return requeued.rowCount ?? 0;
  });
  return { tables: manifest.tables.length, rows, repositoriesToIndex, upgradedWith: upgrade.applied };
}

function quote(name: string): string {
  const [schema, table] = name.split(".");
  return `"${schema}"."${table}"`;
}

async function appliedMigrations(db: Database): Promise<string[]> {
  const exists = await db.unsafeSystem.query<{ t: string | null }>("select to_regclass('public.ctxpipe_migrations')::text as t");
  if (!exists.rows[0]?.t) return [];
  const { rows } = await db.unsafeSystem.query<{ name: string }>("select name from ctxpipe_migrations order by name");
  return rows.map((r) => r.name);
}
