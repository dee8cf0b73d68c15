/**
 * Confluence as a docs source, against a local fake of Atlassian (harness/fake-atlassian.ts):
 * an admin adds the OAuth app, connects (state single use, bound to the admin), picks a space;
 * the sync turns pages into documents (headings, code blocks, links kept; attachments counted;
 * restricted pages and their children withheld); REST search with type:doc and space:, MCP
 * search_docs, read_doc and get_context find and cite them; an edited page is re-synced
 * (only it is fetched again), a deleted or moved-out page disappears; a revoked grant shows as
 * a connection error. Another organisation sees none of it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { eventually } from "../harness/eventually.js";
import { type FakeAtlassian, startFakeAtlassian } from "../harness/fake-atlassian.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

/** The test app's AUTH_BASE_URL (harness/test-app.ts). */
const BASE_URL = "http://localhost:3000";
const RUNBOOK = `<h1>Deploying the API</h1><p>Roll out with the pipeline, then check <a href="https://grafana.acme.example/d/api">the Grafana board</a>.</p>
<ac:structured-macro ac:name="code" ac:schema-version="1"><ac:parameter ac:name="language">bash</ac:parameter><ac:plain-text-body><![CDATA[kubectl rollout status deploy/api
kubectl get pods -l app=api]]></ac:plain-text-body></ac:structured-macro>
<h2>Rollback</h2><ul><li><p>Run <code>kubectl rollout undo deploy/api</code></p></li><li><p>See <ac:link><ri:page ri:content-title="Incident process" /></ac:link></p></li></ul>`;
const RETENTION = `<p>Logs are kept for 30 days &amp; then deleted.</p><ac:image><ri:attachment ri:filename="retention-diagram.png" /></ac:image>`;

