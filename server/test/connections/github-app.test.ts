/**
 * A GitHub App connection end to end, against a local fake of GitHub's REST API (responses
 * checked against @octokit/openapi) and git over real HTTP with installation tokens: register →
 * install (the state and the installation checked with GitHub) → pick repositories → they
 * index → a commit is pushed → a signed `push` delivery arrives → the change is searchable.
 * Then a push whose delivery was lost, repaired by the reconcile job; the other events
 * (repositories added and removed, rename, suspend, uninstall); and what the install flow
 * refuses.
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { sign } from "@octokit/webhooks-methods";
import { eventually } from "../harness/eventually.js";
import { startFakeGithub, type FakeGithub, type FakeInstallation, type FakeRepository } from "../harness/fake-github.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { createLogger } from "../../src/platform/logging.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

const EXAMPLES = createRequire(import.meta.url)("@octokit/webhooks-examples") as { name: string; examples: Record<string, any>[] }[];
/** A recorded payload of `event` (with `action`, when given), deep-copied. */
const example = (event: string, action?: string) =>
  structuredClone(EXAMPLES.find((e) => e.name === event)!.examples.find((x) => action === undefined || x.action === action)!);

describe("GitHub App connection", () => {
  let github: FakeGithub;
  let app: TestApp;
  let owner: TestUser;
  let org: { slug: string };
  let connection: { id: string };
  let secret: string;
  let api: FakeRepository;
  let web: FakeRepository;
  let installation: FakeInstallation;
  /** Everything the app logs, at debug level. */
  const logLines: string[] = [];

  const base = () => `/api/v1/orgs/${org.slug}/connections/${connection.id}`;
  const repositoryJson = (repo: FakeRepository) => ({
    id: repo.id,
    name: repo.fullName.split("/")[1],
    full_name: repo.fullName,
    clone_url: github.cloneUrl(repo.id),
    default_branch: repo.defaultBranch,
  });
  /** Signs and POSTs a delivery to the connection's webhook URL. */
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
  const pushPayload = (repo: FakeRepository, after: string) => {
    const body = example("push");
    Object.assign(body, { ref: `refs/heads/${repo.defaultBranch}`, after, deleted: false, installation: { id: installation.id } });
    Object.assign(body.repository, repositoryJson(repo));
    return body;
  };
  const search = async (q: string) => {
    const res = await call(app, "GET", `/api/v1/orgs/${org.slug}/search?q=${encodeURIComponent(q)}&limit=20`, { as: owner });
    assert.equal(res.status, 200, res.text);
    return res.json.results as { path: string; repository: string }[];
  };
  const repositoryNamed = async (name: string) => {
    const res = await call(app, "GET", `/api/v1/orgs/${org.slug}/repositories`, { as: owner });
    return (res.json.repositories as { id: string; name: string; status: string; source: unknown }[]).find((r) => r.name === name);
  };
  const connectionView = async () => (await call(app, "GET", base(), { as: owner })).json;
  /** Install link → state → bind, as the web app's setup page does. */
  const install = async (installationId: number) => {
    const link = await call(app, "GET", `${base()}/install-url`, { as: owner });
    assert.equal(link.status, 200, link.text);
    const state = new URL(link.json.url).searchParams.get("state")!;
    return call(app, "POST", `${base()}/installation`, { as: owner, body: { installationId, state } });
  };

  before(async () => {
    github = await startFakeGithub();
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    app = await startTestApp({
      logger: createLogger("debug", sink),
      env: {
        CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true",
        CTXPIPE_GIT_ALLOWED_HOSTS: "127.0.0.1",
        GITHUB_API_URL: github.apiUrl,
        // The upkeep loop looks every second (re-queues stranded deliveries).
        CTXPIPE_REPOSITORY_CHECK_TICK_SECONDS: "1",
      },
    });
    owner = await signUp(app);
    org = await createOrgAs(app, owner);
    api = await github.addRepository("acme/api", { "src/server.ts": "export function handleRequest() {\n  return 'served by acme api';\n}\n" });
    web = await github.addRepository("acme/web", { "src/app.tsx": "export const title = 'acme web frontend';\n" });
    installation = github.addInstallation("acme", [api.id, web.id]);
  });
  after(async () => {
    await app?.stop();
    await github?.stop();
  });

  it("registers, installs, picks repositories, indexes them, and a signed push makes the change searchable", async () => {
    const created = await call(app, "POST", `/api/v1/orgs/${org.slug}/connections`, {
      as: owner,
      body: { type: "github", name: "GitHub", appId: github.app.id, appSlug: github.app.slug, privateKey: github.app.privateKey },
    });
    assert.equal(created.status, 201, created.text);
    connection = created.json.connection;
    secret = created.json.webhookSecret;
    assert.equal(created.json.connection.config.apiUrl, github.apiUrl);
    assert.match(created.json.connection.nextStep, /Install the App/);

    const link = await call(app, "GET", `${base()}/install-url`, { as: owner });
    assert.equal(link.status, 200, link.text);
    // Not github.com: Enterprise Server's install path on the API URL's origin.
    assert.match(link.json.url, new RegExp(`^${github.apiUrl}/github-apps/${github.app.slug}/installations/new\\?state=`));

    const bound = await install(installation.id);
    assert.equal(bound.status, 200, bound.text);
    assert.deepEqual(bound.json.installation, { id: installation.id, account: "acme", accountType: "Organization" });
    assert.equal(bound.json.status, "active");
    assert.match(bound.json.nextStep, /Pick the repositories/);

    const available = await call(app, "GET", `${base()}/available-repositories`, { as: owner });
    assert.equal(available.status, 200, available.text);
    assert.deepEqual(
      available.json.repositories.map((r: { fullName: string; linked: boolean }) => [r.fullName, r.linked]),
      [
        ["acme/api", false],
        ["acme/web", false],
      ],
    );

    const picked = await call(app, "PUT", `${base()}/selection`, { as: owner, body: { repositories: [api.id], autoAdd: true } });
    assert.equal(picked.status, 200, picked.text);
    assert.deepEqual([picked.json.added, picked.json.removed, picked.json.connection.selection], [["acme/api"], [], { repositories: "some", autoAdd: true }]);

    const repo = (await repositoryNamed("acme/api"))!;
    assert.deepEqual(repo.source, { type: "github", connectionId: connection.id, externalId: api.id });
    const ready = await waitForRepository(app, owner, org.slug, repo.id);
    assert.equal(ready.status, "ready", JSON.stringify(ready));
    assert.equal((await search("served by acme api")).length, 1);
    assert.equal(await repositoryNamed("acme/web"), undefined);

    const commit = await github.push(api.id, { "src/server.ts": "export function handleRequest() {\n  return 'freshly pushed line';\n}\n" }, "push one");
    await deliver("push", pushPayload(api, commit));
    await eventually(async () => assert.equal((await search("freshly pushed line")).length, 1), {
      timeoutMs: 30_000,
      message: "the pushed line is searchable",
    });
    const after = await waitForRepository(app, owner, org.slug, repo.id, (r) => r.indexedCommit === commit);
    assert.equal(after.lastRun.kind, "incremental");
    const view = await connectionView();
    assert.equal(view.lastDelivery.event, "push");
    await eventually(async () => assert.match((await connectionView()).lastDelivery.result, /index run queued/), {
      timeoutMs: 30_000,
      message: "the delivery's result",
    });
    assert.equal(view.nextStep, null);

    // Git authenticated with an installation token (after git's anonymous first try, refused);
    // one token served every call so far.
    assert.ok(github.git.requests.some((r) => r.user === "x-access-token"));
    assert.ok(github.git.requests.every((r) => r.user === undefined || r.user === "x-access-token"));
    assert.equal(github.tokensMinted, 1);
    assert.deepEqual(github.schemaErrors, []);
    const { rows } = await app.running.platform.db.unsafeSystem.query<{ n: number }>(
      "select count(*)::int as n from repositories where url like '%ghs_%' or url like '%@%'",
    );
    assert.equal(rows[0]!.n, 0, "no token in a stored URL");
    const { rows: kinds } = await app.running.platform.db.unsafeSystem.query<{ url_kind: string }>(
      "select distinct url_kind from repositories where connection_id is not null",
    );
    assert.deepEqual(
      kinds.map((k) => k.url_kind),
      ["https"],
      "a linked http(s) clone URL is stored as https, not local",
    );
  });

  it("repairs a push whose delivery was lost when the reconcile runs", async () => {
    const repo = (await repositoryNamed("acme/api"))!;
    const commit = await github.push(api.id, { "src/lost.ts": "export const note = 'delivery never arrived';\n" }, "lost delivery");
    // Access to a new repository granted on GitHub, its installation_repositories delivery lost too.
    const docs = await github.addRepository("acme/docs", { "README.md": "# acme docs handbook\n" });
    installation.repositories.add(docs.id);
    const before = (await connectionView()).lastReconcile;
    const queued = await call(app, "POST", `${base()}/reconcile`, { as: owner });
    assert.equal(queued.status, 202, queued.text);
    const reconciled = await eventually(
      async () => {
        const view = await connectionView();
        assert.ok(view.lastReconcile && view.lastReconcile.at !== before?.at, "no new reconcile yet");
        return view.lastReconcile;
      },
      { timeoutMs: 30_000, message: "the reconcile" },
    );
    assert.match(reconciled.result, /1 behind/);
    // Auto-add brings the new one, not acme/web, which was offered at the pick and left out.
    assert.match(reconciled.result, /1 added/);
    assert.ok(await repositoryNamed("acme/docs"));
    assert.equal(await repositoryNamed("acme/web"), undefined);
    await waitForRepository(app, owner, org.slug, repo.id, (r) => r.indexedCommit === commit);
    assert.equal((await search("delivery never arrived")).length, 1);
    assert.deepEqual(github.schemaErrors, []);
  });

  it("queues again a recorded delivery whose job was lost", async () => {
    const repo = (await repositoryNamed("acme/api"))!;
    const commit = await github.push(api.id, { "src/stranded.ts": "export const note = 'recorded but never queued';\n" }, "stranded");
    // As if the process died between committing the delivery and queueing its job.
    const action = { kind: "push", repositoryId: api.id, ref: "refs/heads/main", defaultBranch: "main", after: commit };
    await app.running.platform.db.unsafeSystem.query(
      `insert into webhook_deliveries (org_id, connection_id, delivery_id, event, action, received_at)
       select org_id, id, 'stranded-1', 'push', $2, now() - interval '2 minutes' from connections where id = $1`,
      [connection.id, JSON.stringify(action)],
    );
    await waitForRepository(app, owner, org.slug, repo.id, (r) => r.indexedCommit === commit);
    const { rows } = await app.running.platform.db.unsafeSystem.query<{ result: string }>(
      "select result from webhook_deliveries where delivery_id = 'stranded-1' and processed_at is not null",
    );
    assert.match(rows[0]?.result ?? "", /index run queued/);
  });

  it("keeps a suspension delivered while a reconcile waited on GitHub (#26)", async () => {
    // The reconcile reads the installation (not suspended yet), then the suspension arrives:
    // the reconcile's older view must not write the connection back to active.
    const before = (await connectionView()).lastReconcile;
    const held = github.hold(`/app/installations/${installation.id}`);
    assert.equal((await call(app, "POST", `${base()}/reconcile`, { as: owner })).status, 202);
    await held.reached;
    const suspend = example("installation", "suspend");
    Object.assign(suspend.installation, { id: installation.id });
    try {
      await deliver("installation", suspend);
      await eventually(async () => assert.equal((await connectionView()).status, "suspended"), { timeoutMs: 30_000, message: "the suspension" });
    } finally {
      held.release();
    }
    const reconciled = await eventually(
      async () => {
        const view = await connectionView();
        assert.ok(view.lastReconcile && view.lastReconcile.at !== before?.at, "no new reconcile yet");
        return view;
      },
      { timeoutMs: 30_000, message: "the reconcile" },
    );
    assert.equal(reconciled.status, "suspended", reconciled.lastReconcile.result);
    assert.match(reconciled.nextStep, /suspended/);
    const unsuspend = example("installation", "unsuspend");
    Object.assign(unsuspend.installation, { id: installation.id });
    await deliver("installation", unsuspend);
    await eventually(async () => assert.equal((await connectionView()).status, "active"), { timeoutMs: 30_000, message: "status active" });
  });

  it("follows repositories added, renamed and removed, and the installation's suspension and removal", async () => {
    const added = example("installation_repositories", "added");
    Object.assign(added, { installation: { id: installation.id }, repositories_added: [{ id: web.id, name: "web", full_name: web.fullName, private: true }] });
    await deliver("installation_repositories", added);
    const webRepo = await eventually(async () => (await repositoryNamed("acme/web")) ?? assert.fail("not added yet"), {
      timeoutMs: 30_000,
      message: "acme/web is added (autoAdd)",
    });
    assert.equal((await waitForRepository(app, owner, org.slug, webRepo.id)).status, "ready");
    assert.equal((await search("acme web frontend")).length, 1);

    await github.rename(api.id, "acme/api-v2");
    const renamed = example("repository", "renamed");
    Object.assign(renamed, { installation: { id: installation.id } });
    Object.assign(renamed.repository, repositoryJson(api));
    await deliver("repository", renamed);
    const apiRepo = await eventually(async () => (await repositoryNamed("acme/api-v2")) ?? assert.fail("not renamed yet"), {
      timeoutMs: 30_000,
      message: "the rename",
    });
    // The next push is fetched from the new clone URL.
    const commit = await github.push(api.id, { "src/renamed.ts": "export const after = 'pushed after the rename';\n" });
    await deliver("push", pushPayload(api, commit));
    await waitForRepository(app, owner, org.slug, apiRepo.id, (r) => r.indexedCommit === commit);

    installation.repositories.delete(web.id);
    const removed = example("installation_repositories", "removed");
    Object.assign(removed, {
      installation: { id: installation.id },
      repositories_removed: [{ id: web.id, name: "web", full_name: web.fullName, private: true }],
    });
    await deliver("installation_repositories", removed);
    await eventually(async () => assert.equal(await repositoryNamed("acme/web"), undefined), { timeoutMs: 30_000, message: "acme/web is removed" });

    for (const [action, status] of [
      ["suspend", "suspended"],
      ["unsuspend", "active"],
    ] as const) {
      const body = example("installation", action);
      Object.assign(body.installation, { id: installation.id });
      await deliver("installation", body);
      await eventually(async () => assert.equal((await connectionView()).status, status), { timeoutMs: 30_000, message: `status ${status}` });
    }
    const deleted = example("installation", "deleted");
    Object.assign(deleted.installation, { id: installation.id });
    await deliver("installation", deleted);
    const unbound = await eventually(
      async () => {
        const view = await connectionView();
        assert.equal(view.installation, null);
        return view;
      },
      { timeoutMs: 30_000, message: "the uninstall" },
    );
    assert.equal(unbound.status, "pending");
    assert.match(unbound.nextStep, /Install the App again/);
    // Nothing indexed is lost: the repository stays searchable.
    assert.equal((await search("pushed after the rename")).length, 1);
    assert.deepEqual(github.schemaErrors, []);
  });

  it("creates the App from a manifest (the one-click path) and takes GitHub's webhook secret", async () => {
    const made = await call(app, "POST", `/api/v1/orgs/${org.slug}/connections/github-manifest`, {
      as: owner,
      body: { name: "ctxpipe acme", githubOrganization: "acme" },
    });
    assert.equal(made.status, 200, made.text);
    assert.match(made.json.postUrl, new RegExp(`^${github.apiUrl}/organizations/acme/settings/apps/new\\?state=`));
    const manifest = JSON.parse(made.json.manifest);
    assert.equal(manifest.hook_attributes.url, `http://localhost:3000/api/v1/webhook/github/${made.json.connectionId}`);
    assert.equal(manifest.redirect_url, "http://localhost:3000/github/manifest");
    assert.deepEqual(manifest.default_permissions, { contents: "read", metadata: "read" });
    // installation and installation_repositories reach every App unasked: GitHub does not take them here.
    assert.deepEqual(manifest.default_events, ["push", "repository"]);

    // The browser POSTs the manifest to GitHub, which redirects back with a code and the state.
    const code = github.createAppFromManifest(made.json.manifest);
    const state = new URL(made.json.postUrl).searchParams.get("state")!;
    const converted = await call(app, "POST", `/api/v1/orgs/${org.slug}/connections/github-manifest/conversions`, { as: owner, body: { code, state } });
    assert.equal(converted.status, 201, converted.text);
    assert.equal(converted.json.connection.id, made.json.connectionId);
    assert.equal(converted.json.connection.config.appId, github.app.id);
    assert.equal(converted.json.connection.name, "ctxpipe acme");
    assert.equal(converted.json.webhookSecret, undefined, "GitHub holds the secret already: it is not shown");
    // The code works once.
    const again = await call(app, "POST", `/api/v1/orgs/${org.slug}/connections/github-manifest/conversions`, { as: owner, body: { code, state } });
    assert.equal(again.status, 404, again.text);

    // GitHub signs deliveries with the secret it generated: the connection accepts them.
    const body = JSON.stringify(example("ping"));
    const res = await fetch(`${app.url}/api/v1/webhook/github/${made.json.connectionId}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "ping",
        "x-github-delivery": crypto.randomUUID(),
        "x-hub-signature-256": await sign(github.manifestApp!.webhookSecret, body),
      },
      body,
    });
    assert.equal(res.status, 202);
    assert.deepEqual(github.schemaErrors, []);
    assert.equal((await call(app, "DELETE", `/api/v1/orgs/${org.slug}/connections/${made.json.connectionId}`, { as: owner })).status, 204);
  });

  it("refuses tampered or foreign states, other Apps' installations, one bound elsewhere, and non-admins", async () => {
    const link = await call(app, "GET", `${base()}/install-url`, { as: owner });
    const state = new URL(link.json.url).searchParams.get("state")!;
    const [payload, mac] = state.split(".") as [string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), u: "someone-else" })).toString("base64url");
    const tampered = await call(app, "POST", `${base()}/installation`, { as: owner, body: { installationId: installation.id, state: `${forged}.${mac}` } });
    assert.deepEqual([tampered.status, tampered.json.error.code], [400, "invalid_install_state"]);

    const unknown = await call(app, "POST", `${base()}/installation`, { as: owner, body: { installationId: 99_999_999, state } });
    assert.deepEqual([unknown.status, unknown.json.error.code], [404, "github_not_found"]);

    // Another organisation's connection of the same App cannot take this installation.
    assert.equal((await install(installation.id)).status, 200);
    const rival = await signUp(app);
    const rivalOrg = await createOrgAs(app, rival);
    const theirs = await call(app, "POST", `/api/v1/orgs/${rivalOrg.slug}/connections`, {
      as: rival,
      body: { type: "github", name: "Same App", appId: github.app.id, appSlug: github.app.slug, privateKey: github.app.privateKey },
    });
    const theirBase = `/api/v1/orgs/${rivalOrg.slug}/connections/${theirs.json.connection.id}`;
    const theirLink = await call(app, "GET", `${theirBase}/install-url`, { as: rival });
    const theirState = new URL(theirLink.json.url).searchParams.get("state")!;
    const taken = await call(app, "POST", `${theirBase}/installation`, { as: rival, body: { installationId: installation.id, state: theirState } });
    assert.equal(taken.status, 409, taken.text);
    // Nor can a state from one connection bind another.
    const crossed = await call(app, "POST", `${theirBase}/installation`, { as: rival, body: { installationId: installation.id, state } });
    assert.deepEqual([crossed.status, crossed.json.error.code], [400, "invalid_install_state"]);

    // Members read; only admins install, pick and reconcile.
    const member = await signUp(app);
    const invite = await call(app, "POST", `/api/v1/orgs/${org.slug}/invitations`, { as: owner, body: { email: member.email, role: "member" } });
    const token = new URL(invite.json.inviteUrl).searchParams.get("token");
    assert.equal((await call(app, "POST", "/api/v1/invitations/accept", { as: member, body: { token } })).status, 200);
    assert.equal((await call(app, "GET", `${base()}/available-repositories`, { as: member })).status, 200);
    assert.equal((await call(app, "GET", `${base()}/install-url`, { as: member })).status, 403);
    assert.equal((await call(app, "POST", `${base()}/installation`, { as: member, body: { installationId: installation.id, state } })).status, 403);
    assert.equal((await call(app, "PUT", `${base()}/selection`, { as: member, body: { repositories: "all", autoAdd: false } })).status, 403);
    assert.equal((await call(app, "POST", `${base()}/reconcile`, { as: member })).status, 403);
    // Another organisation's connection is not found, even by its admin.
    assert.equal((await call(app, "POST", `${theirBase.replace(rivalOrg.slug, org.slug)}/reconcile`, { as: owner })).status, 404);

    // A payload of another installation is acknowledged and ignored.
    const foreign = pushPayload(api, "0".repeat(40));
    foreign.installation = { id: 12345 };
    await deliver("push", foreign);
    assert.match((await connectionView()).lastDelivery.result, /installation 12345 is not this connection's/);
  });

  it("(after all the above) never wrote an installation token, the private key or the webhook secret to the log or the database", async () => {
    const secrets = [...github.issuedTokens(), secret, github.app.privateKey.split("\n")[1]!];
    assert.ok(
      github.issuedTokens().length > 0 && logLines.length > 100,
      `the journey ran and logged (${github.issuedTokens().length} tokens, ${logLines.length} lines)`,
    );
    for (const line of logLines) for (const s of secrets) assert.ok(!line.includes(s), `logged a secret: ${line.slice(0, 200)}`);
    const dump = await app.running.platform.db.unsafeSystem.query<{ t: string }>(
      `select string_agg(t::text, ' ') as t from (
         select row_to_json(r)::text as t from repositories r union all select row_to_json(c)::text from connections c
         union all select row_to_json(w)::text from webhook_deliveries w union all select row_to_json(a)::text from audit_events a) x`,
    );
    for (const s of secrets) assert.ok(!dump.rows[0]!.t.includes(s), "a secret is stored in plain text");
  });
});
