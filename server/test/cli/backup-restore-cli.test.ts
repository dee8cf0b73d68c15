/**
 * `ctxpipe backup` and `ctxpipe restore` against DATABASE_URL, run through runCli: an instance
 * with an organisation, an indexed repository and an API key is backed up; the archive is
 * restored into a new, empty database (the backup's schema is built first); an app started on
 * it re-indexes the repository and answers the same search with the same results to the same
 * key. Restoring over an instance in use is refused without --force. Scheduled backups are
 * written by the worker (CTXPIPE_BACKUP_DIR), keeping the newest CTXPIPE_BACKUP_KEEP.
 * The archive's integrity and encryption: backup-archive-cli.test.ts; embedded mode:
 * backup-embedded-cli.test.ts.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { openBackup } from "../../src/backup/index.js";
import { eventually } from "../harness/eventually.js";
import { call } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";
import { createTestDatabase, type TestDatabase } from "../harness/test-database.js";
import { assertOneLineError, ctxpipe } from "./admin-cli-helpers.js";
import { type BackupSource, startBackupSource } from "./backup-restore-helpers.js";

describe("ctxpipe backup and restore", () => {
  let source: BackupSource;
  let target: TestDatabase;
  let restored: TestApp | undefined;

  before(async () => {
    source = await startBackupSource();
    target = await createTestDatabase({ empty: true });
  });
  after(async () => {
    await restored?.stop();
    await source?.stop();
    await target?.drop();
  });

  it("restores into an empty database, and the same key finds the same results", async () => {
    const archive = path.join(source.root, "backup.tar.gz");
    const backup = await ctxpipe(["backup", "--out", archive], source.env(source.app.db));
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, /^backup written to .*backup\.tar\.gz \(\d+ bytes\): \d+ tables, \d+ rows, schema \d{14}-[a-z0-9-]+\.sql; restoring it needs/);
    assert.equal((await fs.stat(archive)).mode & 0o777, 0o600);
    // The derived index is not in the archive; everything else is.
    const opened = await openBackup(archive);
    const names = opened.manifest.tables.map((t) => t.name);
    opened.close();
    assert.ok(names.includes("public.repositories") && names.includes("public.api_keys") && names.includes("auth.user"), names.join(", "));
    assert.ok(!names.includes("public.index_chunks") && opened.manifest.excluded.includes("public.index_chunks"));
    assert.equal(opened.manifest.secrets, false);

    const restore = await ctxpipe(["restore", "--from", archive], source.env(target));
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, /^restored \d+ tables \(\d+ rows\) from the backup of .*; 1 repositories will be re-indexed in the background/);

    // Started on the restored database, the worker re-indexes the repository.
    restored = await startTestApp({ db: target, env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" } });
    const repo = (await call(restored, "GET", `/api/v1/orgs/${source.slug}/repositories`, { as: { apiKey: source.key } })).json.repositories[0];
    assert.equal((await waitForRepository(restored, { apiKey: source.key }, source.slug, repo.id)).status, "ready");
    assert.deepEqual(await source.search(restored), source.searchBefore);

    // An instance in use is not replaced without --force.
    const again = await ctxpipe(["restore", "--from", archive], source.env(target));
    assert.match(assertOneLineError(again), /holds users or organisations: restore into an empty instance, or pass --force/);
  });

  it("writes scheduled backups from the worker and keeps the newest CTXPIPE_BACKUP_KEEP", async () => {
    const dir = path.join(source.root, "scheduled");
    await fs.mkdir(dir);
    for (const old of ["ctxpipe-20200101T000000Z.tar.gz", "ctxpipe-20200102T000000Z.tar.gz", "ctxpipe-20200103T000000Z.tar.gz"]) {
      await fs.writeFile(path.join(dir, old), "old");
    }
    await fs.writeFile(path.join(dir, "notes.txt"), "not a backup: never deleted");
    // The backups of the tests above are made two days old, so that one is due.
    const client = new pg.Client({ connectionString: source.app.db.url });
    await client.connect();
    await client.query("update backup_runs set finished_at = now() - interval '2 days'");
    await client.end();
    // A second worker on the source database, with the schedule on.
    const worker = await startTestApp({ db: source.app.db, roles: ["worker"], env: { CTXPIPE_BACKUP_DIR: dir, CTXPIPE_BACKUP_KEEP: "2" } });
    try {
      // A new backup is written, then the oldest beyond CTXPIPE_BACKUP_KEEP are deleted.
      const names = await eventually(
        async () => {
          const seen = (await fs.readdir(dir)).sort();
          assert.ok(
            seen.some((n) => !n.startsWith("ctxpipe-2020") && n.endsWith(".tar.gz")),
            seen.join(", "),
          );
          assert.equal(seen.length, 3, seen.join(", "));
          return seen;
        },
        { timeoutMs: 25_000, message: "the scheduled backup and its clean-up" },
      );
      assert.deepEqual(names.slice(0, 1), ["ctxpipe-20200103T000000Z.tar.gz"]);
      assert.match(names[1]!, /^ctxpipe-\d{8}T\d{6}Z\.tar\.gz$/);
      assert.equal(names[2], "notes.txt");
      const opened = await openBackup(path.join(dir, names[1]!));
      assert.ok(opened.manifest.tables.some((t) => t.name === "public.repositories" && t.rows === 1));
      opened.close();
    } finally {
      await worker.stop();
    }
  });
});