describe("Confluence connections", () => {
  let fake: FakeAtlassian;
  let app: TestApp;
  let admin: TestUser;
  let member: TestUser;
  let org: { id: string; slug: string };
  let connectionId: string;
  let key: string;
  const base = () => `/api/v1/orgs/${org.slug}/connections/confluence`;

  /** Waits for a sync newer than `after` to be recorded; answers the connection. */
  const synced = (afterAt: string | null) =>
    eventually(
      async () => {
        const res = await call(app, "GET", `${base()}/${connectionId}`, { as: admin });
        assert.ok(res.json.lastSync && res.json.lastSync.at !== afterAt, "no new sync yet");
        return res.json;
      },
      { timeoutMs: 30_000, message: "no sync recorded" },
    );
  const syncNow = async (full = false) => {
    const before = (await call(app, "GET", `${base()}/${connectionId}`, { as: admin })).json.lastSync?.at ?? null;
    const res = await call(app, "POST", `${base()}/${connectionId}/sync`, { as: admin, body: full ? { full } : {} });
    assert.equal(res.status, 202, res.text);
    return synced(before);
  };
  const search = async (q: string, as: TestUser = admin, slug = org.slug) => {
    const res = await call(app, "GET", `/api/v1/orgs/${slug}/search?q=${encodeURIComponent(q)}`, { as });
    assert.equal(res.status, 200, res.text);
    return res.json.documents as {
      id: string;
      title: string;
      citation: string;
      version: number;
      author: string | null;
      space: { key: string };
      lines: { line: number; text: string }[];
    }[];
  };
  /** The admin's browser: Atlassian's consent page redirects to the callback, followed with the admin's cookie. */
  const connect = async (as: TestUser) => {
    const started = await call(app, "POST", `${base()}/${connectionId}/authorize`, { as: admin });
    assert.equal(started.status, 200, started.text);
    const consent = await fetch(started.json.authorizeUrl, { redirect: "manual" });
    assert.equal(consent.status, 302);
    const back = new URL(consent.headers.get("location")!);
    assert.equal(back.pathname, "/api/v1/integrations/atlassian/callback");
    return { callback: `${back.pathname}${back.search}`, response: await call(app, "GET", `${back.pathname}${back.search}`, { as }) };
  };

  before(async () => {
    fake = await startFakeAtlassian();
    fake.addPage({ id: "1001", title: "Deploy runbook", spaceId: "98305", parentId: null, authorId: "557058:alice", body: RUNBOOK, restricted: false });
    fake.addPage({ id: "1002", title: "Retention policy", spaceId: "98305", parentId: null, authorId: "557058:bob", body: RETENTION, restricted: false });
    fake.addPage({
      id: "1003",
      title: "Salaries",
      spaceId: "98305",
      parentId: null,
      authorId: "557058:bob",
      body: "<p>confidential pay bands</p>",
      restricted: true,
    });
    fake.addPage({
      id: "1004",
      title: "Bands 2027",
      spaceId: "98305",
      parentId: "1003",
      authorId: "557058:bob",
      body: "<p>confidential bands</p>",
      restricted: false,
    });
    fake.addPage({
      id: "1101",
      title: "Holiday policy",
      spaceId: "98306",
      parentId: null,
      authorId: "557058:alice",
      body: "<p>25 days of holiday</p>",
      restricted: false,
    });
    app = await startTestApp({
      env: {
        CTXPIPE_GIT_ALLOWED_HOSTS: "127.0.0.1",
        ATLASSIAN_AUTH_URL: fake.url,
        ATLASSIAN_API_URL: fake.url,
      },
    });
    admin = await signUp(app);
    member = await signUp(app);
    org = await createOrgAs(app, admin);
    const invite = await call(app, "POST", `/api/v1/orgs/${org.slug}/invitations`, { as: admin, body: { email: member.email, role: "member" } });
    assert.equal(invite.status, 201, invite.text);
    const token = new URL(invite.json.inviteUrl).searchParams.get("token");
    assert.equal((await call(app, "POST", "/api/v1/invitations/accept", { as: member, body: { token } })).status, 200);
    key = (await call(app, "POST", `/api/v1/orgs/${org.slug}/api-keys`, { as: member, body: { name: "agent" } })).json.key;
  });
  after(async () => {
    await app?.stop();
    await fake?.stop();
  });

  it("connects with a single-use state bound to the admin, then lists the site's spaces", async () => {
    const created = await call(app, "POST", base(), { as: admin, body: { name: "Acme wiki", clientId: fake.clientId, clientSecret: fake.clientSecret } });
    assert.equal(created.status, 201, created.text);
    assert.ok(!created.text.includes(fake.clientSecret), "the secret is never shown");
    assert.equal(created.json.status, "pending");
    assert.equal(created.json.registration.callbackUrl, `${BASE_URL}/api/v1/integrations/atlassian/callback`);
    assert.match(created.json.nextStep, /Connect to Atlassian/);
    connectionId = created.json.id;
    assert.equal((await call(app, "POST", `${base()}/${connectionId}/authorize`, { as: member })).status, 403, "members cannot connect");

    // Another user cannot finish the admin's authorisation, and does not use it up.
    const stolen = await connect(member);
    assert.equal(stolen.response.status, 403, stolen.response.text);
    const { callback, response } = await connect(admin);
    assert.equal(response.status, 302, response.text);
    assert.equal(response.headers.get("location"), `${BASE_URL}/${org.slug}/settings/connections?confluence=${connectionId}`);
    const replay = await call(app, "GET", callback, { as: admin });
    assert.equal(replay.status, 400);
    assert.equal(replay.json.error.code, "invalid_oauth_state");

    const connection = (await call(app, "GET", `${base()}/${connectionId}`, { as: member })).json;
    assert.equal(connection.status, "active");
    assert.deepEqual(connection.site, { cloudId: fake.cloudId, url: fake.siteUrl, name: "acme" });
    assert.match(connection.nextStep, /Pick the spaces/);
    const spaces = await call(app, "GET", `${base()}/${connectionId}/spaces`, { as: admin });
    assert.deepEqual(
      spaces.json.spaces.map((s: { key: string; selected: boolean }) => [s.key, s.selected]),
      [
        ["ENG", false],
        ["HR", false],
      ],
    );
  });

  it("syncs the picked space: text with headings, code and links; attachments counted; restricted pages withheld", async () => {
    const picked = await call(app, "PUT", `${base()}/${connectionId}/spaces`, { as: admin, body: { spaces: ["ENG"] } });
    assert.equal(picked.status, 200, picked.text);
    const connection = await synced(null);
    assert.equal(connection.lastError, null);
    assert.deepEqual(
      { ...connection.lastSync, at: undefined },
      {
        at: undefined,
        result: "ok",
        spaces: 1,
        pages: 4,
        added: 4,
        updated: 0,
        deleted: 0,
        unchanged: 0,
        restrictedSkipped: 2,
        attachmentsSkipped: 1,
        failedPages: 0,
        truncated: false,
      },
    );
    const [runbook] = await search("type:doc kubectl rollout");
    assert.equal(runbook?.title, "Deploy runbook");
    assert.equal(runbook.author, "Alice Example");
    assert.equal(runbook.citation, `${fake.siteUrl}/wiki/spaces/ENG/pages/1001/Deploy+runbook (version 1)`);
    assert.ok(runbook.lines.some((l) => l.text === "kubectl rollout status deploy/api"));
    const read = await call(app, "GET", `/api/v1/orgs/${org.slug}/documents/${runbook.id}`, { as: member });
    assert.equal(read.status, 200, read.text);
    assert.deepEqual(
      read.json.lines.map((l: { text: string }) => l.text),
      [
        "# Deploy runbook",
        "# Deploying the API",
        "Roll out with the pipeline, then check [the Grafana board](https://grafana.acme.example/d/api).",
        "```bash",
        "kubectl rollout status deploy/api",
        "kubectl get pods -l app=api",
        "```",
        "## Rollback",
        "- Run kubectl rollout undo deploy/api",
        "- See [Incident process]",
      ],
    );
    assert.equal((await search("space:ENG retention"))[0]?.title, "Retention policy");
    assert.deepEqual(await search("type:doc confidential"), [], "restricted pages and their children are withheld");
    assert.deepEqual(await search("type:doc holiday"), [], "spaces not picked are not synced");
    assert.deepEqual(await search("space:HR policy"), []);
    const bad = await call(app, "GET", `/api/v1/orgs/${org.slug}/search?q=${encodeURIComponent("type:doc repo:x kubectl")}`, { as: admin });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /filter code, not documents/);
    const short = await call(app, "GET", `/api/v1/orgs/${org.slug}/search?q=${encodeURIComponent("type:doc ab")}`, { as: admin });
    assert.equal(short.status, 400, "a pattern the trigram index cannot narrow is refused");
    assert.match(short.json.error.message, /three letters or digits in a row/);
    assert.deepEqual(
      (await search("type:doc kubectl -rollback")).map((d) => d.title),
      [],
      "a negated pattern excludes every document with it",
    );
    assert.deepEqual(
      (await search("type:doc kubectl -xyzzy")).map((d) => d.title),
      ["Deploy runbook"],
    );
  });

  it("serves documents to agents over MCP: search_docs, read_doc, get_context", async () => {
    const client = new Client({ name: "docs-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${app.url}/mcp?orgSlug=${org.slug}`), { requestInit: { headers: { Authorization: `Bearer ${key}` } } }),
    );
    try {
      const text = async (name: string, args: Record<string, unknown>) => {
        const result = await client.callTool({ name, arguments: args });
        assert.notEqual(result.isError, true, JSON.stringify(result.content));
        return { text: (result.content as { text: string }[])[0]!.text, structured: result.structuredContent as Record<string, any> };
      };
      const found = await text("search_docs", { query: "rollback", space: "ENG" });
      assert.match(
        found.text,
        /Deploy runbook \[ENG\] https:\/\/acme\.atlassian\.net\/wiki\/spaces\/ENG\/pages\/1001\/Deploy\+runbook \(version 1\) by Alice Example/,
      );
      assert.match(found.text, /8: ## Rollback/);
      const id = found.structured.documents[0].id;
      const read = await text("read_doc", { id, startLine: 4, endLine: 5 });
      assert.match(read.text, /lines 4-5 of 10/);
      assert.match(read.text, /4 {2}```bash\n5 {2}kubectl rollout status deploy\/api/);
      assert.match(read.text, /More: read_doc with startLine 6/);
      const context = await text("get_context", { topic: "Retention policy" });
      assert.match(context.text, /## Documents\n- Retention policy \[ENG\] \(read_doc doc_[a-z0-9]{20}\) .*\(version 1\)/);
      assert.equal((await text("search_docs", { query: "salaries" })).structured.documents.length, 0);
    } finally {
      await client.close();
    }
  });

  it("re-syncs an edited page alone, and drops deleted and moved-out pages", async () => {
    fake.editPage("1001", { body: `${RUNBOOK}<p>Use helm upgrade for chart changes.</p>` });
    fake.pages.delete("1002");
    fake.bodyFetches.length = 0;
    fake.expireAccessTokens(); // the sync refreshes, and must keep the rotated refresh token
    const connection = await syncNow();
    assert.deepEqual(fake.bodyFetches, ["1001"], "only the changed page is fetched");
    assert.equal(connection.lastSync.updated, 1);
    assert.equal(connection.lastSync.deleted, 1);
    assert.equal(connection.lastSync.unchanged, 2);
    const [runbook] = await search("type:doc helm upgrade");
    assert.equal(runbook?.version, 2);
    assert.match(runbook.citation, /\(version 2\)$/);
    assert.deepEqual(await search("type:doc retention"), []);

    fake.editPage("1001", { spaceId: "98306" }); // moved to a space that is not synced
    fake.expireAccessTokens();
    const moved = await syncNow();
    assert.equal(moved.lastSync.deleted, 1);
    assert.deepEqual(await search("type:doc helm"), []);
  });

  it("recomputes inherited restrictions every sync, and reads unedited pages' restrictions on a full sync", async () => {
    // The parent is edited and its restriction lifted: its unchanged child follows at once.
    fake.pages.get("1003")!.restricted = false;
    fake.editPage("1003", { body: "<p>confidential pay bands, now public</p>" });
    const lifted = await syncNow();
    assert.equal(lifted.lastSync.updated, 2, "the edited page and its child, whose standing came from it");
    assert.deepEqual((await search("type:doc confidential")).map((d) => d.title).sort(), ["Bands 2027", "Salaries"]);
    // Restricted again without an edit: only a full sync reads it, and the child goes with it.
    fake.pages.get("1003")!.restricted = true;
    await syncNow();
    assert.equal((await search("type:doc confidential")).length, 2, "an incremental sync cannot see it");
    await syncNow(true);
    assert.deepEqual(await search("type:doc confidential"), [], "withheld again, the child with it");
  });

  it("counts a page whose restrictions cannot be read as failed, and adds it once they can", async () => {
    fake.addPage({
      id: "1005",
      title: "Pager rota",
      spaceId: "98305",
      parentId: null,
      authorId: "557058:alice",
      body: "<p>weekly pager rota</p>",
      restricted: false,
    });
    fake.failingRestrictions.add("1005");
    const failing = await syncNow();
    assert.equal(failing.lastSync.failedPages, 1);
    assert.deepEqual(await search("type:doc pager rota"), [], "not indexed without knowing its restrictions");
    fake.failingRestrictions.clear();
    const retried = await syncNow();
    assert.equal(retried.lastSync.added, 1);
    assert.equal((await search("type:doc pager rota"))[0]?.title, "Pager rota");
  });

  it("includes restricted pages only when told to, and keeps them out of other organisations", async () => {
    const changed = await call(app, "PATCH", `${base()}/${connectionId}`, { as: admin, body: { includeRestricted: true } });
    assert.equal(changed.status, 200, changed.text);
    await synced(changed.json.lastSync.at);
    assert.deepEqual((await search("type:doc confidential")).map((d) => d.title).sort(), ["Bands 2027", "Salaries"]);

    const stranger = await signUp(app);
    const theirs = await createOrgAs(app, stranger);
    assert.deepEqual(await search("type:doc confidential", stranger, theirs.slug), []);
    const [salaries] = await search("type:doc salaries");
    assert.equal((await call(app, "GET", `/api/v1/orgs/${theirs.slug}/documents/${salaries!.id}`, { as: stranger })).status, 404);
    assert.equal((await call(app, "GET", `/api/v1/orgs/${theirs.slug}/connections/confluence/${connectionId}`, { as: stranger })).status, 404);
  });

  it("shows a revoked grant as a connection error, and deleting the connection deletes its documents", async () => {
    fake.revokeGrant();
    const connection = await syncNow();
    assert.equal(connection.status, "error");
    assert.match(connection.lastError, /revoked/);
    assert.match(connection.nextStep, /Connect again/);
    const spaces = await call(app, "GET", `${base()}/${connectionId}/spaces`, { as: admin });
    assert.equal(spaces.status, 409);
    assert.equal(spaces.json.error.code, "atlassian_grant_revoked");

    assert.equal((await call(app, "DELETE", `${base()}/${connectionId}`, { as: admin })).status, 204);
    assert.deepEqual(await search("type:doc kubectl"), []);
  });
});
