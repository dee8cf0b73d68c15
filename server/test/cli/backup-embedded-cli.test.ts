/**
 * `ctxpipe backup` and `ctxpipe restore` in embedded mode, run through runCli: the generated
 * secrets travel with the backup into a fresh data directory; a restore into a fresh data
 * directory killed half-way (SIGKILL of its process group: the one child process here) leaves
 * nothing that stops the same restore, run again, from succeeding.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { uniqueEmail } from "../harness/http-client.js";
import { admin, assertOneLineError, ctxpipe, PASSWORD } from "./admin-cli-helpers.js";
import { makeRoot } from "./backup-restore-helpers.js";

const BIN = fileURLToPath(new URL("../../bin/ctxpipe.js", import.meta.url));
const embedded = (dir: string) => ({ CTXPIPE_DATA_DIR: dir, AUTH_SECRET: "" });

/**
 * Runs `ctxpipe restore` in its own process group and SIGKILLs the group (the embedded
 * Postgres it started runs in a session of its own and survives, as in a crash) once `when`
 * matches its log. Answers its log.
 */
async function killedRestore(args: string[], env: Record<string, string>, when: RegExp): Promise<string> {
  const child = spawn(process.execPath, [BIN, "restore", "--log-format", "json", ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const seen = new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (when.test(out)) resolve();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
  });
  const first = await Promise.race([seen.then(() => "seen" as const), exited.then(() => "exited" as const)]);
  assert.equal(first, "seen", `the restore ended before it was killed:\n${out}`);
  process.kill(-child.pid!, "SIGKILL");
  await exited;
  return out;
}

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
    assert.equal((await ctxpipe(["migrate"], embedded(from))).code, 0, "migrate makes the new instance");
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

  it("runs again to completion after a restore into a fresh data directory was killed half-way", async () => {
    const to = path.join(root, "embedded-c");
    await fs.mkdir(to, { mode: 0o755 });
    const originalKey = JSON.parse(await fs.readFile(path.join(from, "generated-secrets.json"), "utf8")).encryptionKey;
    const env = { ...embedded(to), CONNECTION_SECRETS_ENCRYPTION_KEY: originalKey };
    // Killed while it builds the backup's schema, before anything is loaded.
    const log = await killedRestore(["--from", archive], env, /"applied migration"/);
    assert.doesNotMatch(log, /"embedded Postgres stopped"/);

    const again = await ctxpipe(["restore", "--from", archive], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^restored \d+ tables .*the backup's AUTH_SECRET and encryption key are now this data directory's/);
    const users = await admin(["list-users"], embedded(to));
    assert.equal(users.code, 0, users.stderr);
    assert.match(users.stdout, new RegExp(email.replace(/[.+]/g, "\\$&")));
    assert.deepEqual(
      (await fs.readdir(to)).filter((n) => n.startsWith("postgres.")),
      [],
      "no temporary cluster and no lock are left",
    );
  });
});
