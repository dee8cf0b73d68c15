/**
 * `ctxpipe backup` and `ctxpipe restore` in embedded mode, run as the real CLI: the generated
 * secrets travel with the backup into a fresh data directory.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { uniqueEmail } from "../harness/http-client.js";
import { admin, assertOneLineError, ctxpipe, PASSWORD } from "./admin-cli-helpers.js";
import { makeRoot } from "./backup-restore-helpers.js";

const embedded = (dir: string) => ({ CTXPIPE_DATA_DIR: dir, AUTH_SECRET: "" });

describe("ctxpipe backup and restore, embedded", () => {
  let root: string;
  let from: string;
  let archive: string;
  let email: string;

  before(async () => {
    root = await makeRoot();
    from = path.join(root, "embedded-a");
    await fs.mkdir(from, { mode: 0o755 });
    email = uniqueEmail("embedded-backup");
    const created = await admin(["create-user", "--email", email, "--password", PASSWORD], embedded(from));
    assert.equal(created.code, 0, created.stderr);
    archive = path.join(root, "embedded.tar.gz");
    const backup = await ctxpipe(["backup", "--out", archive], embedded(from));
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, /it holds this instance's secrets \(AUTH_SECRET and the encryption key\): keep it like a password/);
  });
  after(async () => {
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("carries an embedded instance's generated secrets into a fresh data directory", async () => {
    const to = path.join(root, "embedded-b");
    await fs.mkdir(to, { mode: 0o755 });
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
