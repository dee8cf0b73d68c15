/**
 * `ctxpipe backup` and `ctxpipe restore`, run as the real CLI:
 * - against DATABASE_URL: an instance with an organisation, an indexed repository and an API
 *   key is backed up; the archive is restored into a new, empty database (the backup's schema
 *   is built first); an app started on it re-indexes the repository and answers the same
 *   search with the same results to the same key. Restoring over an instance in use is
 *   refused without --force; an encrypted archive needs its passphrase;
 * - scheduled by the worker (CTXPIPE_BACKUP_DIR), keeping the newest CTXPIPE_BACKUP_KEEP;
 * - in embedded mode: the generated secrets travel with the backup into a fresh data directory.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { gunzipSync, gzipSync } from "node:zlib";
import { extract as tarExtract, pack as tarPack } from "tar-stream";
import pg from "pg";
import { openBackup } from "../../src/backup/index.js";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, uniqueEmail } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";
import { createTestDatabase, type TestDatabase } from "../harness/test-database.js";
import { admin, assertOneLineError, ctxpipe, PASSWORD } from "./admin-cli-helpers.js";

const ENCRYPTION_KEY = "0f".repeat(32);

/** Rewrites an unencrypted archive: `edit` changes its entries (name → bytes), then every entry is packed again. */
async function rewriteArchive(from: string, to: string, edit: (entries: Map<string, Buffer>) => void): Promise<void> {
  const entries = new Map<string, Buffer>();
  const extract = tarExtract();
  Readable.from(gunzipSync(await fs.readFile(from))).pipe(extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    entries.set(entry.header.name, Buffer.concat(chunks));
  }
  edit(entries);
  const pack = tarPack();
  for (const [name, body] of entries) pack.entry({ name, size: body.length, mode: 0o600 }, body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  await fs.writeFile(to, gzipSync(Buffer.concat(chunks)));
}

describe("ctxpipe backup and restore", () => {
  let root: string;
  let source: TestApp;
  let target: TestDatabase;
  let restored: TestApp | undefined;
  let slug: string;
  let key: string;
  let searchBefore: unknown;
  const env = (db: TestDatabase) => ({ DATABASE_URL: db.url, CONNECTION_SECRETS_ENCRYPTION_KEY: ENCRYPTION_KEY, CTXPIPE_DATA_DIR: root });
  const search = async (app: TestApp) => {
    const res = await call(app, "GET", `/api/v1/orgs/${slug}/search?q=applyDiscount`, { as: { apiKey: key } });
    assert.equal(res.status, 200, res.text);
    return res.json.results.map((r: any) => [r.repository.name, r.commit, r.path, r.lines.map((l: any) => [l.line, l.text])]);
  };

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-backup-"));
    // Embedded Postgres runs as its own user where the tests run as root: it must reach the data directories.
    await fs.chmod(root, 0o755);
    source = await startTestApp({ env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" } });
    const owner = await signUp(source);
    slug = (await createOrgAs(source, owner)).slug;
    const dir = await createTestRepo(root, "shop", {
      "src/discount.ts": "export function applyDiscount(total: number) {\n  return total * 0.9;\n}\n",
      "src/cart.ts": "import { applyDiscount } from './discount';\nexport const price = applyDiscount(100);\n",
    });
    const added = await call(source, "POST", `/api/v1/orgs/${slug}/repositories`, { as: owner, body: { url: dir, name: "shop" } });
    await waitForRepository(source, owner, slug, added.json.id);
    key = (await call(source, "POST", `/api/v1/orgs/${slug}/api-keys`, { as: owner, body: { name: "agent" } })).json.key;
    searchBefore = await search(source);
    assert.ok((searchBefore as unknown[]).length > 0);
    target = await createTestDatabase({ empty: true });
  });
  after(async () => {
    await restored?.stop();
    await source?.stop();
    await target?.drop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("restores into an empty database, and the same key finds the same results", async () => {
    const archive = path.join(root, "backup.tar.gz");
    const backup = await ctxpipe(["backup", "--out", archive], env(source.db));
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

    const restore = await ctxpipe(["restore", "--from", archive], env(target));
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, /^restored \d+ tables \(\d+ rows\) from the backup of .*; 1 repositories will be re-indexed in the background/);

    // Started on the restored database, the worker re-indexes the repository.
    restored = await startTestApp({ db: target, env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" } });
    const repo = (await call(restored, "GET", `/api/v1/orgs/${slug}/repositories`, { as: { apiKey: key } })).json.repositories[0];
    assert.equal((await waitForRepository(restored, { apiKey: key }, slug, repo.id)).status, "ready");
    assert.deepEqual(await search(restored), searchBefore);

    // An instance in use is not replaced without --force.
    const again = await ctxpipe(["restore", "--from", archive], env(target));
    assert.match(assertOneLineError(again), /holds users or organisations: restore into an empty instance, or pass --force/);
  });

  it("restores nothing from an archive whose data does not match its manifest", async () => {
    const archive = path.join(root, "backup.tar.gz");
    // One byte of a table changed (the repository's name), the archive otherwise intact.
    const tar = gunzipSync(await fs.readFile(archive));
    const at = tar.indexOf(Buffer.from("\tshop\t"));
    assert.ok(at > 0);
    tar[at + 4] = "q".charCodeAt(0);
    const damaged = path.join(root, "damaged.tar.gz");
    await fs.writeFile(damaged, gzipSync(tar));
    const empty = await createTestDatabase({ empty: true });
    try {
      const restore = await ctxpipe(["restore", "--from", damaged], env(empty));
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

  it("refuses an archive whose data was changed with the checksums recomputed, and one without a signature", async () => {
    const archive = path.join(root, "backup.tar.gz");
    const forged = path.join(root, "forged.tar.gz");
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
    const unsigned = path.join(root, "unsigned.tar.gz");
    await rewriteArchive(archive, unsigned, (entries) => entries.delete("signature.json"));
    const empty = await createTestDatabase({ empty: true });
    try {
      const refused = await ctxpipe(["restore", "--from", forged], env(empty));
      assert.match(assertOneLineError(refused), /The archive's signature does not verify with this instance's key .*Nothing was restored; .*--allow-unsigned/);
      const bare = await ctxpipe(["restore", "--from", unsigned], env(empty));
      assert.match(assertOneLineError(bare), /The archive is not signed, so nothing shows it is unchanged: nothing was restored; pass --allow-unsigned/);
      // Another instance's key does not verify the untouched archive either.
      const otherKey = await ctxpipe(["restore", "--from", archive], { ...env(empty), CONNECTION_SECRETS_ENCRYPTION_KEY: "1e".repeat(32) });
      assert.match(assertOneLineError(otherKey), /signature does not verify/);
      const client = new pg.Client({ connectionString: empty.url });
      await client.connect();
      const { rows } = await client.query("select to_regclass('public.orgs')::text as orgs");
      await client.end();
      assert.deepEqual(rows[0], { orgs: null }, "nothing was built or loaded");
      // The operator's explicit choice restores the unsigned one.
      const allowed = await ctxpipe(["restore", "--from", unsigned, "--allow-unsigned"], env(empty));
      assert.equal(allowed.code, 0, allowed.stderr);
    } finally {
      await empty.drop();
    }
  });

  it("encrypts with a passphrase and refuses a wrong one", async () => {
    const archive = path.join(root, "secret.tar.gz.enc");
    const backup = await ctxpipe(["backup", "--out", archive, "--passphrase-stdin"], env(source.db), "correct horse\n");
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, /encrypted with the passphrase/);
    assert.match((await fs.readFile(archive)).subarray(0, 26).toString(), /^CTXPIPE-BACKUP-AES256GCM-1/);
    const wrong = await ctxpipe(["restore", "--from", archive, "--passphrase-stdin"], env(target), "battery staple\n");
    assert.match(assertOneLineError(wrong), /Wrong passphrase, or the archive is damaged: nothing was restored/);
    const none = await ctxpipe(["restore", "--from", archive], env(target));
    assert.match(assertOneLineError(none), /The archive is encrypted: give its passphrase/);
    const opened = await openBackup(archive, "correct horse");
    assert.ok(opened.manifest.tables.length > 10);
    opened.close();
  });

  it("writes scheduled backups from the worker and keeps the newest CTXPIPE_BACKUP_KEEP", async () => {
    const dir = path.join(root, "scheduled");
    await fs.mkdir(dir);
    for (const old of ["ctxpipe-20200101T000000Z.tar.gz", "ctxpipe-20200102T000000Z.tar.gz", "ctxpipe-20200103T000000Z.tar.gz"]) {
      await fs.writeFile(path.join(dir, old), "old");
    }
    await fs.writeFile(path.join(dir, "notes.txt"), "not a backup: never deleted");
    // The backups of the tests above are made two days old, so that one is due.
    const client = new pg.Client({ connectionString: source.db.url });
    await client.connect();
    await client.query("update backup_runs set finished_at = now() - interval '2 days'");
    await client.end();
    // A second worker on the source database, with the schedule on.
    const worker = await startTestApp({ db: source.db, roles: ["worker"], env: { CTXPIPE_BACKUP_DIR: dir, CTXPIPE_BACKUP_KEEP: "2" } });
    try {
      let names: string[] = [];
      for (let i = 0; i < 200 && !names.some((n) => !n.startsWith("ctxpipe-2020") && n.endsWith(".tar.gz")); i++) {
        await new Promise((r) => setTimeout(r, 100));
        names = (await fs.readdir(dir)).sort();
      }
      for (let i = 0; i < 50 && names.length > 3; i++) {
        await new Promise((r) => setTimeout(r, 100));
        names = (await fs.readdir(dir)).sort();
      }
      assert.equal(names.length, 3, names.join(", "));
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

  it("carries an embedded instance's generated secrets into a fresh data directory", async () => {
    const from = path.join(root, "embedded-a");
    const to = path.join(root, "embedded-b");
    await fs.mkdir(from, { mode: 0o755 });
    await fs.mkdir(to, { mode: 0o755 });
    const embedded = (dir: string) => ({ CTXPIPE_DATA_DIR: dir, AUTH_SECRET: "" });
    const email = uniqueEmail("embedded-backup");
    const created = await admin(["create-user", "--email", email, "--password", PASSWORD], embedded(from));
    assert.equal(created.code, 0, created.stderr);
    const archive = path.join(root, "embedded.tar.gz");
    const backup = await ctxpipe(["backup", "--out", archive], embedded(from));
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, /it holds this instance's secrets \(AUTH_SECRET and the encryption key\): keep it like a password/);
    // A fresh data directory has a key of its own: the archive's signature does not verify with it.
    const refused = await ctxpipe(["restore", "--from", archive], embedded(to));
    assert.match(assertOneLineError(refused), /signature does not verify with this instance's key/);
    // With the original instance's key (from the operator's records, never from the archive) it does.
    const originalKey = JSON.parse(await fs.readFile(path.join(from, "generated-secrets.json"), "utf8")).encryptionKey;
    const restore = await ctxpipe(["restore", "--from", archive], { ...embedded(to), CONNECTION_SECRETS_ENCRYPTION_KEY: originalKey });
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, /the backup's AUTH_SECRET and encryption key are now this data directory's/);
    const secretsOf = async (dir: string) => JSON.parse(await fs.readFile(path.join(dir, "generated-secrets.json"), "utf8"));
    const [a, b] = [await secretsOf(from), await secretsOf(to)];
    assert.deepEqual([b.authSecret, b.encryptionKey], [a.authSecret, a.encryptionKey]);
    assert.notEqual(b.postgresPassword, a.postgresPassword);
    const users = await admin(["list-users"], embedded(to));
    assert.equal(users.code, 0, users.stderr);
    assert.match(users.stdout, new RegExp(email.replace(/[.+]/g, "\\$&")));
  });
});
