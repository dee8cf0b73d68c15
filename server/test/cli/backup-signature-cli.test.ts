/**
 * The signature of `ctxpipe backup`'s archive, run through runCli against DATABASE_URL:
 * `ctxpipe restore` restores nothing from an archive edited with its checksums recomputed,
 * unsigned, or signed with another key, unless --allow-unsigned.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { createTestDatabase } from "../harness/test-database.js";
import { assertOneLineError, ctxpipe } from "./admin-cli-helpers.js";
import { type BackupSource, rewriteArchive, startBackupSource } from "./backup-restore-helpers.js";

describe("ctxpipe backup's signature", () => {
  let source: BackupSource;

  before(async () => {
    source = await startBackupSource();
    const backup = await ctxpipe(["backup", "--out", path.join(source.root, "backup.tar.gz")], source.env(source.app.db));
    assert.equal(backup.code, 0, backup.stderr);
  });
  after(async () => {
    await source?.stop();
  });

  it("refuses an archive whose data was changed with the checksums recomputed, and one without a signature", async () => {
    const archive = path.join(source.root, "backup.tar.gz");
    const forged = path.join(source.root, "forged.tar.gz");
    // The repository's name changed, and the manifest's checksum and size of its table made to match.
    await rewriteArchive(archive, forged, (entries) => {
      const name = "tables/public.repositories.copy";
      const data = Buffer.from(entries.get(name)!.toString("utf8").replace("\tshop\t", "\tshoq\t"));
      entries.set(name, data);
      const manifest = JSON.parse(entries.get("manifest.json")!.toString("utf8"));
      const table = manifest.tables.find((t: { name: string }) => t.name === "public.repositories");
      Object.assign(table, { sha256: createHash("sha256").update(data).digest("hex"), bytes: data.length });
      entries.set("manifest.json", Buffer.from(JSON.stringify(manifest, null, 2)));
    });
    const unsigned = path.join(source.root, "unsigned.tar.gz");
    await rewriteArchive(archive, unsigned, (entries) => entries.delete("signature.json"));
    const empty = await createTestDatabase({ empty: true });
    try {
      const refused = await ctxpipe(["restore", "--from", forged], source.env(empty));
      assert.match(assertOneLineError(refused), /The archive's signature does not verify with this instance's key .*Nothing was restored; .*--allow-unsigned/);
      const bare = await ctxpipe(["restore", "--from", unsigned], source.env(empty));
      assert.match(assertOneLineError(bare), /The archive is not signed, so nothing shows it is unchanged: nothing was restored; pass --allow-unsigned/);
      // Another instance's key does not verify the untouched archive either.
      const otherKey = await ctxpipe(["restore", "--from", archive], { ...source.env(empty), CONNECTION_SECRETS_ENCRYPTION_KEY: "1e".repeat(32) });
      assert.match(assertOneLineError(otherKey), /signature does not verify/);
      const client = new pg.Client({ connectionString: empty.url });
      await client.connect();
      const { rows } = await client.query("select to_regclass('public.orgs')::text as orgs");
      await client.end();
      assert.deepEqual(rows[0], { orgs: null }, "nothing was built or loaded");
      // The operator's explicit choice restores the unsigned one.
      const allowed = await ctxpipe(["restore", "--from", unsigned, "--allow-unsigned"], source.env(empty));
      assert.equal(allowed.code, 0, allowed.stderr);
    } finally {
      await empty.drop();
    }
  });
});
