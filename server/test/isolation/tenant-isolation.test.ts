/**
 * The tenant-isolation suite. It enumerates every org-scoped route from the live OpenAPI
 * document (so a new endpoint is covered, or this suite fails until it is described here)
 * and checks, over real HTTP:
 * - a member of org A, by cookie and by API key, gets 404 for org B's routes;
 * - an API key of org A is refused on org B's routes even when its user belongs to B;
 * - org B's resource ids used under org A's slug answer 404 and change nothing.
 */
import assert from "node:assert/strict";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { call, createOrgAs, signUp, type As, type TestUser } from "../harness/http-client.js";
import { githubAppKey } from "../harness/github-app-key.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

/** A valid body for each mutating org route, so that only the tenant check can refuse it. */
const BODIES: Record<string, unknown> = {
  "patch /api/v1/orgs/{orgSlug}": { name: "Renamed by intruder" },
  "patch /api/v1/orgs/{orgSlug}/members/{userId}": { role: "admin" },
  "post /api/v1/orgs/{orgSlug}/invitations": { email: "intruder@example.test", role: "member" },
  "post /api/v1/orgs/{orgSlug}/invitations/{invitationId}/resend": undefined,
  "post /api/v1/orgs/{orgSlug}/api-keys": { name: "intruder key" },
  "post /api/v1/orgs/{orgSlug}/repositories": { url: "https://github.com/intruder/repo.git" },
  "post /api/v1/orgs/{orgSlug}/repositories/{repository}/reindex": undefined,
  "patch /api/v1/orgs/{orgSlug}/repositories/{repository}": { refreshIntervalSeconds: 0 },
  "patch /api/v1/orgs/{orgSlug}/repository-settings": { refreshIntervalSeconds: 0 },
  "post /api/v1/orgs/{orgSlug}/connections": { type: "github", name: "Intruder", appId: 1, appSlug: "intruder", privateKey: githubAppKey() },
  "post /api/v1/orgs/{orgSlug}/connections/{connectionId}/reconcile": undefined,
  "post /api/v1/orgs/{orgSlug}/connections/{connectionId}/webhook-secret": undefined,
  "patch /api/v1/orgs/{orgSlug}/connections/{connectionId}": { name: "Intruded" },
  "post /api/v1/orgs/{orgSlug}/connections/github-manifest": { name: "Intruder" },
  "post /api/v1/orgs/{orgSlug}/connections/github-manifest/conversions": { code: "abc", state: "x.y" },
  "post /api/v1/orgs/{orgSlug}/connections/{connectionId}/installation": { installationId: 1, state: "x.y" },
  "put /api/v1/orgs/{orgSlug}/connections/{connectionId}/selection": { repositories: "all", autoAdd: false },
  "post /api/v1/orgs/{orgSlug}/connections/confluence": { name: "Intruder wiki", clientId: "intruder", clientSecret: "intruder-secret" },
  "patch /api/v1/orgs/{orgSlug}/connections/confluence/{connectionId}": { name: "Intruded wiki" },
  "post /api/v1/orgs/{orgSlug}/connections/confluence/{connectionId}/authorize": undefined,
  "put /api/v1/orgs/{orgSlug}/connections/confluence/{connectionId}/spaces": { spaces: "all" },
  "post /api/v1/orgs/{orgSlug}/connections/confluence/{connectionId}/sync": { full: true },
  "post /api/v1/orgs/{orgSlug}/chat/conversations": { prompt: "Show me the secrets" },
  "post /api/v1/orgs/{orgSlug}/chat/conversations/{conversationId}/regenerate": undefined,
  "post /api/v1/orgs/{orgSlug}/embeddings/backfill": undefined,
};
/** Valid query strings for routes that need one, so that only the tenant check can refuse them. */
const QUERIES: Record<string, string> = {
  "get /api/v1/orgs/{orgSlug}/search": "?q=secret",
  "get /api/v1/orgs/{orgSlug}/symbols": "?name=secret",
  "get /api/v1/orgs/{orgSlug}/references": "?name=secret",
  "get /api/v1/orgs/{orgSlug}/repositories/{repository}/file": "?path=README.md",
  "get /api/v1/orgs/{orgSlug}/repositories/{repository}/outline": "?path=README.md",
};
const MUTATING = new Set(["post", "patch", "put", "delete"]);

interface OrgFixture {
  slug: string;
  owner: TestUser;
  /** Resource ids by path-parameter name. */
  ids: Record<string, string>;
  /** The repository's name, which {repository} also accepts. */
  repositoryName?: string;
}

