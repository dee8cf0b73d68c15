/**
 * The search page over more than one page of matching files, in a real browser against the real
 * server, git and indexer: 27 files match (15 TypeScript, 9 Python, 3 without a language) → the
 * first 20 show with "20 of 27 files" and facet counts that say they cover all 27 and add up
 * to 27 → "More results" appends the other 7, with no file twice, focus on the first new file
 * and no button left. Each state is scanned with axe-core; no console error is allowed.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { launchBrowser } from "../harness/browser.js";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import type { TestApp } from "../harness/test-app.js";
import { startOAuthTestApp } from "../oauth/oauth-helpers.js";
import { type Journey, startJourney, waitInPage } from "./browser-journey.js";

/** 27 files that mention needleWord: 15 TypeScript, 9 Python, 3 plain text (no language). */
function corpus(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < 15; i++) files[`src/mod${String(i).padStart(2, "0")}.ts`] = `export const value${i} = "needleWord ${i}";\n`;
  for (let i = 0; i < 9; i++) files[`py/mod${i}.py`] = `VALUE_${i} = "needleWord ${i}"\n`;
  for (let i = 0; i < 3; i++) files[`notes/note${i}.unknownext`] = `needleWord note ${i}\n`;
  files["README.md"] = "# Haystack\n";
  return files;
}

describe("search page: more results", () => {
  let root: string;
  let app: TestApp;
  let browser: Browser;
  let journey: Journey;
  let owner: TestUser;
  let orgSlug: string;

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-search-more-"));
    app = await startOAuthTestApp();
    owner = await signUp(app);
    orgSlug = (await createOrgAs(app, owner, "acme-more")).slug;
    const added = await call(app, "POST", `/api/v1/orgs/${orgSlug}/repositories`, {
      as: owner,
      body: { url: await createTestRepo(root, "haystack", corpus()), name: "haystack" },
    });
    assert.equal(added.status, 201, added.text);
    assert.equal((await waitForRepository(app, owner, orgSlug, added.json.id)).status, "ready");
    browser = await launchBrowser();
    journey = await startJourney(browser, app.url);
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("states what the counts cover and loads the rest with More results", async () => {
    // The API: facets count every matching file, not only the page.
    const api = await call(app, "GET", `/api/v1/orgs/${orgSlug}/search?q=needleWord&limit=20`, { as: owner });
    assert.equal(api.status, 200, api.text);
    assert.equal(api.json.stats.matchedFiles, 27);
    assert.equal(api.json.results.length, 20);
    assert.deepEqual(api.json.facets.languages, [
      { value: "typescript", count: 15 },
      { value: "python", count: 9 },
      { value: null, count: 3 },
    ]);

    const { page } = await journey.newUser();
    const { step, scan } = journey;
    await step(page, "sign in and search", async () => {
      await page.goto("/sign-in");
      await page.getByLabel("E-mail").fill(owner.email);
      await page.getByLabel("Password").fill(owner.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`**/${orgSlug}`);
      await page.goto(`/${orgSlug}/search?q=needleWord`);
      await page.getByTestId("search-result").first().waitFor();
    });
    await step(page, "the first page, with counts of all matches", async () => {
      assert.equal(await page.getByTestId("search-result").count(), 20);
      assert.match((await page.getByTestId("search-count").textContent()) ?? "", /^20 of 27 files in 1 repository/);
      const facets = page.getByTestId("facets");
      await facets.getByText("Counts of all 27 matching files").waitFor();
      const language = async (name: string) =>
        Number((await facets.getByRole("link", { name: new RegExp(`^${name} \\d+$`) }).textContent())?.match(/\d+$/)?.[0]);
      const none = Number((await facets.getByText(/^none detected \d+$/).textContent())?.match(/\d+$/)?.[0]);
      assert.deepEqual([await language("typescript"), await language("python"), none], [15, 9, 3]);
      await scan(page, "search first page");
    });
    await step(page, "More results appends the rest once, focusing the first new file", async () => {
      const first = await page.getByTestId("search-result").locator("a[data-file]").allTextContents();
      await page.getByRole("button", { name: "More results" }).click();
      await waitInPage(page, `document.querySelectorAll('[data-testid="search-result"]').length === 27`);
      const all = await page.getByTestId("search-result").locator("a[data-file]").allTextContents();
      assert.equal(new Set(all).size, 27, "no file twice");
      assert.deepEqual(all.slice(0, 20), first, "the first page stays in place");
      assert.equal(await page.evaluate("document.activeElement?.textContent"), all[20]);
      assert.match((await page.getByTestId("search-count").textContent()) ?? "", /^27 files in 1 repository/);
      assert.equal(await page.getByRole("button", { name: "More results" }).count(), 0);
      await scan(page, "search all pages");
    });
    assert.deepEqual(journey.consoleErrors, []);
  });
});
