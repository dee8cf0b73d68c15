/**
 * `ctxpipe admin ...` as an operator runs it: the real CLI in a child process against a test
 * database (DATABASE_URL) and, once, against an embedded Postgres. What it creates must work
 * in the app: the user signs in with the password, the key authenticates.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { call, signIn, uniqueEmail } from "../harness/http-client.js";
import { startTestApp } from "../harness/test-app.js";
import { createTestDatabase, type TestDatabase } from "../harness/test-database.js";

const BIN = fileURLToPath(new URL("../../bin/ctxpipe.js", import.meta.url));
const AUTH_SECRET = "test-secret-test-secret-test-secret-0123";
const PASSWORD = "a long enough password";

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `ctxpipe admin <args>` to completion, with `stdin` as standard input (empty by default). */
function admin(args: string[], env: Record<string, string>, stdin = ""): Promise<Result> {
  return ctxpipe(["admin", ...args], env, stdin);
}

/** Runs `ctxpipe <args>` to completion (LOG_LEVEL silent unless `env` says otherwise). */
function ctxpipe(args: string[], env: Record<string, string>, stdin = ""): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "silent", AUTH_SECRET, ...env }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin);
  });
}

/** Asserts a failure with exactly one line on stderr and nothing on stdout; returns the line. */
function assertOneLineError(result: Result): string {
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /^ctxpipe: [^\n]+\n$/);
  return result.stderr;
}

