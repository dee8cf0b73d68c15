/**
 * The knowledge-graph explorer in a real browser against the real server, git and indexer:
 * three repositories (graph-fixtures.ts, and a package with 40 dependencies) are indexed → a
 * member opens Graph from the navigation → finds @acme/ui by name → its drawer shows the
 * drawing, where it is declared and its dependents from both repositories → a dependent's
 * evidence opens the file view at the line → the 40 dependencies' drawing, fitted zoomed out,
 * keeps labels at least 11 px on screen → a kind filter lists the datastores → a node picked on
 * the drawing opens → two nodes with one name are listed with the repository and path that
 * tell them apart. Each state is scanned with axe-core, in light and dark; no console error or
 * CSP violation is allowed.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../harness/browser.js";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import type { TestApp } from "../harness/test-app.js";
import { startOAuthTestApp } from "../oauth/oauth-helpers.js";
import { BILLING, PLATFORM } from "../graph/graph-fixtures.js";
import { type Journey, startJourney, waitInPage } from "./browser-journey.js";

/** The drawing's cytoscape instance, which cytoscape registers on its container. */
const DRAWING = `document.querySelector('[data-testid="graph-canvas"]')?._cyreg?.cy`;

/**
 * The smallest node and edge label of the drawing of `nodes` nodes as drawn on screen (px):
 * each element's computed font-size times the zoom, with the zoom the drawing was fitted at.
 */
async function labelSizes(page: Page, nodes: number): Promise<{ zoom: number; node: number; edge: number }> {
  await waitInPage(page, `(${DRAWING}?.nodes().length ?? 0) === ${nodes}`);
  return (await page.evaluate(`(() => {
    const cy = ${DRAWING};
    const zoom = cy.zoom();
    const smallest = (elements) => Math.min(...elements.map((e) => e.numericStyle("font-size") * zoom));
    return { zoom, node: smallest(cy.nodes()), edge: smallest(cy.edges()) };
  })()`)) as { zoom: number; node: number; edge: number };
}

/** A third repository: one package with 40 dependencies, a neighbourhood fitted zoomed out. */
const STOREFRONT: Record<string, string> = {
  "package.json": JSON.stringify(
    {
      name: "@acme/storefront",
      version: "1.0.0",
      dependencies: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`@vendor/widget-${String(i + 1).padStart(2, "0")}`, "^1.0.0"])),
    },
    null,
    2,
  ),
};

