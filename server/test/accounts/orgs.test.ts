/**
 * Sign-up, organisations and members over real HTTP on real Postgres.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { call, createOrgAs, signIn, signUp, type TestUser } from "../harness/http-client.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

describe("organisations", () => {
  let app: TestApp;
  let alice: TestUser;
  before(async () => {
    app = await startTestApp({ roles: ["server"] });
    alice = await signUp(app, { name: "Alice" });
  });
  after(() => app.stop());

  it("answers 401 without credentials", async () => {
    const res = await call(app, "GET", "/api/v1/me");
    assert.equal(res.status, 401);
    assert.equal(res.json.error.code, "unauthorized");
  });

  it("creates an organisation whose creator is owner, and lists it", async () => {
    const created = await call(app, "POST", "/api/v1/orgs", { as: alice, body: { slug: "acme-labs", name: "Acme Labs" } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.slug, "acme-labs");
    const me = await call(app, "GET", "/api/v1/me", { as: alice });
    assert.equal(me.status, 200);
    assert.equal(me.json.user.email, alice.email);
    assert.deepEqual(
      me.json.orgs.map((o: { slug: string; role: string }) => [o.slug, o.role]),
      [["acme-labs", "owner"]],
    );
    const org = await call(app, "GET", "/api/v1/orgs/acme-labs", { as: alice });
    assert.equal(org.status, 200);
    assert.equal(org.json.name, "Acme Labs");
  });

  it("refuses duplicate, reserved and malformed slugs with the right status", async () => {
    await createOrgAs(app, alice, "taken-slug");
    const dup = await call(app, "POST", "/api/v1/orgs", { as: alice, body: { slug: "taken-slug", name: "Again" } });
    assert.equal(dup.status, 409);
    assert.equal(dup.json.error.code, "conflict");
    const reserved = await call(app, "POST", "/api/v1/orgs", { as: alice, body: { slug: "admin", name: "Admin" } });
    assert.equal(reserved.status, 400);
    assert.equal(reserved.json.error.details.fields[0].path, "slug");
    // The web app's own pages: an organisation named like one would shadow it.
    for (const slug of ["sign-in", "sign-up", "invitations", "status", "new"]) {
      assert.equal((await call(app, "POST", "/api/v1/orgs", { as: alice, body: { slug, name: slug } })).status, 400, slug);
    }
    const bad = await call(app, "POST", "/api/v1/orgs", { as: alice, body: { slug: "-Bad Slug", name: "" } });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json.error.details.fields.map((f: { path: string }) => f.path).sort(), ["name", "slug"]);
  });

  it("hides organisations from non-members with 404", async () => {
    const { slug } = await createOrgAs(app, alice);
    const mallory = await signUp(app);
    const res = await call(app, "GET", `/api/v1/orgs/${slug}`, { as: mallory });
    assert.equal(res.status, 404);
    const missing = await call(app, "GET", "/api/v1/orgs/no-such-org-here", { as: mallory });
    assert.equal(missing.status, 404);
    assert.deepEqual(res.json.error.message, missing.json.error.message, "existence does not leak");
  });

  it("refuses a cookie-authenticated mutation from another origin", async () => {
    const res = await call(app, "POST", "/api/v1/orgs", {
      as: alice,
      body: { slug: "csrf-org", name: "CSRF" },
      headers: { origin: "https://evil.example.com" },
    });
    assert.equal(res.status, 403);
    assert.equal(res.json.error.code, "csrf_failed");
  });

  it("renames (admin) and deletes (owner only) with role checks", async () => {
    const { slug } = await createOrgAs(app, alice);
    const renamed = await call(app, "PATCH", `/api/v1/orgs/${slug}`, { as: alice, body: { name: "Renamed" } });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.json.name, "Renamed");
    const deleted = await call(app, "DELETE", `/api/v1/orgs/${slug}`, { as: alice });
    assert.equal(deleted.status, 204);
    assert.equal((await call(app, "GET", `/api/v1/orgs/${slug}`, { as: alice })).status, 404);
  });

  it("signs in with the password and refuses a wrong one", async () => {
    const ok = await signIn(app, alice.email, alice.password);
    assert.equal(ok.status, 200);
    assert.ok(ok.cookie.includes("ctxpipe.session_token="));
    const bad = await signIn(app, alice.email, "wrong password!!");
    assert.equal(bad.status, 401);
  });
});
