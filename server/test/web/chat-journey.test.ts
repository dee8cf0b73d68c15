/**
 * The web chat in a real browser against the real server, git, indexer and a local model
 * provider speaking OpenAI's streamed wire format: a member opens Chat from the navigation →
 * asks → sees the answer being written, with the tool call the agent made → the stored answer
 * shows its code highlighted, a verified citation as a link and an invented one marked
 * unverified → the citation opens the file view at its line → back in the conversation, a
 * slow answer is stopped and keeps what was written → "Answer again" replaces it → the list
 * shows the conversation under Web. Each state is scanned with axe-core, in light and dark; no
 * console error or CSP violation is allowed.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { launchBrowser } from "../harness/browser.js";
import { type FakeModelProvider, startFakeModelProvider } from "../harness/fake-model-provider.js";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import type { TestApp } from "../harness/test-app.js";
import { startOAuthTestApp } from "../oauth/oauth-helpers.js";
import { type Journey, startJourney } from "./browser-journey.js";

const KEY = "sk-chat-journey";

describe("web chat journey", () => {
  let root: string;
  let provider: FakeModelProvider;
  let app: TestApp;
  let browser: Browser;
  let journey: Journey;
  let owner: TestUser;
  let orgSlug: string;
  let commit: string;

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-chat-web-"));
    provider = await startFakeModelProvider({ key: KEY, models: ["m"] });
    app = await startOAuthTestApp({ MODEL_PROVIDER_URL: provider.url, MODEL_PROVIDER_API_KEY: KEY, MODEL_MEDIUM_NAME: "m" });
    owner = await signUp(app);
    orgSlug = (await createOrgAs(app, owner, "acme-chat")).slug;
    const added = await call(app, "POST", `/api/v1/orgs/${orgSlug}/repositories`, {
      as: owner,
      body: {
        url: await createTestRepo(root, "shop", {
          "src/discount.ts": "export function applyDiscount(total: number) {\n  return total * 0.9;\n}\n",
        }),
        name: "shop",
      },
    });
    assert.equal(added.status, 201, added.text);
    commit = (await waitForRepository(app, owner, orgSlug, added.json.id)).indexedCommit!.slice(0, 12);
    browser = await launchBrowser();
    journey = await startJourney(browser, app.url);
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    await provider?.close();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("asks, watches the answer stream in, opens a citation, stops and regenerates", async () => {
    const { page, context } = await journey.newUser();
    const { step, scan } = journey;
    await step(page, "sign in and open the chat", async () => {
      await page.goto(`/sign-in`);
      await page.getByLabel("E-mail").fill(owner.email);
      await page.getByLabel("Password").fill(owner.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`**/${orgSlug}`);
      await page.getByRole("link", { name: "Chat", exact: true }).click();
      await page.waitForURL(`**/${orgSlug}/chat`);
      await page.getByText("No conversations yet.").waitFor();
      await scan(page, "chat, empty");
    });

    await step(page, "ask and watch the answer being written", async () => {
      provider.replies.splice(
        0,
        provider.replies.length,
        { toolCalls: [{ name: "search_code", arguments: { query: "applyDiscount" } }] },
        {
          text: [
            `The discount is applied in \`shop@${commit}:src/discount.ts:2\`:`,
            "",
            "```ts",
            "return total * 0.9;",
            "```",
            "",
            `Coupons are handled in shop@${commit}:src/coupons.ts:4.`,
          ].join("\n"),
          wordDelayMs: 60,
        },
      );
      await page.getByLabel("Your question").fill("Where is the discount applied?");
      await page.getByRole("button", { name: "Ask" }).click();
      const writing = page.getByRole("article", { name: "Answer being written" });
      await writing.getByText("The discount is applied").waitFor();
      // Streamed: part of the answer is on the page before the rest has been written.
      assert.doesNotMatch((await writing.textContent()) ?? "", /Coupons/);
      assert.match((await writing.getByRole("list", { name: "Tool calls" }).textContent()) ?? "", /search_code.*query: applyDiscount/);
      await page.getByRole("button", { name: "Stop" }).waitFor();
      await scan(page, "chat, answer being written");

      const answer = page.getByRole("article", { name: "Answer", exact: true });
      await answer.waitFor();
      await page.waitForURL(/chat\?c=[0-9a-f-]{36}/);
      const link = answer.getByRole("link", { name: `shop@${commit}:src/discount.ts:2 (verified)` }).first();
      await link.waitFor();
      assert.match((await answer.textContent()) ?? "", new RegExp(`shop@${commit}:src/coupons\\.ts:4 unverified: no indexed file shop:src/coupons\\.ts`));
      // The code block is highlighted (lezer's classes) once its parser has loaded.
      await answer.locator("pre .tok-keyword", { hasText: "return" }).waitFor();
      await answer.getByText("2 citations checked, 1 unverified").click();
      await answer.getByText("1 tool call in 2 steps").click();
      await scan(page, "chat, answer");
      await page.emulateMedia({ colorScheme: "dark" });
      await scan(page, "chat, answer (dark)");
      await page.emulateMedia({ colorScheme: "light" });
      await page.setViewportSize({ width: 375, height: 760 });
      await scan(page, "chat, answer (375 px)");
      await page.setViewportSize({ width: 1200, height: 760 });
    });

    await step(page, "open the citation in the file view", async () => {
      await page
        .getByRole("article", { name: "Answer", exact: true })
        .getByRole("link", { name: `shop@${commit}:src/discount.ts:2 (verified)` })
        .first()
        .click();
      await page.waitForURL(/files\/shop\/src\/discount\.ts#L2$/);
      await page.locator('[id="L2"][data-selected="true"]').waitFor();
      await page.goBack();
      await page.getByRole("article", { name: "Answer", exact: true }).waitFor();
    });

    await step(page, "stop a slow answer, then answer again", async () => {
      provider.replies.splice(0, provider.replies.length, {
        text: "Let me go through every line of the file, one by one, very slowly indeed.",
        wordDelayMs: 250,
      });
      await page.getByLabel("Follow up").fill("Walk me through it");
      await page.getByRole("button", { name: "Ask" }).click();
      await page.getByRole("article", { name: "Answer being written" }).getByText("Let me").waitFor();
      await page.getByRole("button", { name: "Stop" }).click();
      const answers = page.getByRole("article", { name: "Answer", exact: true });
      await answers.nth(1).getByText("(Stopped.)").waitFor();
      assert.doesNotMatch((await answers.nth(1).textContent()) ?? "", /slowly indeed/);

      provider.replies.splice(0, provider.replies.length, "It multiplies the total by 0.9.");
      await page.getByRole("button", { name: "Answer again" }).click();
      await answers.nth(1).getByText("It multiplies the total by 0.9.").waitFor();
      assert.equal(await answers.count(), 2);
      const nav = page.getByRole("navigation", { name: "Conversations" });
      await nav.getByRole("link", { name: "Web" }).click();
      await nav.getByRole("link", { name: "Where is the discount applied?" }).waitFor();
      await nav.getByRole("link", { name: "MCP" }).click();
      await nav.getByText("No conversations yet.").waitFor();
      await scan(page, "chat, conversation list");
    });

    await context.close();
    assert.deepEqual(journey.consoleErrors, []);
  });
});
