/**
 * A password reset ends OAuth access too: whoever knew the old password may have authorised
 * apps, so their consents and tokens go with the sessions.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { call, signUp } from "../harness/http-client.js";
import { startSmtpSink, type SmtpSink } from "../harness/smtp-sink.js";
import type { TestApp } from "../harness/test-app.js";
import { createIndexedOrg, HARNESS_ORIGIN, mcpToolsList, obtainTokens, startOAuthTestApp, tokenRequest } from "./oauth-helpers.js";

describe("password reset and OAuth apps", () => {
  let sink: SmtpSink;
  let app: TestApp;
  let root: string;

  before(async () => {
    sink = await startSmtpSink();
    app = await startOAuthTestApp({ SMTP_CONNECTION_URL: `smtp://127.0.0.1:${sink.port}`, EMAIL_FROM_ADDRESS: "ctx <ctx@example.test>" });
  });
  after(async () => {
    await app?.stop();
    await sink?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("revokes every authorised app when the password is reset", async () => {
    const user = await signUp(app);
    const org = await createIndexedOrg(app, user, "reset-org");
    root = org.root;
    const { clientId, tokens } = await obtainTokens(app, user, { resource: `${app.url}/mcp` });
    assert.equal((await mcpToolsList(app, org.slug, tokens.access_token)).status, 200);

    const requested = await call(app, "POST", "/.auth/request-password-reset", {
      body: { email: user.email, redirectTo: `${app.url}/` },
      headers: { origin: HARNESS_ORIGIN },
    });
    assert.equal(requested.status, 200, requested.text);
    const mail = await sink.waitForMessage((m) => m.to.includes(user.email));
    const token = /\/\.auth\/reset-password\/([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
    assert.ok(token, mail.text);
    const reset = await call(app, "POST", "/.auth/reset-password", {
      body: { token, newPassword: "a fresh passphrase 2026" },
      headers: { origin: HARNESS_ORIGIN },
    });
    assert.equal(reset.status, 200, reset.text);

    assert.equal((await mcpToolsList(app, org.slug, tokens.access_token)).status, 401, "the access token is void");
    const refresh = await tokenRequest(app, { grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: clientId });
    assert.equal(refresh.json.error, "invalid_grant", "the refresh token is gone");
  });
});