describe("ctxpipe admin against DATABASE_URL", () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  before(async () => {
    db = await createTestDatabase();
    env = { DATABASE_URL: db.url };
  });
  after(() => db.drop());

  it("creates a user, an organisation and a key that work in the app", async () => {
    const email = uniqueEmail("admin");
    const user = await admin(["create-user", "--email", email, "--password", PASSWORD, "--name", "Ada Admin"], env);
    assert.equal(user.code, 0, user.stderr);
    assert.equal(user.stderr, "");
    const userId = user.stdout.trim();
    assert.match(user.stdout, /^\S+\n$/);

    const org = await admin(["create-org", "--slug", "cli-org", "--name", "CLI Org", "--owner", email.toUpperCase()], env);
    assert.equal(org.code, 0, org.stderr);
    assert.match(org.stdout, /^[0-9a-f-]{36}\n$/);

    const key = await admin(["create-api-key", "--email", email, "--org", "cli-org", "--name", "deploy bot"], env);
    assert.equal(key.code, 0, key.stderr);
    assert.match(key.stdout, /^ctx_[A-Za-z0-9_-]{40}\n$/, "only the key on stdout");
    assert.equal(key.stderr, "");

    const app = await startTestApp({ db, roles: ["server"] });
    try {
      const signedIn = await signIn(app, email, PASSWORD);
      assert.equal(signedIn.status, 200);
      assert.equal(signedIn.json.user.id, userId);
      assert.equal(signedIn.json.user.name, "Ada Admin");
      const res = await call(app, "GET", "/api/v1/orgs/cli-org", { as: { apiKey: key.stdout.trim() } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.id, org.stdout.trim());
      assert.equal(res.json.role, "owner");
      const audit = await call(app, "GET", "/api/v1/orgs/cli-org/audit-events", { as: signedIn });
      const actions = audit.json.events.map((e: { action: string; ip: string }) => `${e.action}@${e.ip}`);
      assert.ok(actions.includes("org.created@cli") && actions.includes("api_key.created@cli"), actions.join());
    } finally {
      await app.stop();
    }
  });

  it("refuses a duplicate e-mail and unknown users or organisations with one line", async () => {
    const email = uniqueEmail("dup");
    assert.equal((await admin(["create-user", "--email", email, "--password", PASSWORD], env)).code, 0);
    const [dup, noOwner, noUser, noOrg, shortPassword] = await Promise.all([
      admin(["create-user", "--email", email.toUpperCase(), "--password", PASSWORD], env),
      admin(["create-org", "--slug", "nobodys-org", "--name", "Nobody", "--owner", "nobody@example.test"], env),
      admin(["create-api-key", "--email", "nobody@example.test", "--org", "cli-org"], env),
      admin(["create-api-key", "--email", email, "--org", "no-such-org"], env),
      admin(["create-user", "--email", uniqueEmail("short"), "--password", "short"], env),
    ]);
    assert.equal(assertOneLineError(dup), `ctxpipe: a user with e-mail ${email.toUpperCase()} exists\n`);
    assert.equal(assertOneLineError(noOwner), "ctxpipe: no user with e-mail nobody@example.test\n");
    assert.equal(assertOneLineError(noUser), "ctxpipe: no user with e-mail nobody@example.test\n");
    assert.equal(assertOneLineError(noOrg), "ctxpipe: no organisation with slug no-such-org\n");
    assert.match(assertOneLineError(shortPassword), /cannot create the user: .*password/i);
  });

  it("reads the password from standard input with --password-stdin", async () => {
    const email = uniqueEmail("stdin");
    const created = await admin(["create-user", "--email", email, "--password-stdin"], env, `${PASSWORD}\n`);
    assert.equal(created.code, 0, created.stderr);
    const app = await startTestApp({ db, roles: ["server"] });
    try {
      assert.equal((await signIn(app, email, PASSWORD)).status, 200, "the first line is the password");
      assert.equal((await signIn(app, email, `${PASSWORD}\n`)).status, 401, "the newline is not part of it");
    } finally {
      await app.stop();
    }
  });

  it("refuses a key for a user outside the organisation", async () => {
    const owner = uniqueEmail("owner");
    const outsider = uniqueEmail("outsider");
    for (const email of [owner, outsider]) assert.equal((await admin(["create-user", "--email", email, "--password", PASSWORD], env)).code, 0);
    assert.equal((await admin(["create-org", "--slug", "closed-org", "--name", "Closed", "--owner", owner], env)).code, 0);
    const res = await admin(["create-api-key", "--email", outsider, "--org", "closed-org"], env);
    assert.equal(assertOneLineError(res), `ctxpipe: ${outsider} is not a member of closed-org\n`);
  });

  it("answers bad arguments with exit 1 and one line of usage", async () => {
    const cases = [
      {
        args: ["create-user", "--email", "x@example.test"],
        want: /missing --password or --password-stdin; usage: ctxpipe admin create-user --email E \(--password-stdin \| --password P\)/,
      },
      { args: ["create-user", "--email", "x@example.test", "--password", "p", "--password-stdin"], want: /either --password or --password-stdin, not both/ },
      { args: ["create-user", "--email", "x@example.test", "--password-stdin"], want: /--password-stdin: standard input is empty/ },
      {
        args: ["create-org", "--slug", "ok-slug", "--name", "N", "--owner", "a@b.c", "--colour", "red"],
        want: /Unknown option '--colour'; usage: ctxpipe admin create-org/,
      },
      { args: ["create-org", "--slug", "Bad Slug", "--name", "N", "--owner", "a@b.c"], want: /--slug: .*; usage: ctxpipe admin create-org/ },
      { args: ["create-api-key", "stray", "--email", "a@b.c", "--org", "x"], want: /Unexpected argument 'stray'; usage: ctxpipe admin create-api-key/ },
      { args: ["create-api-key", "--email"], want: /--email.*; usage: ctxpipe admin create-api-key/ },
      {
        args: ["frobnicate"],
        want: /unknown admin command "frobnicate"; use one of: create-user, create-org, create-api-key, list-users, reset-password, revoke-api-key/,
      },
      { args: ["revoke-api-key", "--id", "not-a-uuid"], want: /--id: an API key id \(UUID\); usage: ctxpipe admin revoke-api-key --id K/ },
      { args: [], want: /missing admin command/ },
    ];
    const results = await Promise.all(cases.map((c) => admin(c.args, env)));
    results.forEach((res, i) => assert.match(assertOneLineError(res), cases[i]!.want, cases[i]!.args.join(" ")));
  });
});

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

describe("ctxpipe admin with embedded Postgres", () => {
  let dataDir: string;
  before(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-admin-"));
    await fs.chmod(dataDir, 0o755);
  });
  after(() => fs.rm(dataDir, { recursive: true, force: true }));

  it("creates a user in the data directory's database", async () => {
    const env = { CTXPIPE_DATA_DIR: dataDir, AUTH_SECRET: "" };
    const res = await admin(["create-user", "--email", uniqueEmail("embedded"), "--password", PASSWORD], env);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^\S+\n$/);
    assert.equal(res.stderr, "");
  });
});
