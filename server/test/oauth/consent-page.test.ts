/**
 * The OAuth pages in a real browser: an authorisation request lands on /.auth/sign-in, signing
 * in continues to /.auth/consent, which names the client (marked unverified) and the user's organisation, and
 * Allow sends the browser back to the client's loopback redirect with a code. The device page
 * sends a signed-out user through sign-in and back, names the client and approves the code.
 * Both pages are spaced as the sign-in card: one flex column, blocks at least 12 px apart (#27).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../harness/browser.js";
import { createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import type { TestApp } from "../harness/test-app.js";
import { pkce, registerClient, startOAuthTestApp } from "./oauth-helpers.js";

/**
 * How the block holding `testId` is spaced: its parent's display, direction and row gap, and the
 * room (px) between that block and the next one, as the browser laid them out.
 */
async function spacingAround(page: Page, testId: string): Promise<{ display: string; direction: string; gap: number; room: number }> {
  return (await page.evaluate(`(() => {
    const block = document.querySelector('[data-testid="${testId}"]').closest("p");
    const style = getComputedStyle(block.parentElement);
    const next = block.nextElementSibling;
    return {
      display: style.display,
      direction: style.flexDirection,
      gap: Number.parseFloat(style.rowGap) || 0,
      room: next.getBoundingClientRect().top - block.getBoundingClientRect().bottom,
    };
  })()`)) as { display: string; direction: string; gap: number; room: number };
}

/** The sign-in card's spacing (a flex column, gap-3): blocks at least 12 px apart. */
async function assertCardSpacing(page: Page, testId: string): Promise<void> {
  const spacing = await spacingAround(page, testId);
  assert.equal(spacing.display, "flex", JSON.stringify(spacing));
  assert.equal(spacing.direction, "column", JSON.stringify(spacing));
  assert.ok(spacing.gap >= 12, `gap ${spacing.gap} px`);
  assert.ok(spacing.room >= 12, `room between blocks ${spacing.room} px`);
}

describe("OAuth pages in a browser", () => {
  let app: TestApp;
  let browser: Browser;
  let user: TestUser;

  before(async () => {
    app = await startOAuthTestApp();
    browser = await launchBrowser();
    user = await signUp(app);
    await createOrgAs(app, user, "browser-org");
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  it("signs in, shows the consent page with the client's name, and returns a code on Allow", async () => {
    const redirectUri = "http://127.0.0.1:45999/callback";
    const client = await registerClient(app, {
      client_name: "Cursor (test)",
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    });
    const authorize = new URL(`${app.url}/.auth/oauth2/authorize`);
    authorize.search = new URLSearchParams({
      response_type: "code",
      client_id: client.client_id,
      redirect_uri: redirectUri,
      scope: "openid offline_access",
      state: "browser-state",
      code_challenge: pkce().challenge,
      code_challenge_method: "S256",
      resource: `${app.url}/mcp`,
    }).toString();

    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    let callback: URL | undefined;
    await page.route(`${redirectUri}**`, async (route) => {
      callback = new URL(route.request().url());
      await route.fulfill({ contentType: "text/html", body: "<p>You can close this window.</p>" });
    });

    await page.goto(authorize.toString());
    await page.waitForURL((u) => u.pathname === "/.auth/sign-in");
    await page.getByLabel("E-mail").fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in" }).click();

    await page.waitForURL((u) => u.pathname === "/.auth/consent");
    await page.getByRole("heading", { name: "Allow access?" }).waitFor();
    const name = page.getByTestId("client-name");
    await name.filter({ hasNotText: "Loading…" }).waitFor();
    assert.equal(await name.textContent(), "Cursor (test)");
    // The name is the app's own claim: the page says it is unverified (#26).
    assert.equal(await page.getByTestId("client-name-unverified").textContent(), "(unverified)");
    assert.match((await page.locator("main").textContent()) ?? (await page.textContent("body")) ?? "", /Cursor \(test\)\s*\(unverified\)/);
    const allow = page.getByRole("button", { name: "Allow" });
    assert.equal(await allow.isVisible(), true);
    // No organisation choice it could not enforce: the MCP URL of each of the user's organisations.
    await page.getByTestId("org-urls").waitFor();
    assert.match((await page.getByTestId("org-urls").textContent()) ?? "", /\/mcp\?orgSlug=browser-org$/);
    assert.equal(await page.getByRole("combobox").count(), 0);
    // Spaced as the sign-in card (#27), not paragraphs run together.
    await assertCardSpacing(page, "client-name");

    await allow.click();
    await page.waitForURL((u) => u.toString().startsWith(redirectUri));
    assert.ok(callback?.searchParams.get("code"), "an authorization code");
    assert.equal(callback?.searchParams.get("state"), "browser-state");
    assert.deepEqual(errors, []);
  });

  it("approves a device code on /.auth/device after signing in", async () => {
    const client = await registerClient(app, {
      client_name: "Headless (test)",
      grant_types: ["urn:ietf:params:oauth:grant-type:device_code"],
      response_types: [],
    });
    const res = await fetch(`${app.url}/.auth/device/code`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: client.client_id, scope: "openid", resource: `${app.url}/mcp` }).toString(),
    });
    const code = (await res.json()) as { user_code: string; device_code: string; verification_uri_complete: string };

    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    await page.goto(code.verification_uri_complete);
    await page.getByRole("link", { name: "Sign in" }).click();
    await page.getByLabel("E-mail").fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((u) => u.pathname === "/.auth/device" && u.searchParams.get("user_code") === code.user_code);
    await page.getByRole("button", { name: "Continue" }).waitFor();
    // The code field and Continue are spaced as the sign-in form's fields and button (gap-3).
    const room = (await page.evaluate(`(() => {
      const button = [...document.querySelectorAll("button")].find((b) => b.textContent.trim() === "Continue");
      return button.getBoundingClientRect().top - document.getElementById("user-code").getBoundingClientRect().bottom;
    })()`)) as number;
    assert.ok(room >= 12, `room between the code field and Continue: ${room} px`);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByTestId("client-name").filter({ hasText: "Headless (test)" }).waitFor();
    // The name is the app's own claim (#26), and the page is spaced as the sign-in card (#27).
    assert.match((await page.locator("main").textContent()) ?? "", /Headless \(test\)\s*\(unverified/);
    await assertCardSpacing(page, "client-name");
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByRole("status").filter({ hasText: "Approved" }).waitFor();
    assert.deepEqual(errors, []);
  });
});
