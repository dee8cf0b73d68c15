/**
 * The preflight journey in a real browser (Debian Chromium), against the real server, Postgres
 * and git: the empty instance opens on Sign up → sign up → create an organisation → add a local
 * repository → watch it reach "Ready" without reloading → search → open a result at its line →
 * follow a symbol to its definition → create an API key → copy the MCP snippet → invite a
 * teammate → the API keys list says when each key was created and last used, or "never used"
 * → the teammate, signed out, opens / on Sign in (a user exists now), signs up with the
 * invitation (the server is invite-only after its first user) and sees the organisation.
 * Every main page is scanned with axe-core (no serious or critical violation); a failing step
 * writes a screenshot whose path the failure names. No console error is allowed, except the
 * browser's own log of the 401 that tells the app nobody is signed in yet.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { launchBrowser } from "../harness/browser.js";
import { createTestRepo } from "../harness/git-http-server.js";
import type { TestApp } from "../harness/test-app.js";
import { startOAuthTestApp } from "../oauth/oauth-helpers.js";
import { type Journey, startJourney } from "./browser-journey.js";

const PASSWORD = "correct horse battery staple";

describe("web app journey", () => {
  let app: TestApp;
  let browser: Browser;
  let root: string;
  let repoDir: string;
  let journey: Journey;
  const newUser = () => journey.newUser();
  const step = (page: Page, name: string, fn: () => Promise<void>) => journey.step(page, name, fn);
  const scan = (page: Page, name: string) => journey.scan(page, name);

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-web-"));
    repoDir = await createTestRepo(root, "shop", {
      "src/discount.ts": "export function applyDiscount(sku: string) {\n  return sku.length;\n}\n",
      "src/cart.ts": "import { applyDiscount } from './discount';\n\nexport class Cart {\n  addItem(sku: string) {\n    return applyDiscount(sku);\n  }\n}\n",
    });
    // AUTH_SIGN_UP unset: the first user signs up freely, the teammate needs the invitation.
    app = await startOAuthTestApp({ AUTH_SIGN_UP: "" });
    browser = await launchBrowser();
    journey = await startJourney(browser, app.url);
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("goes from sign-up to a searchable codebase, a connected agent and a teammate", async () => {
    const { page } = await newUser();
    const email = `ada-${Date.now()}@example.test`;
    let apiKey = "";
    let inviteLink = "";

    await step(page, "sign up", async () => {
      await page.goto("/");
      // An instance with no user yet sends its first visitor to Sign up, not Sign in (#27).
      await page.waitForURL((u) => u.pathname === "/sign-up" || u.pathname === "/sign-in");
      assert.equal(new URL(page.url()).pathname, "/sign-up");
      await page.getByLabel("Name").fill("Ada");
      await page.getByLabel("E-mail").fill(email);
      await page.getByLabel("Password").fill(PASSWORD);
      // The rule (AUTH_SIGN_UP unset: first user) is said before anyone is refused.
      await page.getByText("The first account of this server signs up freely; after that, accounts are by invitation").waitFor();
      await scan(page, "sign-up");
      await page.getByRole("button", { name: "Sign up" }).click();
      await page.waitForURL("**/new");
    });

    await step(page, "create the organisation", async () => {
      await page.getByLabel("Name", { exact: true }).fill("Acme Web");
      assert.equal(await page.getByLabel("URL name").inputValue(), "acme-web");
      await scan(page, "create organisation");
      await page.getByRole("button", { name: "Create organisation" }).click();
      await page.waitForURL("**/acme-web");
      await page.getByTestId("checklist").waitFor();
      await page.getByTestId("recent-activity").filter({ hasText: "org.created" }).waitFor();
      await scan(page, "home");
    });

    await step(page, "add a repository and watch it index", async () => {
      await page.getByRole("link", { name: "Repositories" }).first().click();
      await page.getByText("No repositories yet").waitFor();
      await page.getByLabel("Clone URL").fill(repoDir);
      await page.getByRole("button", { name: "Add and index" }).click();
      // No reload: the list polls while the repository is queued or indexing.
      await page
        .getByTestId("repository-status")
        .filter({ hasText: /^Ready$/ })
        .waitFor({ timeout: 30_000 });
      await scan(page, "repositories");
    });

    await step(page, "search and open a result at its line", async () => {
      await page.getByRole("link", { name: "Search", exact: true }).click();
      await page.getByLabel("Search query").fill("applyDiscount");
      await page.getByLabel("Search query").press("Enter");
      await page.waitForURL(/search\?q=applyDiscount/);
      await page.getByTestId("search-result").first().waitFor();
      assert.match((await page.getByTestId("search-result").first().textContent()) ?? "", /src\/discount\.ts/);
      // From the search box, Down goes to the first result, and Down again to the next.
      await page.getByLabel("Search query").focus();
      const focusedResult = async () => (await page.evaluate("[...document.querySelectorAll('a[data-result]')].indexOf(document.activeElement)")) as number;
      await page.keyboard.press("ArrowDown");
      assert.equal(await focusedResult(), 0, "Down from the box focuses the first result");
      await page.keyboard.press("ArrowDown");
      assert.equal(await focusedResult(), 1, "Down again moves on");
      await page.getByLabel("Search query").focus();
      await scan(page, "search results");
      await page.getByTestId("search-result").nth(1).getByRole("link").nth(1).click();
      await page.waitForURL(/files\/shop\/src\/cart\.ts#L\d+$/);
      const line = new URL(page.url()).hash.slice(2);
      await page.locator(`[id="L${line}"][data-selected="true"]`).waitFor();
      await scan(page, "file view");
    });

    await step(page, "follow a symbol to its definition", async () => {
      // Highlighted: the name is a token of its own. Double-clicking it selects the word.
      const line = page.locator("code").filter({ hasText: "return applyDiscount(sku);" });
      assert.ok(await line.locator("span.tok-keyword", { hasText: "return" }).count(), "the line is highlighted");
      await line.locator("span", { hasText: /^applyDiscount$/ }).dblclick();
      await page.getByRole("button", { name: "Go to definition" }).click();
      await page.waitForURL(/files\/shop\/src\/discount\.ts#L1$/);
      await page.locator('[id="L1"][data-selected="true"]').waitFor();
      // The outline links each symbol to its lines.
      await page.getByTestId("outline").getByRole("link", { name: "function applyDiscount" }).click();
      await page.waitForURL(/discount\.ts#L1-L3$/);
      await page.locator('[id="L3"][data-selected="true"]').waitFor();
    });

    await step(page, "create an API key and copy the MCP snippet", async () => {
      await page.getByRole("link", { name: "Connect an agent" }).click();
      // The one command that works: the setup CLI as this instance serves it.
      assert.equal(await page.getByTestId("snippet").first().textContent(), `npx --yes ${app.url}/downloads/ctxpipe-connect.tgz init --url ${app.url}`);
      // Cursor: the API key only, and why (its OAuth callback is refused).
      await page.getByRole("tab", { name: "Cursor" }).click();
      await page.getByText("Cursor takes an API key only: its OAuth callback").waitFor();
      assert.equal(await page.getByRole("button", { name: "Copy: Cursor with OAuth (sign in once in the browser)" }).count(), 0);
      await page.getByRole("button", { name: "Copy: Cursor with an API key" }).waitFor();
      await page.getByRole("tab", { name: "OpenCode" }).click();
      await page.getByRole("button", { name: "Copy: OpenCode with OAuth (sign in once in the browser)" }).waitFor();
      await page.getByRole("tab", { name: "Claude Code" }).click();
      await page.getByRole("button", { name: "Create an API key for these snippets" }).click();
      await page.getByText("A new API key is in the snippets above").waitFor();
      await scan(page, "connect");
      await page.getByRole("button", { name: "Copy: Claude Code with an API key" }).click();
      const copied = (await page.evaluate("navigator.clipboard.readText()")) as string;
      assert.match(copied, new RegExp(`claude mcp add --transport http ctxpipe "${app.url.replace(/[.]/g, "\\.")}/mcp\\?orgSlug=acme-web"`));
      assert.match(copied, /Authorization: Bearer ctx_[A-Za-z0-9_-]{20,}/);
      apiKey = /Bearer (ctx_[A-Za-z0-9_-]+)/.exec(copied)![1]!;
    });

    await step(page, "an agent with that key asks; the activity page shows it", async () => {
      const agent = new Client({ name: "journey-agent", version: "1.0.0" });
      await agent.connect(
        new StreamableHTTPClientTransport(new URL(`${app.url}/mcp?orgSlug=acme-web`), { requestInit: { headers: { Authorization: `Bearer ${apiKey}` } } }),
      );
      try {
        const answer = await agent.callTool({ name: "search_code", arguments: { query: "applyDiscount" } });
        assert.match((answer.content as { text: string }[])[0]!.text, /src\/discount\.ts/);
        await agent.callTool({ name: "search_code", arguments: { query: "shippingRates" } });
      } finally {
        await agent.close();
      }
      await page.getByRole("link", { name: "Agent activity" }).click();
      await page.getByTestId("activity-by-tool").filter({ hasText: "search_code" }).waitFor();
      await page.getByTestId("activity-by-client").filter({ hasText: "API key: Agent (web app)" }).waitFor();
      // The gap: what the agent looked for and the index does not have.
      await page.getByTestId("unanswered").filter({ hasText: "shippingRates" }).waitFor();
      await scan(page, "activity");
    });

    await step(page, "invite a teammate", async () => {
      await page.getByRole("link", { name: "Settings" }).click();
      await page.getByLabel("E-mail").fill("bo@example.test");
      await page.getByRole("button", { name: "Invite" }).click();
      inviteLink = (await page.getByTestId("snippet").first().textContent()) ?? "";
      assert.match(inviteLink, /\/invitations\/accept\?token=/);
      await scan(page, "settings");
      await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "API keys" }).click();
      await page.getByLabel("Key name").fill("Unused key");
      await page.getByRole("button", { name: "Create key" }).click();
      await page.getByText("Your new key: copy it now").first().waitFor();
      // Each key says when it was created and last used, or that it never was (#27).
      const listed = page.getByRole("listitem");
      await listed.filter({ hasText: "Unused key" }).waitFor();
      const shown = (await page.evaluate(`fetch("/api/v1/orgs/acme-web/api-keys").then((r) => r.json()).then(({ apiKeys }) =>
        apiKeys.map((k) => ({ name: k.name, created: new Date(k.createdAt).toLocaleDateString(), used: k.lastUsedAt && new Date(k.lastUsedAt).toLocaleString() })))`)) as {
        name: string;
        created: string;
        used: string | null;
      }[];
      assert.deepEqual(shown.map((k) => k.name).sort(), ["Agent (web app)", "Unused key"]);
      for (const key of shown) {
        const line = ((await listed.filter({ hasText: key.name }).textContent()) ?? "").replace(/\s+/g, " ");
        assert.ok(line.includes(`created ${key.created} · ${key.used ? `last used ${key.used}` : "never used"}`), line);
      }
      assert.ok(shown.find((k) => k.name === "Agent (web app)")?.used, "the agent's key has been used");
      assert.equal(shown.find((k) => k.name === "Unused key")?.used, null);
      for (const [tab, expect] of [
        ["API keys", "Agent (web app)"],
        ["Organisation", "Delete the organisation"],
        ["Connections", "No connection yet"],
        ["Audit log", "invitation.created"],
        ["Authorised apps", "No app is authorised"],
      ] as const) {
        await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: tab }).click();
        await page.getByText(expect).first().waitFor();
        await scan(page, `settings ${tab}`);
      }
    });

    const teammate = await newUser();
    await step(teammate.page, "the teammate accepts and sees the organisation", async () => {
      // A user exists now: a signed-out visitor at / lands on Sign in.
      await teammate.page.goto("/");
      await teammate.page.waitForURL((u) => u.pathname === "/sign-in" || u.pathname === "/sign-up");
      assert.equal(new URL(teammate.page.url()).pathname, "/sign-in");
      await scan(teammate.page, "sign-in");
      await teammate.page.goto(inviteLink);
      await teammate.page.getByText("Acme Web invites bo@example.test").waitFor();
      await scan(teammate.page, "invitation");
      await teammate.page.getByRole("link", { name: "Sign up as bo@example.test" }).click();
      await teammate.page.getByLabel("Name").fill("Bo");
      assert.equal(await teammate.page.getByLabel("E-mail").inputValue(), "bo@example.test");
      await teammate.page.getByLabel("Password").fill(PASSWORD);
      await teammate.page.getByRole("button", { name: "Sign up" }).click();
      await teammate.page.getByRole("button", { name: "Join Acme Web" }).click();
      await teammate.page.waitForURL("**/acme-web");
      await teammate.page.getByRole("link", { name: "Settings" }).click();
      await teammate.page.getByTestId("members").filter({ hasText: "bo@example.test" }).waitFor();
      assert.match((await teammate.page.getByTestId("members").textContent()) ?? "", new RegExp(email.replace(/[.+]/g, "\\$&")));
      // An organisation the teammate is not in, and a page that does not exist, say so plainly.
      await teammate.page.goto("/someone-elses-org");
      await teammate.page.getByText("you are not a member of it").waitFor();
      await teammate.page.goto("/acme-web/no/such/page");
      await teammate.page.getByRole("heading", { name: "Page not found" }).waitFor();
      await scan(teammate.page, "not found");
      await teammate.page.goto("/acme-web");
      // The account menu (keyboard: Enter opens it, arrows move) signs out.
      await teammate.page.getByRole("button", { name: "Account: bo@example.test" }).click();
      await teammate.page.getByRole("menuitem", { name: "Sign out" }).click();
      await teammate.page.waitForURL("**/sign-in");
    });

    await step(page, "dark theme keeps AA contrast", async () => {
      await page.emulateMedia({ colorScheme: "dark" });
      for (const [url, ready] of [
        ["/acme-web", "checklist"],
        ["/acme-web/search?q=applyDiscount", "search-result"],
        ["/acme-web/files/shop/src/cart.ts#L5", "outline"],
      ] as const) {
        await page.goto(url);
        await page.getByTestId(ready).first().waitFor();
        await scan(page, `dark ${url}`);
      }
      await page.emulateMedia({ colorScheme: "light" });
    });

    await step(page, "usable at 375 px wide", async () => {
      await page.setViewportSize({ width: 375, height: 740 });
      for (const url of ["/acme-web", "/acme-web/repositories", "/acme-web/search?q=applyDiscount", "/acme-web/connect", "/acme-web/settings"]) {
        await page.goto(url);
        await page.getByRole("heading", { level: 1 }).waitFor();
        // Nothing wider than the screen: long code scrolls inside its own box.
        const overflow = (await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")) as number;
        assert.ok(overflow <= 1, `${url} is ${overflow} px wider than the screen`);
      }
    });

    assert.deepEqual(journey.consoleErrors, []);
  });
});
