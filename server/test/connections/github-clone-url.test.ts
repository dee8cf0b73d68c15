/**
 * A webhook secret is not a licence to choose where the installation token goes (#26): a
 * signed `repository.renamed` whose clone_url points at another host leaves the stored URL on
 * the connection's GitHub host (the rename itself is followed), and a repository URL on another
 * host (as one stored before the fix) gets no token: git is never handed it for that host. The
 * other host is a real git HTTP server on `localhost` (the fake GitHub is on 127.0.0.1) that
 * records every Authorization it receives.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { sign } from "@octokit/webhooks-methods";
import { eventually } from "../harness/eventually.js";
import { startFakeGithub, type FakeGithub, type FakeInstallation, type FakeRepository } from "../harness/fake-github.js";
import { startGitHttpServer, type GitHttpServer } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

const EXAMPLES = createRequire(import.meta.url)("@octokit/webhooks-examples") as { name: string; examples: Record<string, any>[] }[];
const example = (event: string, action?: string) =>
  structuredClone(EXAMPLES.find((e) => e.name === event)!.examples.find((x) => action === undefined || x.action === action)!);

describe("GitHub clone URLs come from the connection's host, never from a payload", () => {
  let github: FakeGithub;
  let thief: GitHttpServer;
  let thiefRoot: string;
  /** Every user:password pair the other host received. */
  const stolen: string[] = [];
  let app: TestApp;
  let owner: TestUser;
  let org: { slug: string };
  let connection: { id: string };
  let secret: string;
  let repo: FakeRepository;
  let installation: FakeInstallation;

  const base = () => `/api/v1/orgs/${org.slug}/connections/${connection.id}`;
  const deliver = async (event: string, body: Record<string, any>) => {
    const text = JSON.stringify(body);
    const res = await fetch(`${app.url}/api/v1/webhook/github/${connection.id}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": crypto.randomUUID(),
        "x-hub-signature-256": await sign(secret, text),
      },
      body: text,
    });
    assert.equal(res.status, 202, await res.text());
  };
  const processed = (n: number) =>
    eventually(
      async () => {
        const { rows } = await app.running.platform.db.unsafeSystem.query<{ n: number }>(
          "select count(*)::int as n from webhook_deliveries where connection_id = $1 and processed_at is not null",
          [connection.id],
        );
        assert.ok(rows[0]!.n >= n, `${rows[0]!.n} of ${n} processed`);
      },
      { timeoutMs: 30_000, message: "the deliveries were not processed" },
    );
  const storedUrl = async () => {
    const { rows } = await app.running.platform.db.unsafeSystem.query<{ id: string; url: string; name: string }>(
      "select id, url, name from repositories where connection_id = $1",
      [connection.id],
    );
    return rows[0]!;
  };
  const pushPayload = (after: string) => {
    const body = example("push");
    Object.assign(body, { ref: "refs/heads/main", after, deleted: false, installation: { id: installation.id } });
    Object.assign(body.repository, { id: repo.id, full_name: repo.fullName, clone_url: github.cloneUrl(repo.id), default_branch: "main" });
    return body;
  };

  before(async () => {
    github = await startFakeGithub();
    thiefRoot = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-thief-"));
    thief = await startGitHttpServer({
      root: thiefRoot,
      authorize: (user, pass) => {
        if (user !== undefined) stolen.push(`${user}:${pass}`);
        return false;
      },
    });
    app = await startTestApp({
      env: {
        CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true",
        // Both names are allowed as hosts: what keeps the token home is the connection's host.
        CTXPIPE_GIT_ALLOWED_HOSTS: "127.0.0.1,localhost",
        GITHUB_API_URL: github.apiUrl,
      },
    });
    owner = await signUp(app);
    org = await createOrgAs(app, owner);
    repo = await github.addRepository("acme/api", { "src/server.ts": "export const served = 'by acme api';\n" });
    installation = github.addInstallation("acme", [repo.id]);
    const created = await call(app, "POST", `/api/v1/orgs/${org.slug}/connections`, {
      as: owner,
      body: { type: "github", name: "GitHub", appId: github.app.id, appSlug: github.app.slug, privateKey: github.app.privateKey },
    });
    assert.equal(created.status, 201, created.text);
    connection = created.json.connection;
    secret = created.json.webhookSecret;
    const link = await call(app, "GET", `${base()}/install-url`, { as: owner });
    const state = new URL(link.json.url).searchParams.get("state")!;
    assert.equal((await call(app, "POST", `${base()}/installation`, { as: owner, body: { installationId: installation.id, state } })).status, 200);
    const picked = await call(app, "PUT", `${base()}/selection`, { as: owner, body: { repositories: [repo.id], autoAdd: false } });
    assert.equal(picked.status, 200, picked.text);
    const ready = await waitForRepository(app, owner, org.slug, (await storedUrl()).id);
    assert.equal(ready.status, "ready", JSON.stringify(ready));
  });
  after(async () => {
    await app?.stop();
    await github?.stop();
    await thief?.stop();
    await fs.rm(thiefRoot, { recursive: true, force: true });
  });

  it("follows a signed rename without taking its clone_url on another host", async () => {
    await github.rename(repo.id, "acme/api-moved");
    const renamed = example("repository", "renamed");
    Object.assign(renamed, { installation: { id: installation.id } });
    Object.assign(renamed.repository, {
      id: repo.id,
      name: "api-moved",
      full_name: "acme/api-moved",
      clone_url: `http://localhost:${thief.port}/acme/api-moved.git`,
      default_branch: "main",
    });
    await deliver("repository", renamed);
    await processed(1);
    const stored = await storedUrl();
    assert.equal(stored.name, "acme/api-moved");
    assert.equal(stored.url, github.cloneUrl(repo.id), "the new name on the connection's git host");

    const commit = await github.push(repo.id, { "src/after.ts": "export const after = 'pushed after the rename';\n" });
    await deliver("push", pushPayload(commit));
    await waitForRepository(app, owner, org.slug, stored.id, (r) => r.indexedCommit === commit);
    assert.deepEqual(thief.requests, [], "the other host was never contacted");
  });

  it("never sends the installation token to a URL on another host", async () => {
    const stored = await storedUrl();
    // As a URL stored before the fix would be.
    await app.running.platform.db.unsafeSystem.query("update repositories set url = $2 where id = $1", [
      stored.id,
      `http://localhost:${thief.port}/acme/api-moved.git`,
    ]);
    const commit = await github.push(repo.id, { "src/again.ts": "export const again = 1;\n" });
    await deliver("push", pushPayload(commit));
    const settled = await waitForRepository(app, owner, org.slug, stored.id, (r) => r.status === "failed" || r.indexedCommit === commit);
    assert.equal(settled.status, "failed", JSON.stringify(settled));
    for (const token of github.issuedTokens()) assert.ok(!stolen.some((s) => s.includes(token)), "no installation token reached the other host");
    assert.deepEqual(stolen, [], "no credential reached the other host");
  });
});
