/**
 * Organisation API keys over real HTTP on real Postgres: create, authenticate with them
 * (x-api-key and Bearer), their org boundary, list, revoke, expiry, member removal, the
 * per-user limit, the audit trail, and what is (not) stored.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

describe("API keys", () => {
  let app: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let orgA: { id: string; slug: string };
  let orgB: { id: string; slug: string };

  const sql = (text: string, values: unknown[] = []) => app.running.platform.db.unsafeSystem.query(text, values);
  const addMember = (orgId: string, user: TestUser, role = "member") =>
    sql("insert into org_members (org_id, user_id, role) values ($1, $2, $3)", [orgId, user.id, role]);
  const keysUrl = (slug: string) => `/api/v1/orgs/${slug}/api-keys`;

  /** Creates a key as `user` (session) in `slug`; returns the response body. */
  async function createKey(user: TestUser, slug: string, body: Record<string, unknown> = { name: "laptop" }) {
    const res = await call(app, "POST", keysUrl(slug), { as: user, body });
    assert.equal(res.status, 201, res.text);
    return res.json as { apiKey: { id: string; prefix: string; [k: string]: unknown }; key: string };
  }

  before(async () => {
    app = await startTestApp({ roles: ["server"] });
    alice = await signUp(app, { name: "Alice" });
    bob = await signUp(app, { name: "Bob" });
    orgA = await createOrgAs(app, alice);
    orgB = await createOrgAs(app, alice);
    await addMember(orgA.id, bob);
  });
  after(() => app.stop());

  it("creates a key that works with x-api-key and Bearer, for its organisation only", async () => {
    const { apiKey, key } = await createKey(alice, orgA.slug, { name: "ci", expiresInDays: 30 });
    assert.match(key, /^ctx_[A-Za-z0-9_-]{40}$/);
    assert.equal(apiKey.prefix, key.slice(0, 12));
    assert.equal(apiKey.name, "ci");
    assert.equal(apiKey.userId, alice.id);
    assert.equal(apiKey.revokedAt, null);
    const days = (Date.parse(apiKey.expiresAt as string) - Date.now()) / 86_400_000;
    assert.ok(days > 29.9 && days <= 30, `expires in 30 days, not ${days}`);
    assert.deepEqual(Object.keys(apiKey).sort(), ["createdAt", "expiresAt", "id", "lastUsedAt", "name", "prefix", "revokedAt", "userId"]);

    for (const header of ["x-api-key", "bearer"] as const) {
      const org = await call(app, "GET", `/api/v1/orgs/${orgA.slug}`, { as: { apiKey: key, header } });
      assert.equal(org.status, 200, org.text);
      assert.equal(org.json.role, "owner");
      const me = await call(app, "GET", "/api/v1/me", { as: { apiKey: key, header } });
      assert.equal(me.status, 200);
      assert.equal(me.json.authType, "api_key");
      assert.deepEqual(
        me.json.orgs.map((o: { slug: string }) => o.slug),
        [orgA.slug],
        "only the key's organisation",
      );
    }
    // alice belongs to org B too, but the key does not.
    const other = await call(app, "GET", `/api/v1/orgs/${orgB.slug}`, { as: { apiKey: key } });
    assert.equal(other.status, 404);
    assert.equal((await call(app, "GET", keysUrl(orgB.slug), { as: { apiKey: key } })).status, 404);
  });

  it("cannot create organisations or keys with a key", async () => {
    const { key } = await createKey(alice, orgA.slug);
    const org = await call(app, "POST", "/api/v1/orgs", { as: { apiKey: key }, body: { slug: "from-a-key", name: "Nope" } });
    assert.equal(org.status, 403);
    assert.equal(org.json.error.code, "session_required");
    const another = await call(app, "POST", keysUrl(orgA.slug), { as: { apiKey: key }, body: { name: "child" } });
    assert.equal(another.status, 403);
    assert.equal(another.json.error.code, "session_required");
  });

  it("validates the name and the expiry", async () => {
    for (const body of [{ name: "" }, { name: "x".repeat(101) }, { name: "k", expiresInDays: 0 }, { name: "k", expiresInDays: 366 }, {}]) {
      const res = await call(app, "POST", keysUrl(orgA.slug), { as: alice, body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.json.error.code, "invalid_input");
    }
  });

  it("lists prefix and last use, never the key or its hash; members see only their own", async () => {
    const { apiKey, key } = await createKey(bob, orgA.slug, { name: "bob's key" });
    const hash = createHash("sha256").update(key).digest("hex");
    const before = await call(app, "GET", keysUrl(orgA.slug), { as: bob });
    assert.equal(before.json.apiKeys.find((k: { id: string }) => k.id === apiKey.id).lastUsedAt, null);
    assert.equal((await call(app, "GET", "/api/v1/me", { as: { apiKey: key } })).status, 200);

    const mine = await call(app, "GET", keysUrl(orgA.slug), { as: bob });
    assert.equal(mine.status, 200);
    assert.ok(
      mine.json.apiKeys.every((k: { userId: string }) => k.userId === bob.id),
      "a member sees only their own keys",
    );
    const listed = mine.json.apiKeys.find((k: { id: string }) => k.id === apiKey.id);
    assert.equal(listed.prefix, key.slice(0, 12));
    assert.ok(listed.lastUsedAt, "last use is recorded");
    assert.equal(listed.user, undefined);

    const all = await call(app, "GET", keysUrl(orgA.slug), { as: alice });
    const ids = all.json.apiKeys.map((k: { userId: string }) => k.userId);
    assert.ok(ids.includes(alice.id) && ids.includes(bob.id), "an owner sees everyone's keys");
    assert.deepEqual(all.json.apiKeys.find((k: { id: string }) => k.id === apiKey.id).user, { email: bob.email, name: "Bob" });
    for (const res of [mine, all]) {
      assert.ok(!res.text.includes(key) && !res.text.includes(hash) && !res.text.includes("hash"), "no secret in the list");
    }
  });

  it("stores only the sha256 of the key", async () => {
    const { apiKey, key } = await createKey(alice, orgA.slug);
    const { rows } = await sql("select key_hash, prefix from api_keys where id = $1", [apiKey.id]);
    assert.equal(rows[0].key_hash, createHash("sha256").update(key).digest("hex"));
    assert.equal(rows[0].prefix, key.slice(0, 12));
    const leaked = await sql("select count(*)::int as n from api_keys t where t::text like '%' || $1 || '%'", [key.slice(4)]);
    assert.equal(leaked.rows[0].n, 0, "the plain key is nowhere in api_keys");
  });

  it("refuses revoked, expired and malformed keys with 401", async () => {
    const revoked = await createKey(alice, orgA.slug);
    assert.equal((await call(app, "DELETE", `${keysUrl(orgA.slug)}/${revoked.apiKey.id}`, { as: alice })).status, 204);
    const afterRevoke = await call(app, "GET", `/api/v1/orgs/${orgA.slug}`, { as: { apiKey: revoked.key } });
    assert.equal(afterRevoke.status, 401);
    assert.equal(afterRevoke.json.error.code, "invalid_api_key");
    assert.equal((await call(app, "DELETE", `${keysUrl(orgA.slug)}/${revoked.apiKey.id}`, { as: alice })).status, 204, "revoking twice is harmless");

    const expired = await createKey(alice, orgA.slug, { name: "short", expiresInDays: 1 });
    await sql("update api_keys set expires_at = now() - interval '1 minute' where id = $1", [expired.apiKey.id]);
    const afterExpiry = await call(app, "GET", "/api/v1/me", { as: { apiKey: expired.key, header: "bearer" } });
    assert.equal(afterExpiry.status, 401);
    assert.equal(afterExpiry.json.error.code, "invalid_api_key");

    const malformed = await call(app, "GET", "/api/v1/me", { as: { apiKey: "ctx_nope" } });
    assert.equal(malformed.status, 401);
    assert.equal(malformed.json.error.code, "invalid_api_key");
  });

  it("lets a member revoke only their own keys (another's answers 404); admins revoke any", async () => {
    const carol = await signUp(app, { name: "Carol" });
    const dave = await signUp(app, { name: "Dave" });
    await addMember(orgA.id, carol);
    await addMember(orgA.id, dave, "admin");
    const alices = await createKey(alice, orgA.slug);
    const carols = await createKey(carol, orgA.slug);

    const denied = await call(app, "DELETE", `${keysUrl(orgA.slug)}/${alices.apiKey.id}`, { as: carol });
    assert.equal(denied.status, 404);
    const unknown = await call(app, "DELETE", `${keysUrl(orgA.slug)}/00000000-0000-4000-8000-000000000000`, { as: carol });
    assert.equal(unknown.status, 404);
    assert.equal(denied.json.error.message, unknown.json.error.message, "existence does not leak");
    assert.equal((await call(app, "GET", "/api/v1/me", { as: { apiKey: alices.key } })).status, 200, "still valid");

    // A key of another org is unknown here, even to its owner.
    const inB = await createKey(alice, orgB.slug);
    assert.equal((await call(app, "DELETE", `${keysUrl(orgA.slug)}/${inB.apiKey.id}`, { as: alice })).status, 404);

    assert.equal((await call(app, "DELETE", `${keysUrl(orgA.slug)}/${carols.apiKey.id}`, { as: dave })).status, 204);
    assert.equal((await call(app, "GET", "/api/v1/me", { as: { apiKey: carols.key } })).status, 401);
  });

  it("stops a removed member's keys", async () => {
    const erin = await signUp(app, { name: "Erin" });
    await addMember(orgA.id, erin);
    const { key } = await createKey(erin, orgA.slug);
    assert.equal((await call(app, "GET", `/api/v1/orgs/${orgA.slug}`, { as: { apiKey: key } })).status, 200);
    assert.equal((await call(app, "DELETE", `/api/v1/orgs/${orgA.slug}/members/${erin.id}`, { as: alice })).status, 204);
    const res = await call(app, "GET", `/api/v1/orgs/${orgA.slug}`, { as: { apiKey: key } });
    assert.equal(res.status, 401);
    assert.equal(res.json.error.code, "invalid_api_key");
  });

  it("allows at most 50 active keys per user and org, also under concurrent requests", async () => {
    const frank = await signUp(app, { name: "Frank" });
    await addMember(orgB.id, frank);
    const results = await Promise.all(Array.from({ length: 55 }, (_, i) => call(app, "POST", keysUrl(orgB.slug), { as: frank, body: { name: `key ${i}` } })));
    assert.equal(results.filter((r) => r.status === 201).length, 50);
    const refused = results.filter((r) => r.status !== 201);
    assert.ok(
      refused.every((r) => r.status === 409 && r.json.error.code === "api_key_limit"),
      refused[0]?.text,
    );
    // Revoking one frees a slot.
    const first = results.find((r) => r.status === 201)!;
    assert.equal((await call(app, "DELETE", `${keysUrl(orgB.slug)}/${first.json.apiKey.id}`, { as: frank })).status, 204);
    assert.equal((await call(app, "POST", keysUrl(orgB.slug), { as: frank, body: { name: "one more" } })).status, 201);
  });

  it("records creation and revocation in the audit log", async () => {
    const { apiKey } = await createKey(alice, orgA.slug, { name: "audited", expiresInDays: 7 });
    await call(app, "DELETE", `${keysUrl(orgA.slug)}/${apiKey.id}`, { as: alice });
    const res = await call(app, "GET", `/api/v1/orgs/${orgA.slug}/audit-events?limit=100`, { as: alice });
    assert.equal(res.status, 200);
    const events = res.json.events.filter((e: { targetId: string }) => e.targetId === apiKey.id);
    assert.deepEqual(
      events.map((e: { action: string }) => e.action),
      ["api_key.revoked", "api_key.created"],
    );
    const created = events[1];
    assert.deepEqual(created.details, { name: "audited", prefix: apiKey.prefix, expiresAt: apiKey.expiresAt });
    assert.equal(created.actorUserId, alice.id);
    assert.equal(created.targetType, "api_key");
  });

  it("says in the audit log which user and which key acted", async () => {
    const robot = await createKey(alice, orgA.slug, { name: "robot" });
    const settings = `/api/v1/orgs/${orgA.slug}/repository-settings`;
    const byKey = await call(app, "PATCH", settings, { as: { apiKey: robot.key }, body: { refreshIntervalSeconds: 600 } });
    assert.equal(byKey.status, 200, byKey.text);
    const res = await call(app, "GET", `/api/v1/orgs/${orgA.slug}/audit-events?limit=100`, { as: alice });
    const created = res.json.events.find((e: { targetId: string; action: string }) => e.targetId === robot.apiKey.id && e.action === "api_key.created");
    assert.deepEqual(created.actor, { type: "user", userId: alice.id, email: alice.email, name: "Alice", apiKeyId: null, apiKeyName: null });
    const updated = res.json.events.find((e: { action: string }) => e.action === "repository_settings.updated");
    assert.deepEqual(updated.actor, { type: "api_key", userId: alice.id, email: alice.email, name: "Alice", apiKeyId: robot.apiKey.id, apiKeyName: "robot" });
  });

  it("documents the routes in the OpenAPI document", async () => {
    const res = await call(app, "GET", "/api/v1/openapi.json");
    assert.equal(res.status, 200);
    const paths = res.json.paths;
    assert.deepEqual(Object.keys(paths["/api/v1/orgs/{orgSlug}/api-keys"]).sort(), ["get", "post"]);
    assert.match(paths["/api/v1/orgs/{orgSlug}/api-keys/{keyId}"].delete.summary, /404/);
  });
});
