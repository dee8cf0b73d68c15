/**
 * The archive of `ctxpipe backup`, run through runCli against DATABASE_URL: `ctxpipe restore`
 * restores nothing from an archive whose data does not match its manifest (damaged), and an
 * archive encrypted with a passphrase needs that passphrase. Its signature:
 * backup-signature-cli.test.ts.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import pg from "pg";
import { openBackup } from "../../src/backup/index.js";
import { createTestDatabase, type TestDatabase } from "../harness/test-database.js";
import { assertOneLineError, ctxpipe } from "./admin-cli-helpers.js";
import { type BackupSource, startBackupSource } from "./backup-restore-helpers.js";

describe("ctxpipe backup's archive", () => {
  let source: BackupSource;
  let target: TestDatabase;

  before(async () => {
    source = await startBackupSource();
    target = await createTestDatabase({ empty: true });
    const backup = await ctxpipe(["backup", "--out", path.join(source.root, "backup.tar.gz")], source.env(source.app.db));
    assert.equal(backup.code, 0, backup.stderr);
  });
  after(async () => {
    await source?.stop();
    await target?.drop();
  });

  it("restores nothing from an archive whose data does not match its manifest", async () => {
    const archive = path.join(source.root, "backup.tar.gz");
    // One byte of a table changed (the repository's name), the archive otherwise intact.
    const tar = gunzipSync(await fs.readFile(archive));
    const at = tar.indexOf(Buffer.from("\tshop\t"));
    assert.ok(at > 0);
    tar[at + 4] = "q".charCodeAt(0);
    const damaged = path.join(source.root, "damaged.tar.gz");
    await fs.writeFile(damaged, gzipSync(tar));
    const empty = await createTestDatabase({ empty: true });
    try {
      const restore = await ctxpipe(["restore", "--from", damaged], source.env(empty));
      assert.match(
        assertOneLineError(restore),
        /The table public\.repositories in the archive does not match its manifest \(damaged archive\?\): nothing was restored/,
      );
      const client = new pg.Client({ connectionString: empty.url });
      await client.connect();
      const { rows } = await client.query('select (select count(*) from auth."user")::int as users, (select count(*) from orgs)::int as orgs');
      await client.end();
      assert.deepEqual(rows[0], { users: 0, orgs: 0 });
    } finally {
      await empty.drop();
    }
  });

  it("encrypts with a passphrase and refuses a wrong one", async () => {
    const archive = path.join(source.root, "secret.tar.gz.enc");
    const backup = await ctxpipe(["backup", "--out", archive, "--passphrase-stdin"], source.env(source.app.db), "correct horse\n");
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, /encrypted with the passphrase/);
    assert.match((await fs.readFile(archive)).subarray(0, 26).toString(), /^CTXPIPE-BACKUP-AES256GCM-1/);
    const wrong = await ctxpipe(["restore", "--from", archive, "--passphrase-stdin"], source.env(target), "battery staple\n");
    assert.match(assertOneLineError(wrong), /Wrong passphrase, or the archive is damaged: nothing was restored/);
    const none = await ctxpipe(["restore", "--from", archive], source.env(target));
    assert.match(assertOneLineError(none), /The archive is encrypted: give its passphrase/);
    const opened = await openBackup(archive, "correct horse");
    assert.ok(opened.manifest.tables.length > 10);
    opened.close();
  });
});
