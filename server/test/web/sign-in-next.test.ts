/**
 * The sign-in page's `?next=` in a real browser: after signing in, the browser stays on this
 * origin whatever form of another host `next` names (protocol-relative paths, backslashes,
 * dot segments that resolve to `//host`, tabs, other schemes), and a path on this origin is
 * where it lands. Requests to the would-be attacker's host are answered by the test, so a
 * regression shows as a page on that host rather than a DNS error.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext } from "playwright-core";
import { launchBrowser } from "../harness/browser.js";
import { createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import type { TestApp } from "../harness/test-app.js";
import { startOAuthTestApp } from "../oauth/oauth-helpers.js";

/** `next` exactly as it appears in the query string (so `%2F` is decoded by the page, once). */
const BYPASSES = [
  "//evil.example",
  "/\\evil.example",
  "/./\\/evil.example",
  "/.//evil.example",
  "%2F.%2F%2Fevil.example",
  "%2F%2Fevil.example",
  "https://evil.example",
  "/%09/evil.example",
  "\\\\evil.example",
  "javascript:alert(1)",
  "/%2F%2Fevil.example",
  "////evil.example",
  "/..//evil.example",
  "http:evil.example",
  "/%5Cevil.example",
  "/.%2F%5Cevil.example",
];

describe("sign-in ?next=", () => {
  let app: TestApp;
  let browser: Browser;
  let users: TestUser[];
  before(async () => {
    app = await startOAuthTestApp();
    browser = await launchBrowser();
    // The per-account sign-in limit counts successes too: spread the sign-ins over a few users.
    users = [await signUp(app), await signUp(app), await signUp(app)];
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  /**
   * Signs `user` in at /sign-in?next=<rawNext>, signed out first (the profile's cookies cleared:
   * one profile for all cases keeps the app's scripts in its cache); returns where the browser
   * went.
   */
  let context: BrowserContext | undefined;
  async function signInWithNext(user: TestUser, rawNext: string): Promise<URL> {
    if (!context) {
      context = await browser.newContext();
      // A navigation to the attacker's host gets a page, so its URL is observable.
      await context.route(
        (url) => url.hostname.endsWith("evil.example"),
        (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<p>evil</p>" }),
      );
    }
    await context.clearCookies();
    const page = await context.newPage();
    try {
      await page.goto(`${app.url}/sign-in?next=${rawNext}`);
      await page.getByLabel("E-mail").fill(user.email);
      await page.getByLabel("Password").fill(user.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL((url) => url.pathname !== "/sign-in" || url.origin !== new URL(app.url).origin, { waitUntil: "commit" });
      return new URL(page.url());
    } finally {
      await page.close();
    }
  }

  it("stays on this origin for every form of another host", async () => {
    const origin = new URL(app.url).origin;
    const left: string[] = [];
    for (const [i, rawNext] of BYPASSES.entries()) {
      const landed = await signInWithNext(users[i % users.length]!, rawNext);
      if (landed.origin !== origin) left.push(`next=${rawNext} went to ${landed.href}`);
    }
    assert.deepEqual(left, []);
  });

  it("goes to a path on this origin, with its query", async () => {
    const user = users[0]!;
    const org = await createOrgAs(app, user);
    const target = `/${org.slug}/search?q=x`;
    const landed = await signInWithNext(user, encodeURIComponent(target));
    assert.equal(`${landed.origin}${landed.pathname}${landed.search}`, `${new URL(app.url).origin}${target}`);
  });
});
