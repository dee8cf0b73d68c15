/**
 * A failed repository in a real browser (issue #27): its remote is damaged (a blob deleted
 * from the object store, as in repositories/damaged-remote.test.ts), so indexing ends failed on
 * a git error. The repositories page shows git's own words without the credentials, and one
 * way to run it again (Re-index), not a second Retry button beside it; the page passes axe-core
 * and fits a 375 px screen. No console error is allowed.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { launchBrowser } from "../harness/browser.js";
import { createTestRepo, type GitHttpServer, gitIn, startGitHttpServer } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import type { TestApp } from "../harness/test-app.js";
import { startOAuthTestApp } from "../oauth/oauth-helpers.js";
import { type Journey, startJourney } from "./browser-journey.js";

const AUTH = { username: "git-user", password: "journey-s3cret-token" };

describe("failed repository journey", () => {
  let root: string;
  let git: GitHttpServer;
  let app: TestApp;
  let browser: Browser;
  let journey: Journey;
  let owner: TestUser;
  let orgSlug: string;

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-failed-web-"));
    const repoDir = await createTestRepo(root, "damaged", { "src/kept.ts": "export const kept = 1;\n", "src/lost.ts": "export const lost = 2;\n" });
    const blob = (await gitIn(repoDir, ["rev-parse", "HEAD:src/lost.ts"])).trim();
    await fs.rm(path.join(repoDir, ".git", "objects", blob.slice(0, 2), blob.slice(2)));
    git = await startGitHttpServer({ root, ...AUTH });
    app = await startOAuthTestApp({ CTXPIPE_GIT_ALLOWED_HOSTS: "127.0.0.1", CTXPIPE_GIT_TIMEOUT_SECONDS: "20" });
    owner = await signUp(app);
    orgSlug = (await createOrgAs(app, owner, "acme-failed")).slug;
    const added = await call(app, "POST", `/api/v1/orgs/${orgSlug}/repositories`, { as: owner, body: { url: git.url("damaged"), credentials: AUTH } });
    assert.equal(added.status, 201, added.text);
    assert.equal((await waitForRepository(app, owner, orgSlug, added.json.id)).status, "failed");
    browser = await launchBrowser();
    journey = await startJourney(browser, app.url);
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    await git?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("shows git's error without credentials and one Re-index control", async () => {
    const { page, context } = await journey.newUser();
    const { step, scan } = journey;
    await step(page, "sign in and open the repositories", async () => {
      await page.goto("/sign-in");
      await page.getByLabel("E-mail").fill(owner.email);
      await page.getByLabel("Password").fill(owner.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`**/${orgSlug}`);
      await page.goto(`/${orgSlug}/repositories`);
      await page
        .getByTestId("repository-status")
        .filter({ hasText: /^Failed$/ })
        .waitFor();
    });

    await step(page, "the failed repository says what git said, and offers Re-index once", async () => {
      const row = page.getByTestId("repository").filter({ hasText: "damaged" });
      const notice = row.getByRole("alert");
      await notice.waitFor();
      const said = (await notice.textContent()) ?? "";
      // git's own fatal line, not "an internal error".
      assert.match(said, /missing or corrupt objects/);
      assert.match(said, /fatal: /);
      assert.doesNotMatch(said, /internal error/);
      const everything = (await row.textContent()) ?? "";
      assert.ok(!everything.includes(AUTH.password) && !everything.includes(`${AUTH.username}:`), everything);
      // One control runs it again: Re-index. No Retry beside it (it did the same).
      assert.equal(await row.getByRole("button", { name: "Re-index" }).count(), 1);
      assert.equal(await row.getByRole("button", { name: /retry/i }).count(), 0);
      assert.equal(await page.getByRole("button", { name: /retry/i }).count(), 0);
      await scan(page, "failed repository");
    });

    await step(page, "the error fits a 375 px screen", async () => {
      await page.setViewportSize({ width: 375, height: 740 });
      await page.getByTestId("repository").filter({ hasText: "damaged" }).getByRole("alert").waitFor();
      const overflow = (await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")) as number;
      assert.ok(overflow <= 1, `the repositories page is ${overflow} px wider than the screen`);
    });

    await context.close();
    assert.deepEqual(journey.consoleErrors, []);
  });
});