describe("graph explorer journey", () => {
  let root: string;
  let app: TestApp;
  let browser: Browser;
  let journey: Journey;
  let owner: TestUser;
  let orgSlug: string;

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-graph-web-"));
    app = await startOAuthTestApp();
    owner = await signUp(app);
    orgSlug = (await createOrgAs(app, owner, "acme-graph")).slug;
    for (const [name, files] of [
      ["platform", PLATFORM],
      ["billing", BILLING],
      ["storefront", STOREFRONT],
    ] as const) {
      const added = await call(app, "POST", `/api/v1/orgs/${orgSlug}/repositories`, {
        as: owner,
        body: { url: await createTestRepo(root, name, files), name },
      });
      assert.equal(added.status, 201, added.text);
      assert.equal((await waitForRepository(app, owner, orgSlug, added.json.id)).status, "ready");
    }
    browser = await launchBrowser();
    journey = await startJourney(browser, app.url);
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("finds a package, shows its dependents across repositories and opens their evidence", async () => {
    const { page, context } = await journey.newUser();
    const { step, scan } = journey;
    await step(page, "sign in and open the graph", async () => {
      await page.goto(`/sign-in`);
      await page.getByLabel("E-mail").fill(owner.email);
      await page.getByLabel("Password").fill(owner.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`**/${orgSlug}`);
      await page.getByRole("link", { name: "Graph", exact: true }).click();
      await page.waitForURL(`**/${orgSlug}/graph`);
      await page.getByTestId("graph-nodes").waitFor();
      await scan(page, "graph explorer");
    });

    await step(page, "find @acme/ui and read its drawer", async () => {
      await page.getByLabel("Name").fill("@acme/ui");
      await page.getByRole("button", { name: "Find" }).click();
      await page.waitForURL(/graph\?q=%40acme%2Fui|graph\?q=@acme\/ui/);
      await page
        .getByTestId("graph-nodes")
        .getByRole("link", { name: /^@acme\/ui/ })
        .click();
      const drawer = page.getByTestId("graph-drawer");
      await drawer.getByRole("heading", { name: "@acme/ui" }).waitFor();
      assert.match((await drawer.textContent()) ?? "", /platform@[0-9a-f]{12}:packages\/ui\/package\.json:2/);
      const edges = page.getByTestId("graph-edges");
      const text = (await edges.textContent()) ?? "";
      assert.match(text, /depends_on \(from\)@acme\/webapp/);
      assert.match(text, /depends_on \(from\)@acme\/apiservice/);
      assert.match(text, /depends_onreactpackage, external\^19\.0\.0/);
      // The drawing is there (cytoscape's canvases inside the container).
      assert.ok((await page.getByTestId("graph-canvas").locator("canvas").count()) > 0);
      await scan(page, "graph node");
      await page.emulateMedia({ colorScheme: "dark" });
      await scan(page, "graph node (dark)");
      await page.emulateMedia({ colorScheme: "light" });
      await page.setViewportSize({ width: 375, height: 760 });
      await scan(page, "graph node (375 px)");
      await page.setViewportSize({ width: 1200, height: 760 });
    });

    await step(page, "open a dependent's evidence in the file view", async () => {
      await page
        .getByTestId("graph-edges")
        .getByRole("link", { name: /^billing@[0-9a-f]{12}:web\/package\.json:5$/ })
        .click();
      await page.waitForURL(/files\/billing\/web\/package\.json#L5$/);
      await page.locator('[id="L5"][data-selected="true"]').waitFor();
      await page.goBack();
      await page.getByTestId("graph-drawer").getByRole("heading", { name: "@acme/ui" }).waitFor();
    });

    await step(page, "a large neighbourhood's drawing keeps its labels legible", async () => {
      await page.getByLabel("Name").fill("@acme/storefront");
      await page.getByRole("button", { name: "Find" }).click();
      await page
        .getByTestId("graph-nodes")
        .getByRole("link", { name: /^@acme\/storefront/ })
        .click();
      await page.getByTestId("graph-drawer").getByRole("heading", { name: "@acme/storefront" }).waitFor();
      // 41 nodes fitted into the drawing zoom it out; labels stay at least 11 px on screen (#27).
      const sizes = await labelSizes(page, 41);
      assert.ok(sizes.zoom < 1, `the drawing is fitted zoomed out: ${JSON.stringify(sizes)}`);
      assert.ok(sizes.node >= 10.99, `node labels drawn at ${sizes.node.toFixed(1)} px: ${JSON.stringify(sizes)}`);
      assert.ok(sizes.edge >= 10.99, `edge labels drawn at ${sizes.edge.toFixed(1)} px: ${JSON.stringify(sizes)}`);
      await scan(page, "graph large neighbourhood");
    });

    await step(page, "filter by kind, then follow an edge", async () => {
      await page.getByLabel("Name").fill("");
      await page.getByLabel("Kind").selectOption("datastore");
      await page.getByRole("button", { name: "Find" }).click();
      await page.waitForURL(/kind=datastore/);
      const list = page.getByTestId("graph-nodes");
      await list.getByRole("link", { name: /^postgres/ }).waitFor();
      assert.deepEqual(await list.getByRole("link").allTextContents(), [
        "aws_db_instance.ordersdatastoreplatform · infra/main.tf",
        "postgresdatastoreplatform · compose.yaml",
      ]);
      await list.getByRole("link", { name: /^postgres/ }).click();
      await page.getByTestId("graph-edges").getByRole("link", { name: "db", exact: true }).click();
      await page.getByTestId("graph-drawer").getByRole("heading", { name: "db" }).waitFor();
      assert.match((await page.getByTestId("graph-edges").textContent()) ?? "", /depends_on \(from\)apiservice/);
      await scan(page, "graph service");
    });

    await step(page, "tell apart two nodes with one name by repository and path", async () => {
      await page.getByLabel("Kind").selectOption("");
      await page.getByLabel("Name").fill("main.go routes");
      await page.getByRole("button", { name: "Find" }).click();
      await page.waitForURL(/q=main\.go/);
      const list = page.getByTestId("graph-nodes");
      await list.getByTestId("graph-node-place").first().waitFor();
      assert.deepEqual(await list.getByRole("link").allTextContents(), ["main.go routesapibilling · cmd/worker/main.go", "main.go routesapibilling · main.go"]);
      await scan(page, "graph nodes with one name");
    });

    await context.close();
    assert.deepEqual(journey.consoleErrors, []);
  });
});
