/**
 * Organisation invitations over real HTTP, real Postgres and a real SMTP sink: invite by
 * e-mail, preview, accept (right and wrong user), revoke, resend, expiry, role rules, the
 * copy-the-link fallback without e-mail, and the audit trail.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createLogger } from "../../src/platform/logging.js";
import { call, createOrgAs, signUp, uniqueEmail, type TestUser } from "../harness/http-client.js";
import { startSmtpSink, type SinkMessage, type SmtpSink } from "../harness/smtp-sink.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

const LINK = /http:\/\/localhost:3000\/invitations\/accept\?token=([A-Za-z0-9_-]{43})/;

function tokenOf(message: SinkMessage): string {
  const token = LINK.exec(message.text)?.[1];
  assert.ok(token, `no invitation link in: ${message.text}`);
  return token;
}

describe("invitations", () => {
  let sink: SmtpSink;
  let app: TestApp;
  let alice: TestUser;
  let mallory: TestUser;
  const logLines: string[] = [];

  before(async () => {
    sink = await startSmtpSink({ rejectRecipient: (address) => address.startsWith("bounce-") });
    app = await startTestApp({
      roles: ["server"],
      env: { SMTP_CONNECTION_URL: `smtp://127.0.0.1:${sink.port}`, EMAIL_FROM_ADDRESS: "ctx <ctx@example.test>" },
      logger: createLogger("info", { write: (line: string) => void logLines.push(line) }),
    });
    alice = await signUp(app, { name: "Alice" });
    mallory = await signUp(app, { name: "Mallory" });
  });
  after(async () => {
    await app?.stop();
    await sink?.stop();
  });

  /** Invites `email` into `slug` as alice and returns the token from the e-mail. */
  async function invite(slug: string, email: string, role = "member", as: TestUser = alice): Promise<{ id: string; token: string }> {
    const before = new Set(sink.messages);
    const res = await call(app, "POST", `/api/v1/orgs/${slug}/invitations`, { as, body: { email, role } });
    assert.equal(res.status, 201, res.text);
    const mail = await sink.waitForMessage((m) => !before.has(m) && m.to.includes(email));
    return { id: res.json.invitation.id, token: tokenOf(mail) };
  }

  const accept = (user: TestUser, token: string) => call(app, "POST", "/api/v1/invitations/accept", { as: user, body: { token } });

  /** Makes `user` a member of `slug` with `role` through an invitation. */
  async function join(slug: string, user: TestUser, role: string): Promise<void> {
    const { token } = await invite(slug, user.email, role);
    assert.equal((await accept(user, token)).status, 200);
  }

  it("e-mails the link, previews it, and lets only the invited address accept", async () => {
    const { slug } = await createOrgAs(app, alice);
    const bobEmail = uniqueEmail("bob");
    const res = await call(app, "POST", `/api/v1/orgs/${slug}/invitations`, { as: alice, body: { email: bobEmail.toUpperCase(), role: "admin" } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.emailSent, true);
    assert.equal(res.json.inviteUrl, undefined, "the link goes only to the invitee");
    assert.equal(res.json.invitation.email, bobEmail);
    assert.equal(res.json.invitation.status, "pending");
    assert.ok(!res.text.includes("token"), "no token or hash in the response");

    const mail = await sink.waitForMessage((m) => m.to.includes(bobEmail));
    assert.match(mail.subject, /Alice/);
    assert.match(mail.subject, new RegExp(`Org ${slug}`));
    const token = tokenOf(mail);

    const preview = await call(app, "GET", `/api/v1/invitations/${token}`);
    assert.equal(preview.status, 200, preview.text);
    assert.deepEqual(
      { ...preview.json, expiresAt: undefined },
      { orgName: `Org ${slug}`, orgSlug: slug, email: bobEmail, role: "admin", status: "pending", expiresAt: undefined },
    );
    assert.equal((await call(app, "GET", `/api/v1/invitations/${"x".repeat(43)}`)).status, 404);

    const wrong = await accept(mallory, token);
    assert.equal(wrong.status, 403);
    assert.equal(wrong.json.error.code, "invitation_email_mismatch");

    const bob = await signUp(app, { email: bobEmail, name: "Bob" });
    const ok = await accept(bob, token);
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.json.org, { id: ok.json.org.id, slug, name: `Org ${slug}`, role: "admin" });
    const members = await call(app, "GET", `/api/v1/orgs/${slug}/members`, { as: alice });
    assert.equal(members.json.members.find((m: { email: string }) => m.email === bobEmail)?.role, "admin");

    const again = await accept(bob, token);
    assert.equal(again.status, 410);
    assert.equal(again.json.error.code, "invitation_unavailable");
    assert.equal((await call(app, "GET", `/api/v1/invitations/${token}`)).json.status, "accepted");

    const list = await call(app, "GET", `/api/v1/orgs/${slug}/invitations`, { as: alice });
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.json.invitations.map((i: { email: string; status: string }) => [i.email, i.status]),
      [[bobEmail, "accepted"]],
    );
    assert.ok(!list.text.includes(token) && !list.text.includes("token"), "the list never shows tokens or hashes");
  });

  it("refuses inviting a member or an address with an open invitation (409)", async () => {
    const { slug } = await createOrgAs(app, alice);
    const member = await call(app, "POST", `/api/v1/orgs/${slug}/invitations`, { as: alice, body: { email: alice.email } });
    assert.equal(member.status, 409);
    const email = uniqueEmail("twice");
    await invite(slug, email);
    const dup = await call(app, "POST", `/api/v1/orgs/${slug}/invitations`, { as: alice, body: { email: email.toUpperCase() } });
    assert.equal(dup.status, 409);
    assert.equal(dup.json.error.code, "conflict");
  });

  it("revokes: the link stops working", async () => {
    const { slug } = await createOrgAs(app, alice);
    const carol = await signUp(app, { name: "Carol" });
    const { id, token } = await invite(slug, carol.email);
    assert.equal((await call(app, "DELETE", `/api/v1/orgs/${slug}/invitations/${id}`, { as: alice })).status, 204);
    const res = await accept(carol, token);
    assert.equal(res.status, 410);
    assert.equal(res.json.error.code, "invitation_unavailable");
    const list = await call(app, "GET", `/api/v1/orgs/${slug}/invitations`, { as: alice });
    assert.equal(list.json.invitations[0].status, "revoked");
    // A revoked invitation no longer blocks a new one.
    const { token: fresh } = await invite(slug, carol.email);
    assert.equal((await accept(carol, fresh)).status, 200);
  });

  it("resends with a new link and kills the old one", async () => {
    const { slug } = await createOrgAs(app, alice);
    const email = uniqueEmail("dora");
    const { id, token: old } = await invite(slug, email);
    const res = await call(app, "POST", `/api/v1/orgs/${slug}/invitations/${id}/resend`, { as: alice });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.emailSent, true);
    const mail = await sink.waitForMessage((m) => m.to.includes(email) && !m.text.includes(old));
    const fresh = tokenOf(mail);
    assert.notEqual(fresh, old);
    assert.equal((await call(app, "GET", `/api/v1/invitations/${old}`)).status, 404);
    assert.equal((await call(app, "GET", `/api/v1/invitations/${fresh}`)).json.status, "pending");
    const dora = await signUp(app, { email, name: "Dora" });
    assert.equal((await accept(dora, old)).status, 404);
    assert.equal((await accept(dora, fresh)).status, 200);
  });

  it("refuses an expired invitation with 410", async () => {
    const { slug } = await createOrgAs(app, alice);
    const email = uniqueEmail("late");
    const { id, token } = await invite(slug, email);
    await app.running.platform.db.unsafeSystem.query("update org_invitations set expires_at = now() - interval '1 minute' where id = $1", [id]);
    assert.equal((await call(app, "GET", `/api/v1/invitations/${token}`)).json.status, "expired");
    const late = await signUp(app, { email, name: "Late" });
    const res = await accept(late, token);
    assert.equal(res.status, 410);
    assert.equal(res.json.error.code, "invitation_expired");
  });

  it("applies the role rules: members cannot invite, admins cannot invite owners", async () => {
    const { slug } = await createOrgAs(app, alice);
    const admin = await signUp(app, { name: "Admin" });
    await join(slug, admin, "admin");
    await join(slug, mallory, "member");
    const byMember = await call(app, "POST", `/api/v1/orgs/${slug}/invitations`, { as: mallory, body: { email: uniqueEmail() } });
    assert.equal(byMember.status, 403);
    assert.equal((await call(app, "GET", `/api/v1/orgs/${slug}/invitations`, { as: mallory })).status, 403);
    const owner = await call(app, "POST", `/api/v1/orgs/${slug}/invitations`, { as: admin, body: { email: uniqueEmail(), role: "owner" } });
    assert.equal(owner.status, 403);
    await invite(slug, uniqueEmail(), "member", admin);
    await invite(slug, uniqueEmail(), "owner", alice);
  });

  it("never logs the token when inviting, resending or accepting", async () => {
    const { slug } = await createOrgAs(app, alice);
    const email = uniqueEmail("quiet");
    const { id, token: first } = await invite(slug, email);
    await call(app, "POST", `/api/v1/orgs/${slug}/invitations/${id}/resend`, { as: alice });
    const second = tokenOf(await sink.waitForMessage((m) => m.to.includes(email) && !m.text.includes(first)));
    const quiet = await signUp(app, { email });
    assert.equal((await accept(quiet, second)).status, 200);
    assert.ok(
      logLines.some((line) => line.includes("e-mail sent")),
      "the logger captured lines",
    );
    assert.ok(!logLines.some((line) => line.includes(first) || line.includes(second)));
  });

  it("never logs the token when previewing", async () => {
    const { slug } = await createOrgAs(app, alice);
    const { token } = await invite(slug, uniqueEmail("peek"));
    assert.equal((await call(app, "GET", `/api/v1/invitations/${token}`)).status, 200);
    assert.ok(!logLines.some((line) => line.includes(token)));
  });

  it("withdraws the invitation when the e-mail cannot be sent (502)", async () => {
    const { slug } = await createOrgAs(app, alice);
    const email = uniqueEmail("bounce");
    const res = await call(app, "POST", `/api/v1/orgs/${slug}/invitations`, { as: alice, body: { email } });
    assert.equal(res.status, 502, res.text);
    assert.equal(res.json.error.code, "email_failed");
    const list = await call(app, "GET", `/api/v1/orgs/${slug}/invitations`, { as: alice });
    assert.deepEqual(list.json.invitations, []);
    const audit = await call(app, "GET", `/api/v1/orgs/${slug}/audit-events`, { as: alice });
    assert.equal(audit.json.events[0].action, "invitation.email_failed");
    // Nothing is left open, so trying again is not a conflict.
    assert.equal((await call(app, "POST", `/api/v1/orgs/${slug}/invitations`, { as: alice, body: { email } })).status, 502);
  });

  it("records invitation events in the audit log without the token", async () => {
    const { slug } = await createOrgAs(app, alice);
    const email = uniqueEmail("audited");
    const { id, token } = await invite(slug, email, "admin");
    await call(app, "POST", `/api/v1/orgs/${slug}/invitations/${id}/resend`, { as: alice });
    await call(app, "DELETE", `/api/v1/orgs/${slug}/invitations/${id}`, { as: alice });
    const res = await call(app, "GET", `/api/v1/orgs/${slug}/audit-events`, { as: alice });
    assert.equal(res.status, 200);
    const events = res.json.events as { action: string; targetId: string; details: Record<string, unknown> }[];
    const created = events.find((e) => e.action === "invitation.created");
    assert.deepEqual(created?.details, { email, role: "admin" });
    assert.equal(created?.targetId, id);
    assert.deepEqual(
      events.filter((e) => e.action.startsWith("invitation.")).map((e) => e.action),
      ["invitation.revoked", "invitation.resent", "invitation.created"],
    );
    assert.ok(!res.text.includes(token));
  });
});

describe("invitations without e-mail", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ roles: ["server"] });
  });
  after(() => app?.stop());

  it("returns the link to the inviter instead", async () => {
    const owner = await signUp(app);
    const { slug } = await createOrgAs(app, owner);
    const email = uniqueEmail("nomail");
    const res = await call(app, "POST", `/api/v1/orgs/${slug}/invitations`, { as: owner, body: { email } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.emailSent, false);
    const token = LINK.exec(res.json.inviteUrl)?.[1];
    assert.ok(token, res.json.inviteUrl);
    const invitee = await signUp(app, { email });
    assert.equal((await call(app, "POST", "/api/v1/invitations/accept", { as: invitee, body: { token } })).status, 200);
  });
});
