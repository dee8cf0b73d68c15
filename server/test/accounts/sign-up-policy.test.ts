/**
 * AUTH_SIGN_UP over real HTTP: by default the first account is free and later ones need an
 * invitation (its token, for the invited address); `domains:` admits listed domains and
 * invitations; `open` admits anyone. Refusals are 403 with a code and a message the sign-up
 * page shows; /.auth/config says which rule applies.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { call, createOrgAs, ORIGIN, signUp, uniqueEmail, type TestUser } from "../harness/http-client.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

/** A raw e-mail sign-up: status and Better Auth's error body. */
async function trySignUp(app: TestApp, email: string, invitationToken?: string): Promise<{ status: number; body: { code?: string; message?: string } }> {
  const res = await fetch(`${app.url}/.auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: ORIGIN },
    body: JSON.stringify({ email, password: "correct horse battery staple", name: "N", ...(invitationToken ? { invitationToken } : {}) }),
  });
  return { status: res.status, body: (await res.json()) as { code?: string; message?: string } };
}

describe("sign-up policy", () => {
  let app: TestApp;
  let first: TestUser;
  let org: { slug: string };

  before(async () => {
    // AUTH_SIGN_UP unset: the instance default.
    app = await startTestApp({ roles: ["server"], env: { AUTH_SIGN_UP: "" } });
  });
  after(() => app?.stop());

  it("lets the first user sign up, then asks for an invitation", async () => {
    const readConfig = async () => (await (await fetch(`${app.url}/.auth/config`)).json()) as { signUp: { mode: string }; hasUsers: boolean };
    const config = await readConfig();
    assert.deepEqual(config.signUp, { mode: "first-user" });
    // An empty instance: the web app lands its first visitor on Sign up.
    assert.equal(config.hasUsers, false);
    first = await signUp(app);
    assert.equal((await readConfig()).hasUsers, true);
    org = await createOrgAs(app, first);
    const second = await trySignUp(app, uniqueEmail());
    assert.equal(second.status, 403);
    assert.equal(second.body.code, "sign_up_invite_only");
    assert.match(second.body.message ?? "", /by invitation only: ask an organisation admin to invite you/);
  });

  it("admits an invited address with its invitation token, and nobody else with it", async () => {
    const email = uniqueEmail();
    const invite = await call(app, "POST", `/api/v1/orgs/${org.slug}/invitations`, { as: first, body: { email, role: "member" } });
    assert.equal(invite.status, 201, invite.text);
    const token = new URL(invite.json.inviteUrl).searchParams.get("token")!;

    const other = await trySignUp(app, uniqueEmail(), token);
    assert.equal(other.status, 403);
    assert.equal(other.body.code, "invitation_email_mismatch");
    assert.match(other.body.message ?? "", new RegExp(`sent to ${email.replace(/[.+]/g, "\\$&")}`));
    const unknown = await trySignUp(app, email, "A".repeat(43));
    assert.equal(unknown.status, 403);
    assert.equal(unknown.body.code, "invitation_not_found");
    // Without the token the invited address is not enough for an e-mail sign-up (unverified).
    assert.equal((await trySignUp(app, email)).body.code, "sign_up_invite_only");

    const invited = await signUp(app, { email, invitationToken: token });
    const accepted = await call(app, "POST", "/api/v1/invitations/accept", { as: invited, body: { token } });
    assert.equal(accepted.status, 200, accepted.text);
    // An accepted invitation opens nothing more.
    assert.equal((await trySignUp(app, uniqueEmail(), token)).body.code, "invitation_unavailable");
  });

  it("admits listed domains with domains:, and anyone with open", async () => {
    const domains = await startTestApp({ roles: ["server"], db: app.db, env: { AUTH_SIGN_UP: "domains:example.com, Example.ORG" } });
    try {
      assert.equal((await trySignUp(domains, `dee-${Date.now()}@example.org`)).status, 200);
      const refused = await trySignUp(domains, `eve-${Date.now()}@elsewhere.test`);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.code, "sign_up_domain_not_allowed");
      assert.match(refused.body.message ?? "", /addresses at example\.com, example\.org, or by invitation/);
    } finally {
      await domains.stop();
    }
    const open = await startTestApp({ roles: ["server"], db: app.db, env: { AUTH_SIGN_UP: "open" } });
    try {
      assert.equal((await trySignUp(open, `frank-${Date.now()}@elsewhere.test`)).status, 200);
    } finally {
      await open.stop();
    }
  });
});
