/**
 * Members: roles, the owner rules, leaving, and the audit trail they leave.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { withTenant } from "../../src/platform/db/tenant.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

/** Adds `user` to the org directly (invitations have their own tests). */
async function addMember(app: TestApp, orgId: string, user: TestUser, role: string) {
  await withTenant(app.running.platform.db, { orgId }, (tx) =>
    tx.query("insert into org_members (org_id, user_id, role) values ($1, $2, $3)", [orgId, user.id, role]),
  );
}

describe("members", () => {
  let app: TestApp;
  let owner: TestUser;
  let admin: TestUser;
  let member: TestUser;
  let org: { id: string; slug: string };
  before(async () => {
    app = await startTestApp({ roles: ["server"] });
    [owner, admin, member] = await Promise.all([signUp(app, { name: "Olga" }), signUp(app, { name: "Adam" }), signUp(app, { name: "Mia" })]);
    org = await createOrgAs(app, owner);
    await addMember(app, org.id, admin, "admin");
    await addMember(app, org.id, member, "member");
  });
  after(() => app.stop());

  it("lists members with their roles to any member", async () => {
    const res = await call(app, "GET", `/api/v1/orgs/${org.slug}/members`, { as: member });
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.json.members.map((m: { name: string; role: string }) => [m.name, m.role]),
      [
        ["Adam", "admin"],
        ["Mia", "member"],
        ["Olga", "owner"],
      ],
    );
  });

  it("lets only admins change roles, and only owners grant owner", async () => {
    const byMember = await call(app, "PATCH", `/api/v1/orgs/${org.slug}/members/${admin.id}`, { as: member, body: { role: "member" } });
    assert.equal(byMember.status, 403);
    const adminGrantsOwner = await call(app, "PATCH", `/api/v1/orgs/${org.slug}/members/${member.id}`, { as: admin, body: { role: "owner" } });
    assert.equal(adminGrantsOwner.status, 403);
    const adminDemotesOwner = await call(app, "PATCH", `/api/v1/orgs/${org.slug}/members/${owner.id}`, { as: admin, body: { role: "member" } });
    assert.equal(adminDemotesOwner.status, 403);
    const promoted = await call(app, "PATCH", `/api/v1/orgs/${org.slug}/members/${member.id}`, { as: admin, body: { role: "admin" } });
    assert.equal(promoted.status, 200);
    assert.equal(promoted.json.role, "admin");
    const back = await call(app, "PATCH", `/api/v1/orgs/${org.slug}/members/${member.id}`, { as: owner, body: { role: "member" } });
    assert.equal(back.json.role, "member");
    const invalid = await call(app, "PATCH", `/api/v1/orgs/${org.slug}/members/${member.id}`, { as: owner, body: { role: "superuser" } });
    assert.equal(invalid.status, 400);
    const unknown = await call(app, "PATCH", `/api/v1/orgs/${org.slug}/members/nobody`, { as: owner, body: { role: "member" } });
    assert.equal(unknown.status, 404);
  });

  it("keeps the last owner", async () => {
    const demote = await call(app, "PATCH", `/api/v1/orgs/${org.slug}/members/${owner.id}`, { as: owner, body: { role: "admin" } });
    assert.equal(demote.status, 409);
    assert.equal(demote.json.error.code, "last_owner");
    const leave = await call(app, "DELETE", `/api/v1/orgs/${org.slug}/members/${owner.id}`, { as: owner });
    assert.equal(leave.status, 409);
  });

  it("lets a member leave and an admin remove a member, but not a member remove others", async () => {
    const other = await signUp(app);
    await addMember(app, org.id, other, "member");
    const byMember = await call(app, "DELETE", `/api/v1/orgs/${org.slug}/members/${other.id}`, { as: member });
    assert.equal(byMember.status, 403);
    const removed = await call(app, "DELETE", `/api/v1/orgs/${org.slug}/members/${other.id}`, { as: admin });
    assert.equal(removed.status, 204);
    assert.equal((await call(app, "GET", `/api/v1/orgs/${org.slug}`, { as: other })).status, 404);

    const leaver = await signUp(app);
    await addMember(app, org.id, leaver, "member");
    assert.equal((await call(app, "DELETE", `/api/v1/orgs/${org.slug}/members/${leaver.id}`, { as: leaver })).status, 204);
  });

  it("records role changes and removals in the audit log, readable by admins only", async () => {
    const log = await call(app, "GET", `/api/v1/orgs/${org.slug}/audit-events?limit=100`, { as: admin });
    assert.equal(log.status, 200);
    const actions = log.json.events.map((e: { action: string }) => e.action);
    for (const action of ["org.created", "member.role_changed", "member.removed", "member.left"])
      assert.ok(actions.includes(action), `${action} in ${actions}`);
    const change = log.json.events.find((e: { action: string; details: { to?: string } }) => e.action === "member.role_changed" && e.details.to === "admin");
    assert.equal(change.actorUserId, admin.id);
    assert.equal(change.targetId, member.id);
    assert.equal((await call(app, "GET", `/api/v1/orgs/${org.slug}/audit-events`, { as: member })).status, 403);

    const page = await call(app, "GET", `/api/v1/orgs/${org.slug}/audit-events?limit=2`, { as: owner });
    assert.equal(page.json.events.length, 2);
    const next = await call(app, "GET", `/api/v1/orgs/${org.slug}/audit-events?limit=2&cursor=${page.json.nextCursor}`, { as: owner });
    assert.ok(Number(next.json.events[0].id) < Number(page.json.events[1].id));
    assert.equal((await call(app, "GET", `/api/v1/orgs/${org.slug}/audit-events?cursor=abc`, { as: owner })).status, 400);
  });

  it("records sign-ins in the user's organisations", async () => {
    const res = await fetch(`${app.url}/.auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://localhost:3000" },
      body: JSON.stringify({ email: member.email, password: member.password }),
    });
    assert.equal(res.status, 200);
    const log = await call(app, "GET", `/api/v1/orgs/${org.slug}/audit-events?limit=5`, { as: owner });
    const signIn = log.json.events.find((e: { action: string; actorUserId: string }) => e.action === "user.signed_in" && e.actorUserId === member.id);
    assert.ok(signIn, "sign-in recorded");
    assert.equal(signIn.ip, "127.0.0.1");
  });
});
