/**
 * Password reset by e-mail over real HTTP and a real SMTP sink: the link arrives, the new
 * password works, the old one and the old sessions stop working, and the token never reaches
 * the log. Without e-mail the endpoint says it is unavailable.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createLogger } from "../../src/platform/logging.js";
import { call, signIn, signUp } from "../harness/http-client.js";
import { startSmtpSink, type SmtpSink } from "../harness/smtp-sink.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

const ORIGIN = "http://localhost:3000";
const REDIRECT = `${ORIGIN}/reset-password`;

describe("password reset by e-mail", () => {
  let sink: SmtpSink;
  let app: TestApp;
  const logLines: string[] = [];

  before(async () => {
    sink = await startSmtpSink();
    app = await startTestApp({
      roles: ["server"],
      env: { SMTP_CONNECTION_URL: `smtp://127.0.0.1:${sink.port}`, EMAIL_FROM_ADDRESS: "ctx <ctx@example.test>" },
      logger: createLogger("info", { write: (line: string) => void logLines.push(line) }),
    });
  });
  after(async () => {
    await app?.stop();
    await sink?.stop();
  });

  it("mails a link whose token sets a new password and ends the old sessions", async () => {
    const user = await signUp(app, { name: "Forgetful" });
    assert.equal((await call(app, "GET", "/api/v1/me", { as: user })).status, 200);

    const requested = await call(app, "POST", "/.auth/request-password-reset", {
      body: { email: user.email, redirectTo: REDIRECT },
      headers: { origin: ORIGIN },
    });
    assert.equal(requested.status, 200, requested.text);

    const mail = await sink.waitForMessage((m) => m.to.includes(user.email));
    const link = /(http:\/\/localhost:3000\/\.auth\/reset-password\/([A-Za-z0-9_-]+)\?callbackURL=\S+)/.exec(mail.text);
    assert.ok(link, `no reset link in: ${mail.text}`);
    const token = link[2]!;
    assert.equal(new URL(link[1]!).searchParams.get("callbackURL"), REDIRECT);

    const newPassword = "a brand new passphrase 42";
    const reset = await call(app, "POST", "/.auth/reset-password", { body: { token, newPassword }, headers: { origin: ORIGIN } });
    assert.equal(reset.status, 200, reset.text);

    assert.equal((await signIn(app, user.email, newPassword)).status, 200);
    assert.equal((await signIn(app, user.email, user.password)).status, 401);
    assert.equal((await call(app, "GET", "/api/v1/me", { as: user })).status, 401, "old sessions are revoked");

    const again = await call(app, "POST", "/.auth/reset-password", { body: { token, newPassword: "yet another passphrase" }, headers: { origin: ORIGIN } });
    assert.equal(again.status, 400, "the token is single-use");

    assert.ok(logLines.length > 0, "the logger captured lines");
    assert.ok(!logLines.some((line) => line.includes(token)), "the reset token never appears in the log");
  });

  it("keeps the token out of the log when the link is opened", async () => {
    const user = await signUp(app, { name: "Clicker" });
    await call(app, "POST", "/.auth/request-password-reset", { body: { email: user.email, redirectTo: REDIRECT }, headers: { origin: ORIGIN } });
    const mail = await sink.waitForMessage((m) => m.to.includes(user.email));
    const link = /http:\/\/localhost:3000(\/\.auth\/reset-password\/([A-Za-z0-9_-]+)\S*)/.exec(mail.text);
    assert.ok(link);
    const opened = await call(app, "GET", link[1]!);
    assert.equal(opened.status, 302);
    assert.equal(new URL(opened.headers.get("location")!).pathname, "/reset-password");
    assert.ok(!logLines.some((line) => line.includes(link[2]!)), "the reset token never appears in the log");
  });

  it("answers the same for an unknown address, and sends nothing", async () => {
    const res = await call(app, "POST", "/.auth/request-password-reset", {
      body: { email: "nobody-here@example.test", redirectTo: REDIRECT },
      headers: { origin: ORIGIN },
    });
    assert.equal(res.status, 200, res.text);
    // Proving that no mail comes takes a wait; a mail to a known address arrives well within it.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(sink.messages.filter((m) => m.to.includes("nobody-here@example.test")).length, 0);
  });

  it("says so in /.auth/config", async () => {
    const res = await call(app, "GET", "/.auth/config");
    assert.equal(res.json.passwordReset, true);
  });
});

describe("password reset without e-mail", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ roles: ["server"] });
  });
  after(() => app?.stop());

  it("is unavailable (503) and /.auth/config says so", async () => {
    const user = await signUp(app);
    const res = await call(app, "POST", "/.auth/request-password-reset", {
      body: { email: user.email, redirectTo: REDIRECT },
      headers: { origin: ORIGIN },
    });
    assert.equal(res.status, 503);
    assert.equal(res.json.error.code, "password_reset_unavailable");
    const config = await call(app, "GET", "/.auth/config");
    assert.equal(config.status, 200);
    assert.equal(config.json.passwordReset, false);
  });
});
