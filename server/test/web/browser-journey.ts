/**
 * What the browser journeys share: fresh browser profiles that record every console error,
 * failed response (but the 401 of the "who am I" probe) and page error; steps that save a
 * screenshot when they fail; and an axe-core scan (no serious or critical violation) that,
 * with DOCS_SCREENSHOTS set, also saves the page for the user guide.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { eventually } from "../harness/eventually.js";

const AXE_SOURCE = await fs.readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core's serious and critical violations on the page as it is now. */
export async function axeViolations(page: Page): Promise<string[]> {
  // page.evaluate runs through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ["violations"] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).join(", ") })))`)) as {
    id: string;
    impact: string;
    nodes: string;
  }[];
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.impact}): ${v.nodes}`);
}

/**
 * Waits until `expression` is true in the page, reading it through the DevTools protocol.
 * Not `page.waitForFunction`: once its first check fails, it polls by compiling the string in
 * the page, which the page's CSP (no 'unsafe-eval') refuses.
 */
export async function waitInPage(page: Page, expression: string, timeoutMs = 15_000): Promise<void> {
  await eventually(async () => assert.ok(await page.evaluate(expression), expression), { timeoutMs, message: "waiting in the page" });
}

/** A journey's browser helpers. */
export interface Journey {
  /** Console errors, failed responses and page errors seen so far (expected: none). */
  consoleErrors: string[];
  /** A fresh browser profile (1200×760, clipboard allowed) that records errors. */
  newUser(): Promise<{ context: BrowserContext; page: Page }>;
  /** Runs one step; on failure, saves a screenshot and names it in the error. */
  step(page: Page, name: string, fn: () => Promise<void>): Promise<void>;
  /** Scans the page with axe-core (and saves it under DOCS_SCREENSHOTS when set). */
  scan(page: Page, name: string): Promise<void>;
  /** Runs `fn` and returns the errors recorded meanwhile, taking them off `consoleErrors`. */
  errorsDuring(fn: () => Promise<void>): Promise<string[]>;
}

/** Helpers for journeys of `browser` against the app at `baseUrl`. */
export async function startJourney(browser: Browser, baseUrl: string): Promise<Journey> {
  const shots = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-web-shots-"));
  const consoleErrors: string[] = [];
  return {
    consoleErrors,
    async newUser() {
      const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1200, height: 760 } });
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseUrl });
      const page = await context.newPage();
      page.on("response", (res) => {
        if (res.status() >= 400 && res.status() !== 401) consoleErrors.push(`${res.status()} ${res.request().method()} ${new URL(res.url()).pathname}`);
      });
      page.on("pageerror", (err) => consoleErrors.push(`pageerror: ${err.message}`));
      page.on("console", (msg) => {
        if (msg.type() !== "error") return;
        // Chromium logs every non-2xx fetch; the app's "who am I" probe answers 401 before sign-in.
        if (/Failed to load resource: the server responded with a status of 401/.test(msg.text())) return;
        consoleErrors.push(msg.text());
      });
      return { context, page };
    },
    async step(page, name, fn) {
      try {
        await fn();
      } catch (err) {
        const file = path.join(shots, `${name.replace(/\W+/g, "-")}.png`);
        await page.screenshot({ path: file, fullPage: true }).catch(() => {});
        throw new Error(`step "${name}" failed (screenshot: ${file}): ${(err as Error).message}`);
      }
    },
    async scan(page, name) {
      if (process.env.DOCS_SCREENSHOTS) await page.screenshot({ path: path.join(process.env.DOCS_SCREENSHOTS, `${name.replace(/\W+/g, "-")}.png`) });
      const found = await axeViolations(page);
      assert.deepEqual(found, [], `axe on ${name}: ${found.join("; ")}`);
    },
    async errorsDuring(fn) {
      const before = consoleErrors.length;
      await fn();
      return consoleErrors.splice(before);
    },
  };
}
