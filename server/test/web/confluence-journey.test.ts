/**
 * Connecting Confluence in a real browser against the real server and a local fake of
 * Atlassian: an admin adds the connection with the OAuth app's client id and secret, clicks
 * Connect to Atlassian (the browser goes to Atlassian's consent page, which accepts at once,
 * and back through the callback), picks a space, sees the sync's summary, finds the page by
 * searching `type:doc` in the search page, includes restricted pages, and deletes the connection with its documents. Each state is scanned with axe-core;
 * no console error or failed request is allowed.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { eventually } from "../harness/eventually.js";
import { launchBrowser } from "../harness/browser.js";
import { type FakeAtlassian, startFakeAtlassian } from "../harness/fake-atlassian.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import type { TestApp } from "../harness/test-app.js";
import { startOAuthTestApp } from "../oauth/oauth-helpers.js";
import { type Journey, startJourney } from "./browser-journey.js";

describe("Confluence connection journey", () => {
  let fake: FakeAtlassian;
  let app: TestApp;
  let browser: Browser;
  let journey: Journey;
  let owner: TestUser;
  let orgSlug: string;

  before(async () => {
    fake = await startFakeAtlassian();
    fake.addPage({
      id: "2001",
      title: "On-call handbook",
      spaceId: "98305",
      parentId: null,
      authorId: "557058:alice",
      body: "<p>Page the on-call engineer.</p>",
      restricted: false,
    });
    app = await startOAuthTestApp({ CTXPIPE_GIT_ALLOWED_HOSTS: "127.0.0.1", ATLASSIAN_AUTH_URL: fake.url, ATLASSIAN_API_URL: fake.url });
    owner = await signUp(app);
    orgSlug = (await createOrgAs(app, owner, "acme-wiki")).slug;
    browser = await launchBrowser();
    journey = await startJourney(browser, app.url);
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    await fake?.stop();
  });

  it("adds, connects, picks a space and shows the sync", async () => {
    const { page } = await journey.newUser();
    const { step, scan } = journey;
    await step(page, "sign in and open the connections", async () => {
      await page.goto("/sign-in");
      await page.getByLabel("E-mail").fill(owner.email);
      await page.getByLabel("Password").fill(owner.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`**/${orgSlug}`);
      await page.goto(`/${orgSlug}/settings/connections`);
      await page.getByText("No Confluence connection yet.").waitFor();
    });
    await step(page, "add the connection", async () => {
      await page.getByText("Add Confluence").click();
      await page.getByText(`${app.url}/api/v1/integrations/atlassian/callback`).waitFor();
      await page.getByLabel("Client ID").fill(fake.clientId);
      await page.getByLabel("Secret", { exact: true }).fill(fake.clientSecret);
      await scan(page, "confluence form");
      await page.getByRole("button", { name: "Add connection" }).click();
      await page.getByText("Next step: Connect to Atlassian").waitFor();
    });
    await step(page, "connect through Atlassian's consent page and come back", async () => {
      await page.getByRole("button", { name: "Connect to Atlassian" }).click();
      await page.waitForURL(`**/${orgSlug}/settings/connections?confluence=con_*`);
      await page.getByText("Connected to Atlassian. Pick the spaces to sync.").waitFor();
      await page.getByText(fake.siteUrl).waitFor();
      await scan(page, "confluence connected");
    });
    await step(page, "pick a space and see the sync", async () => {
      await page.getByLabel("Engineering (ENG)").check();
      await page.getByRole("button", { name: "Save spaces" }).click();
      // The page shows the sync once it is reloaded after it ended.
      await eventually(
        async () => {
          if (!(await page.getByText(/Last sync .*: ok, 1 pages \(1 added/).isVisible())) {
            await page.reload();
            await page.getByText(/Last sync .*: ok, 1 pages \(1 added/).waitFor({ timeout: 2_000 });
          }
        },
        { timeoutMs: 20_000, intervalMs: 0, message: "the page shows the sync" },
      );
      await scan(page, "confluence synced");
    });
    const found = await call(app, "GET", `/api/v1/orgs/${orgSlug}/search?q=${encodeURIComponent("type:doc on-call")}`, { as: owner });
    assert.equal(found.json.documents[0]?.title, "On-call handbook");
    await step(page, "find the page with type:doc in the search page", async () => {
      await page.goto(`/${orgSlug}/search`);
      await page.getByLabel("Search query").fill("type:doc on-call");
      await page.getByRole("button", { name: "Search" }).click();
      const result = page.getByTestId("document-result");
      await result.first().waitFor();
      assert.equal(await result.count(), 1);
      const title = result.getByRole("link", { name: "On-call handbook" });
      assert.equal(await title.getAttribute("href"), found.json.documents[0].url);
      await result.getByText("Engineering (ENG) · version 1", { exact: false }).waitFor();
      // The cited lines, with the match marked.
      await result.getByText("Page the on-call engineer.").waitFor();
      const cited = found.json.documents[0].lines as { text: string; ranges: [number, number][] }[];
      const marked = cited.flatMap((l) => l.ranges.map(([start, end]) => l.text.slice(start, end)));
      assert.ok(marked.includes("on-call"), JSON.stringify(cited));
      assert.deepEqual(await result.locator("mark").allTextContents(), marked);
      await page.getByText("1 document,", { exact: false }).waitFor();
      assert.equal(await page.getByText(/No matches/).count(), 0);
      await scan(page, "document search results");
      await page.goto(`/${orgSlug}/settings/connections`);
      await page.getByLabel(/Index pages with view restrictions/).waitFor();
    });
    await step(page, "include restricted pages", async () => {
      await page.getByLabel(/Index pages with view restrictions/).check();
      await eventually(async () => {
        const list = await call(app, "GET", `/api/v1/orgs/${orgSlug}/connections/confluence`, { as: owner });
        assert.equal(list.json.connections[0].includeRestricted, true);
      });
    });
    await step(page, "delete the connection and its documents", async () => {
      await page.getByRole("button", { name: "Delete…" }).click();
      await page.getByRole("button", { name: "Delete Confluence and its documents" }).click();
      await page.getByText("No Confluence connection yet.").waitFor();
    });
    const gone = await call(app, "GET", `/api/v1/orgs/${orgSlug}/search?q=${encodeURIComponent("type:doc on-call")}`, { as: owner });
    assert.deepEqual(gone.json.documents, []);
    assert.deepEqual(journey.consoleErrors, []);
  });
});
