/**
 * `ctxpipe admin ...` as an operator runs it: the CLI (runCli, in this process) against a test
 * database (DATABASE_URL). What it creates must work in the app: the user signs in with the
 * password, the key authenticates. (Support commands: admin-support-cli.test.ts; embedded
 * Postgres: admin-embedded-cli.test.ts, each a file of its own to stay far from the timeout.)
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { call, signIn, uniqueEmail } from "../harness/http-client.js";
import { startTestApp } from "../harness/test-app.js";
import { createTestDatabase, type TestDatabase } from "../harness/test-database.js";
import { admin, assertOneLineError, PASSWORD } from "./admin-cli-helpers.js";

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
