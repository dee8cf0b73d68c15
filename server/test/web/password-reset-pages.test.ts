/**
 * The password-reset pages in a real browser, with a real SMTP sink: "Forgot your password?"
 * on sign-in, the e-mailed link lands on /reset-password, the new password signs in and the
 * old one does not; a used link says it is not valid; without e-mail the page says to ask an
 * administrator. axe-core finds no serious or critical violation on either page.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { launchBrowser } from "../harness/browser.js";
import { signIn, signUp } from "../harness/http-client.js";
import { startSmtpSink, type SmtpSink } from "../harness/smtp-sink.js";
import type { TestApp } from "../harness/test-app.js";
import { startOAuthTestApp } from "../oauth/oauth-helpers.js";

const AXE_SOURCE = await fs.readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

describe("password reset pages", () => {
  let sink: SmtpSink;
  let app: TestApp;
  let browser: Browser;
  before(async () => {
    sink = await startSmtpSink();
    app = await startOAuthTestApp({ SMTP_CONNECTION_URL: `smtp://127.0.0.1:${sink.port}`, EMAIL_FROM_ADDRESS: "ctx <ctx@example.test>" });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    await sink?.stop();
  });

  it("mails a link that sets a new password, once", async () => {
    const user = await signUp(app);
    const page = await browser.newPage();
    const serious = async () => {
      await page.evaluate(AXE_SOURCE);
      const found = (await page.evaluate(
        `axe.run(document).then((r) => r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id))`,
      )) as string[];
      assert.deepEqual(found, []);
    };
    await page.goto(`${app.url}/sign-in`);
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.getByLabel("E-mail").fill(user.email);
    await serious();
    await page.getByRole("button", { name: "Send a reset link" }).click();
    await page.getByText("a reset link is on its way").waitFor();

    const mail = await sink.waitForMessage((m) => m.to.includes(user.email));
    const link = /(http:\/\/\S+\/\.auth\/reset-password\/\S+)/.exec(mail.text)?.[1];
    assert.ok(link, mail.text);
    await page.goto(link);
    await page.waitForURL(/\/reset-password\?token=/);
    await page.getByLabel("New password").fill("a brand new passphrase 42");
    await serious();
    await page.getByRole("button", { name: "Set the new password" }).click();
    await page.getByText("Your password is changed").waitFor();
    assert.equal((await signIn(app, user.email, "a brand new passphrase 42")).status, 200);
    assert.equal((await signIn(app, user.email, user.password)).status, 401);

    // The link works once.
    await page.goto(link);
    await page.getByText(/not valid or has expired/).waitFor();
  });

  it("says to ask an administrator when the server sends no e-mail", async () => {
    const plain = await startOAuthTestApp();
    try {
      const page = await browser.newPage();
      await page.goto(`${plain.url}/forgot-password`);
      await page.getByText("Ask an administrator to reset your password").waitFor();
    } finally {
      await plain.stop();
    }
  });
});
