/**
 * The web app in a real browser, served by the server role: /status loads its script and
 * shows the live /.status; "/" sends a visitor who is not signed in to sign-in.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { launchBrowser } from "../harness/browser.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

describe("landing page", () => {
  let app: TestApp;
  let browser: Browser;
  before(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  it("renders the live platform status", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    await page.goto(`${app.url}/status`);
    await page.getByRole("heading", { level: 1 }).waitFor();
    assert.equal(await page.title(), "ctx|");
    const overall = page.getByTestId("overall-status");
    await overall.waitFor();
    assert.equal(await overall.textContent(), "ok");
    assert.equal(await page.getByRole("row").count(), 3, "database, worker and codesearch checks");
    assert.deepEqual(errors, []);
    // No account exists yet: the first visitor is sent to sign up, not to sign in.
    await page.goto(`${app.url}/`);
    await page.waitForURL(`${app.url}/sign-up`);
  });
});
