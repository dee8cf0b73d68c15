/**
 * `ctxpipe admin` support commands (list users, reset a password, revoke a key), per-command
 * help, and error output, against a test database.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { call, signIn, uniqueEmail } from "../harness/http-client.js";
import { startTestApp } from "../harness/test-app.js";
import { createTestDatabase, type TestDatabase } from "../harness/test-database.js";
import { admin, assertOneLineError, ctxpipe, PASSWORD } from "./admin-cli-helpers.js";

describe("ctxpipe admin: support commands, help and error output", () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  before(async () => {
    db = await createTestDatabase();
    env = { DATABASE_URL: db.url };
  });
  after(() => db.drop());

  it("lists users with their organisations", async () => {
    const email = uniqueEmail("listed");
    assert.equal((await admin(["create-user", "--email", email, "--password", PASSWORD, "--name", "Listed Person"], env)).code, 0);
    assert.equal((await admin(["create-org", "--slug", "listed-org", "--name", "Listed", "--owner", email], env)).code, 0);
    const res = await admin(["list-users"], env);
    assert.equal(res.code, 0, res.stderr);
    const [header, ...rows] = res.stdout.trimEnd().split("\n");
    assert.equal(header, "email\tname\tcreated\torganisations");
    const row = rows.find((r) => r.startsWith(`${email}\t`));
    assert.match(row ?? "", /^\S+\tListed Person\t\d{4}-\d\d-\d\dT[^\t]+\tlisted-org:owner$/);
  });

  it("resets a password from standard input, ending sessions, and revokes an API key", async () => {
    const email = uniqueEmail("reset");
    assert.equal((await admin(["create-user", "--email", email, "--password", PASSWORD], env)).code, 0);
    assert.equal((await admin(["create-org", "--slug", "reset-org", "--name", "Reset", "--owner", email], env)).code, 0);
    const key = (await admin(["create-api-key", "--email", email, "--org", "reset-org"], env)).stdout.trim();
    const app = await startTestApp({ db, roles: ["server"] });
    try {
      const session = await signIn(app, email, PASSWORD);
      assert.equal(session.status, 200);
      const reset = await admin(["reset-password", "--email", email, "--password-stdin"], env, "a brand new password\n");
      assert.equal(reset.code, 0, reset.stderr);
      assert.match(reset.stdout, /^password reset; ended 1 session\(s\) and 0 OAuth app grant\(s\)\n$/);
      assert.equal((await signIn(app, email, PASSWORD)).status, 401, "the old password is gone");
      assert.equal((await signIn(app, email, "a brand new password")).status, 200);
      assert.equal((await call(app, "GET", "/api/v1/me", { as: { cookie: session.cookie } })).status, 401, "the old session ended");
      const short = await admin(["reset-password", "--email", email, "--password", "short"], env);
      assert.match(assertOneLineError(short), /the password must have 10 to 128 characters/);

      assert.equal((await call(app, "GET", "/api/v1/me", { as: { apiKey: key } })).status, 200);
      const keys = await call(app, "GET", "/api/v1/orgs/reset-org/api-keys", { as: { apiKey: key } });
      const id = keys.json.apiKeys[0].id as string;
      const revoked = await admin(["revoke-api-key", "--id", id], env);
      assert.equal(revoked.stdout, "revoked\n", revoked.stderr);
      assert.equal((await admin(["revoke-api-key", "--id", id], env)).stdout, "already revoked\n");
      assert.equal((await call(app, "GET", "/api/v1/me", { as: { apiKey: key } })).status, 401);
      const unknown = await admin(["revoke-api-key", "--id", "00000000-0000-4000-8000-000000000000"], env);
      assert.equal(assertOneLineError(unknown), "ctxpipe: no API key with id 00000000-0000-4000-8000-000000000000\n");
    } finally {
      await app.stop();
    }
  });

  it("prints per-command help without touching the database", async () => {
    const noDb = { DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" };
    const createUser = await ctxpipe(["admin", "create-user", "--help"], noDb);
    assert.equal(createUser.code, 0, createUser.stderr);
    assert.match(createUser.stdout, /^Usage: ctxpipe admin create-user --email E \(--password-stdin \| --password P\)/);
    const serve = await ctxpipe(["serve", "--help"], noDb);
    assert.match(serve.stdout, /^Usage: ctxpipe serve \[options\]\n\nRuns every role in one process/);
    assert.match((await ctxpipe(["help", "admin"], noDb)).stdout, /reset-password --email E[^\n]*\n\s+Set a user's password/);
    assert.match((await ctxpipe(["migrate", "-h"], noDb)).stdout, /^Usage: ctxpipe migrate/);
    const unknown = await ctxpipe(["frobnicate", "--help"], noDb);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^ctxpipe: unknown command "frobnicate"/);
  });

  it("prints one human line on errors at the default log level; JSON logs only with --log-format json", async () => {
    const info = { ...env, LOG_LEVEL: "info" };
    const args = ["create-org", "--slug", "orphan-org", "--name", "Orphan", "--owner", "nobody@example.test"];
    assert.equal(assertOneLineError(await admin(args, info)), "ctxpipe: no user with e-mail nobody@example.test\n");
    const json = await admin([...args, "--log-format", "json"], info);
    const lines = json.stderr.trimEnd().split("\n");
    assert.equal(lines.at(-1), "ctxpipe: no user with e-mail nobody@example.test");
    assert.ok(lines.length > 1, "JSON log lines before it");
    for (const line of lines.slice(0, -1)) assert.doesNotThrow(() => JSON.parse(line), line);
    assert.ok(lines.some((l) => l.includes('"level":"fatal"')));
    const bad = await admin([...args, "--log-format", "yaml"], info);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--log-format must be json or text/);
  });
});
