/**
 * The API reference at /api/v1/docs in a real browser: Swagger UI from our own assets renders
 * every operation with its parameters and schemas, under the strict Content-Security-Policy
 * (a violation would show in the console), and every response carries the security headers.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { launchBrowser } from "../harness/browser.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

describe("API reference and security headers", () => {
  let app: TestApp;
  let browser: Browser;
  before(async () => {
    app = await startTestApp({ roles: ["server"] });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  it("sends a strict CSP and the usual headers on pages, the API and errors", async () => {
    for (const path of ["/", "/api/v1/docs", "/api/v1/openapi.json", "/api/v1/nope", "/.status"]) {
      const res = await fetch(`${app.url}${path}`, { headers: { accept: "text/html" } });
      const csp = res.headers.get("content-security-policy") ?? "";
      assert.match(csp, /default-src 'self'/, path);
      assert.match(csp, /script-src 'self'(;|$)/, `${path}: no inline or remote script`);
      assert.match(csp, /style-src 'self'(;|$)/, `${path}: no inline or remote style`);
      assert.match(csp, /frame-ancestors 'none'/, path);
      // Forms go to this origin, or to GitHub (the App manifest) and nowhere else.
      assert.match(csp, /form-action 'self' https:\/\/github\.com(;|$)/, path);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
      assert.equal(res.headers.get("x-frame-options"), "DENY", path);
      assert.ok(res.headers.get("referrer-policy"), path);
      assert.ok(res.headers.get("permissions-policy"), path);
    }
  });

  it("renders operations with parameters and schemas from local assets, without CSP violations", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    const foreign: string[] = [];
    page.on("pageerror", (err) => problems.push(err.message));
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(msg.text());
    });
    page.on("request", (req) => {
      if (!req.url().startsWith(app.url) && !req.url().startsWith("data:")) foreign.push(req.url());
    });
    await page.goto(`${app.url}/api/v1/docs`);
    const search = page.locator(".opblock", { hasText: "/api/v1/orgs/{orgSlug}/search" }).first();
    await search.waitFor();
    await search.locator(".opblock-summary").click();
    // Parameters with their descriptions, and the response schema.
    const q = search.locator("tr[data-param-name='q']");
    await q.waitFor();
    assert.match((await q.textContent()) ?? "", /The query/);
    assert.ok(await search.locator("tr[data-param-name='budgetMs']").count(), "every query parameter is listed");
    assert.match((await search.locator(".responses-wrapper").textContent()) ?? "", /nextCursor/);
    assert.ok((await page.locator(".opblock").count()) > 30, "every operation is listed");
    assert.deepEqual(problems, []);
    assert.deepEqual(foreign, [], "no request leaves the origin");
  });
});
