/**
 * `ctxpipe doctor` through runCli against a running instance: every checklist item is
 * reported; a reachable origin, live heartbeats and a current schema are ok; no backup yet is
 * a warning that a backup clears; a key that cannot decrypt the stored secrets fails the run
 * (exit 1) with the fix.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { githubAppKey } from "../harness/github-app-key.js";
import { call, createOrgAs, signUp } from "../harness/http-client.js";
import type { TestApp } from "../harness/test-app.js";
import { startOAuthTestApp } from "../oauth/oauth-helpers.js";
import { ctxpipe } from "./admin-cli-helpers.js";

const KEY = "0f".repeat(32);

describe("ctxpipe doctor", () => {
  let app: TestApp;
  let root: string;
  const env = (key = KEY) => ({ DATABASE_URL: app.db.url, AUTH_BASE_URL: app.url, CONNECTION_SECRETS_ENCRYPTION_KEY: key, CTXPIPE_DATA_DIR: root });
  const doctor = async (key?: string) => {
    const res = await ctxpipe(["doctor", "--json"], env(key));
    const report = JSON.parse(res.stdout) as { ok: boolean; checks: { name: string; status: string; detail: string; fix?: string }[] };
    return { code: res.code, report, byName: Object.fromEntries(report.checks.map((c) => [c.name, c])) };
  };

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-doctor-"));
    app = await startOAuthTestApp();
    const owner = await signUp(app);
    const slug = (await createOrgAs(app, owner)).slug;
    // A stored secret: the connection's private key, sealed with KEY.
    const created = await call(app, "POST", `/api/v1/orgs/${slug}/connections`, {
      as: owner,
      body: { type: "github", name: "GitHub", appId: 1, appSlug: "ctxpipe-doctor", privateKey: githubAppKey() },
    });
    assert.equal(created.status, 201, created.text);
  });
  after(async () => {
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("reports every item, ok where the deployment is right, and a missing backup until one is taken", async () => {
    const first = await doctor();
    assert.deepEqual(
      first.report.checks.map((c) => c.name),
      [
        "https origin",
        "public app url",
        "allowed origins",
        "auth secret",
        "local repositories",
        "stored secrets",
        "origin reachable",
        "worker heartbeat",
        "codesearch heartbeat",
        "migrations",
        "last backup",
        "backup encryption",
        "data directory disk",
        "postgres",
      ],
    );
    assert.equal(first.code, 0, JSON.stringify(first.report, null, 2));
    assert.equal(first.byName["https origin"]!.status, "warn");
    for (const name of ["origin reachable", "worker heartbeat", "codesearch heartbeat", "migrations", "postgres"]) {
      assert.equal(first.byName[name]!.status, "ok", JSON.stringify(first.byName[name]));
    }
    assert.match(first.byName["stored secrets"]!.detail, /^1 stored secret\(s\), all decrypt/);
    assert.equal(first.byName["last backup"]!.status, "warn");
    assert.equal(first.byName["local repositories"]!.status, "ok");
    assert.deepEqual([first.byName["backup encryption"]!.status, first.byName["backup encryption"]!.detail], ["ok", "no backup taken yet"]);

    const backup = await ctxpipe(["backup", "--out", path.join(root, "b.tar.gz")], env());
    assert.equal(backup.code, 0, backup.stderr);
    const second = await doctor();
    assert.equal(second.byName["last backup"]!.status, "ok");
    assert.match(second.byName["last backup"]!.detail, /^0 h ago/);
    // The backup above has no passphrase: it is a warning (the run still passes), and an encrypted one clears it.
    assert.equal(second.code, 0);
    const unencrypted = second.byName["backup encryption"]!;
    assert.deepEqual(
      [unencrypted.status, unencrypted.detail],
      ["warn", "the last backup is not encrypted: it holds every organisation's data and their sealed secrets"],
    );
    assert.match(unencrypted.fix ?? "", /CTXPIPE_BACKUP_PASSPHRASE/);
    const sealed = await ctxpipe(["backup", "--out", path.join(root, "b.tar.gz.enc"), "--passphrase-stdin"], env(), "correct horse\n");
    assert.equal(sealed.code, 0, sealed.stderr);
    assert.equal((await doctor()).byName["backup encryption"]!.status, "ok");
  });

  it("warns when local repositories are allowed, naming their root", async () => {
    // Outside the data directory (`root`): a root inside it is refused at start-up.
    const repos = path.join(os.tmpdir(), "ctxpipe-doctor-repos");
    const res = await ctxpipe(["doctor", "--json"], { ...env(), CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true", CTXPIPE_LOCAL_REPOSITORIES_ROOT: repos });
    const check = (JSON.parse(res.stdout) as { checks: { name: string; status: string; detail: string; fix?: string }[] }).checks.find(
      (c) => c.name === "local repositories",
    )!;
    assert.equal(check.status, "warn");
    assert.match(check.detail, new RegExp(`^CTXPIPE_ALLOW_LOCAL_REPOSITORIES=true: an admin of any organisation may index directories under ${repos}`));
    assert.match(check.fix ?? "", /turn it off/);
  });

  it("fails, with the fix, when the key cannot decrypt the stored secrets", async () => {
    const res = await doctor("1e".repeat(32));
    assert.equal(res.code, 1);
    assert.equal(res.report.ok, false);
    const secrets = res.byName["stored secrets"]!;
    assert.deepEqual([secrets.status, secrets.detail], ["fail", "1 of 1 stored secret(s) cannot be decrypted with the configured keys"]);
    assert.match(secrets.fix ?? "", /CONNECTION_SECRETS_ENCRYPTION_KEY_PREVIOUS/);
    // Against DATABASE_URL, a missing AUTH_SECRET is a failure (the command itself runs without one).
    const unset = JSON.parse((await ctxpipe(["doctor", "--json"], { ...env(), AUTH_SECRET: "" })).stdout);
    assert.equal(unset.checks.find((c: { name: string }) => c.name === "auth secret").status, "fail");
    const text = await ctxpipe(["doctor"], env("1e".repeat(32)));
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^fail {2}stored secrets +1 of 1 stored secret\(s\) cannot be decrypted/m);
    assert.match(text.stdout, /\d+ ok, \d+ warn, 1 fail\n$/);
  });
});