describe("tenant isolation", () => {
  let app: TestApp;
  let routes: { method: string; path: string }[];
  let orgA: OrgFixture;
  let orgB: OrgFixture;
  let alice: TestUser;
  let carol: TestUser;
  let aliceKeyA: string;
  let carolKeyA: string;
  let bobKeyB: string;

  before(async () => {
    app = await startTestApp({ roles: ["server"], env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" } });
    const bob = await signUp(app, { name: "Bob" });
    [alice, carol] = await Promise.all([signUp(app, { name: "Alice" }), signUp(app, { name: "Carol" })]);
    const a = await createOrgAs(app, alice);
    const b = await createOrgAs(app, bob);
    // Carol belongs to both organisations.
    for (const [org, owner] of [
      [a, alice],
      [b, bob],
    ] as const) {
      const invite = await call(app, "POST", `/api/v1/orgs/${org.slug}/invitations`, { as: owner, body: { email: carol.email, role: "member" } });
      assert.equal(invite.status, 201, invite.text);
      const token = new URL(invite.json.inviteUrl).searchParams.get("token");
      const accepted = await call(app, "POST", "/api/v1/invitations/accept", { as: carol, body: { token } });
      assert.equal(accepted.status, 200, accepted.text);
    }
    const key = async (user: TestUser, slug: string) => {
      const res = await call(app, "POST", `/api/v1/orgs/${slug}/api-keys`, { as: user, body: { name: "k" } });
      assert.equal(res.status, 201, res.text);
      return res.json as { key: string; apiKey: { id: string } };
    };
    aliceKeyA = (await key(alice, a.slug)).key;
    carolKeyA = (await key(carol, a.slug)).key;
    const bobKey = await key(bob, b.slug);
    bobKeyB = bobKey.key;
    const pending = await call(app, "POST", `/api/v1/orgs/${b.slug}/invitations`, { as: bob, body: { email: "pending@example.test" } });
    assert.equal(pending.status, 201, pending.text);
    const connectionB = await call(app, "POST", `/api/v1/orgs/${b.slug}/connections`, {
      as: bob,
      body: { type: "github", name: "B's GitHub", appId: 2, appSlug: "b-app", privateKey: githubAppKey() },
    });
    assert.equal(connectionB.status, 201, connectionB.text);
    const repoB = await call(app, "POST", `/api/v1/orgs/${b.slug}/repositories`, {
      as: bob,
      body: { url: path.join(os.tmpdir(), "ctxpipe-isolation", "b-private") },
    });
    assert.equal(repoB.status, 201, repoB.text);
    const conversationB = await call(app, "POST", `/api/v1/orgs/${b.slug}/chat/conversations`, { as: bob, body: { prompt: "Where is the payroll secret?" } });
    assert.equal(conversationB.status, 200, conversationB.text);
    const confluenceB = await call(app, "POST", `/api/v1/orgs/${b.slug}/connections/confluence`, {
      as: bob,
      body: { name: "B's wiki", clientId: "b-client", clientSecret: "b-secret" },
    });
    assert.equal(confluenceB.status, 201, confluenceB.text);
    // A synced page of B's (written as the sync would, by the owner role: no Atlassian here).
    const documentB = `doc_${"b".repeat(20)}`;
    const owner = new pg.Client({ connectionString: app.db.url });
    await owner.connect();
    await owner.query(
      `insert into documents (id, org_id, connection_id, source_id, space_key, space_name, title, url, version, updated_at, line_count)
       values ($1, (select id from orgs where slug = $2), $3, '1', 'PAY', 'Payroll', 'Pay bands', 'https://b.atlassian.net/wiki/x', 1, now(), 1)`,
      [documentB, b.slug, confluenceB.json.id],
    );
    await owner.end();
    orgA = { slug: a.slug, owner: alice, ids: {} };
    orgB = {
      slug: b.slug,
      owner: bob,
      ids: {
        userId: bob.id,
        keyId: bobKey.apiKey.id,
        invitationId: pending.json.invitation.id,
        repository: repoB.json.id,
        connectionId: connectionB.json.connection.id,
        conversationId: conversationB.json.conversationId,
        "confluence:connectionId": confluenceB.json.id,
        documentId: documentB,
      },
      repositoryName: repoB.json.name,
    };

    const doc = (await (await fetch(`${app.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(doc.paths)
      .filter(([path]) => path.includes("{orgSlug}"))
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method, path })));
  });
  after(() => app.stop());

  function urlFor(route: { method: string; path: string }, slug: string, ids: Record<string, string>): string {
    return `${route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      if (name === "orgSlug") return slug;
      // {connectionId} of the Confluence routes is a Confluence connection's.
      const id = (route.path.includes("/connections/confluence/") ? ids[`confluence:${name}`] : undefined) ?? ids[name];
      if (!id) throw new Error(`the isolation suite has no org B resource for {${name}} in ${route.path}: add one`);
      return id;
    })}${QUERIES[`${route.method} ${route.path}`] ?? ""}`;
  }

  function bodyFor(route: { method: string; path: string }): unknown {
    const key = `${route.method} ${route.path}`;
    if (MUTATING.has(route.method) && route.method !== "delete" && !(key in BODIES)) {
      throw new Error(`the isolation suite has no body for ${key}: add one to BODIES`);
    }
    return BODIES[key];
  }

  it("covers every org-scoped route of the API", () => {
    assert.ok(routes.length >= 22, `found ${routes.length} org routes`);
  });

  for (const [label, credential] of [
    ["a member's cookie", () => ({ cookie: alice.cookie }) as As],
    ["a member's API key (x-api-key)", () => ({ apiKey: aliceKeyA }) as As],
    ["a member's API key (Bearer)", () => ({ apiKey: aliceKeyA, header: "bearer" }) as As],
    ["an org A key whose user also belongs to B", () => ({ apiKey: carolKeyA }) as As],
  ] as const) {
    it(`answers 404 to ${label} on every org B route`, async () => {
      for (const route of routes) {
        const res = await call(app, route.method.toUpperCase(), urlFor(route, orgB.slug, orgB.ids), { as: credential(), body: bodyFor(route) });
        assert.equal(res.status, 404, `${route.method} ${route.path}: ${res.status} ${res.text}`);
        assert.equal(res.json?.error?.code, "not_found");
      }
    });
  }

  it("lets Carol's cookie into B (so the key's 404 comes from its binding to A)", async () => {
    assert.equal((await call(app, "GET", `/api/v1/orgs/${orgB.slug}`, { as: carol })).status, 200);
  });

  it("answers 404 to org B's resource ids under org A's slug, and changes nothing", async () => {
    for (const route of routes.filter((r) => /\{(?!orgSlug)\w+\}/.test(r.path))) {
      const res = await call(app, route.method.toUpperCase(), urlFor(route, orgA.slug, orgB.ids), { as: alice, body: bodyFor(route) });
      assert.equal(res.status, 404, `${route.method} ${route.path}: ${res.status} ${res.text}`);
    }
    // {repository} takes a name too: org B's repository name under org A's slug is not found either.
    for (const route of routes.filter((r) => r.path.includes("{repository}"))) {
      const res = await call(app, route.method.toUpperCase(), urlFor(route, orgA.slug, { ...orgB.ids, repository: orgB.repositoryName! }), {
        as: alice,
        body: bodyFor(route),
      });
      assert.equal(res.status, 404, `${route.method} ${route.path} by name: ${res.status} ${res.text}`);
    }
    // Org B is untouched: its key works, its invitation is pending, Bob is still owner.
    const me = await call(app, "GET", "/api/v1/me", { as: { apiKey: bobKeyB } });
    assert.equal(me.status, 200);
    const invitations = await call(app, "GET", `/api/v1/orgs/${orgB.slug}/invitations`, { as: orgB.owner });
    const pending = invitations.json.invitations.find((i: { id: string }) => i.id === orgB.ids.invitationId);
    assert.equal(pending.status, "pending");
    const members = await call(app, "GET", `/api/v1/orgs/${orgB.slug}/members`, { as: orgB.owner });
    assert.equal(members.json.members.find((m: { userId: string }) => m.userId === orgB.owner.id).role, "owner");
    const org = await call(app, "GET", `/api/v1/orgs/${orgB.slug}`, { as: orgB.owner });
    assert.notEqual(org.json.name, "Renamed by intruder");
    const repo = await call(app, "GET", `/api/v1/orgs/${orgB.slug}/repositories/${orgB.ids.repository}`, { as: orgB.owner });
    assert.equal(repo.json.status, "queued", "org B's repository was neither deleted nor re-indexed");
    const wiki = await call(app, "GET", `/api/v1/orgs/${orgB.slug}/connections/confluence/${orgB.ids["confluence:connectionId"]}`, { as: orgB.owner });
    assert.equal(wiki.json.name, "B's wiki");
    assert.equal(wiki.json.spaces, null, "org B's Confluence connection was not changed");
    const page = await call(app, "GET", `/api/v1/orgs/${orgB.slug}/documents/${orgB.ids.documentId}`, { as: orgB.owner });
    assert.equal(page.status, 200, "org B's document is still there");
  });

  it("lists only the caller's organisations", async () => {
    const mine = await call(app, "GET", "/api/v1/orgs", { as: alice });
    assert.deepEqual(
      mine.json.orgs.map((o: { slug: string }) => o.slug),
      [orgA.slug],
    );
    const keyView = await call(app, "GET", "/api/v1/orgs", { as: { apiKey: carolKeyA } });
    assert.deepEqual(
      keyView.json.orgs.map((o: { slug: string }) => o.slug),
      [orgA.slug],
      "a key sees only its org",
    );
  });
});
