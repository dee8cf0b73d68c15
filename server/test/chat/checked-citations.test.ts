/**
 * Checked citations against a really indexed repository: a citation the index confirms is
 * verified with its line; an invented file, a line past the end, another commit, an unknown
 * repository and another organisation's repository are marked unverified with the reason.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { checkCitations, findCitations } from "../../src/chat/index.js";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";
import { toolServices } from "../harness/tool-services.js";

describe("checked citations", () => {
  let root: string;
  let app: TestApp;
  let orgId: string;
  let otherOrgId: string;
  let commit: string;

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-citations-"));
    app = await startTestApp({ env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" } });
    const owner = await signUp(app);
    const org = await createOrgAs(app, owner);
    const dir = await createTestRepo(root, "shop", { "src/cart.ts": "export class Cart {\n  total = 0;\n  add(n: number) { this.total += n; }\n}\n" });
    const added = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories`, { as: owner, body: { url: dir, name: "shop" } });
    const ready = await waitForRepository(app, owner, org.slug, added.json.id);
    commit = ready.indexedCommit!;
    const stranger = await signUp(app);
    const other = await createOrgAs(app, stranger);
    const ids = (
      await app.running.platform.db.unsafeSystem.query<{ id: string; slug: string }>("select id, slug from orgs where slug = any($1)", [[org.slug, other.slug]])
    ).rows;
    orgId = ids.find((o) => o.slug === org.slug)!.id;
    otherOrgId = ids.find((o) => o.slug === other.slug)!.id;
  });
  after(async () => {
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("verifies what the index holds and says why the rest is not", async () => {
    const c = commit.slice(0, 12);
    const answer = [
      `The total lives in shop@${c}:src/cart.ts:2 and grows in shop@${c}:src/cart.ts:3-4.`,
      `See also shop@${c}:src/checkout.ts:10, shop@${c}:src/cart.ts:40, shop@0000000deadbeef:src/cart.ts:2`,
      `and billing@${c}:src/invoice.ts:1. Again: shop@${c}:src/cart.ts:2.`,
    ].join("\n");
    const checked = await checkCitations(toolServices(app).search.readFile, { orgId }, answer);
    assert.deepEqual(
      checked.map((x) => [x.citation, x.verified, x.reason ?? x.text]),
      [
        [`shop@${c}:src/cart.ts:2`, true, "  total = 0;"],
        [`shop@${c}:src/cart.ts:3-4`, true, "  add(n: number) { this.total += n; }"],
        [`shop@${c}:src/checkout.ts:10`, false, "no indexed file shop:src/checkout.ts"],
        [`shop@${c}:src/cart.ts:40`, false, "src/cart.ts has 4 lines"],
        ["shop@0000000deadbeef:src/cart.ts:2", false, `the index holds shop at ${c}, not 0000000deadbeef`],
        [`billing@${c}:src/invoice.ts:1`, false, "no indexed file billing:src/invoice.ts"],
      ],
    );
    // Another organisation cannot confirm this one's code.
    const theirs = await checkCitations(toolServices(app).search.readFile, { orgId: otherOrgId }, `shop@${c}:src/cart.ts:2`);
    assert.deepEqual(
      theirs.map((x) => x.verified),
      [false],
    );
  });

  it("finds citations in linear time in any text, each once, at most fifty", () => {
    assert.deepEqual(findCitations(`${"a".repeat(200_000)}@`), []);
    const many = Array.from({ length: 80 }, (_, i) => `r@abcdef12:f${i}.ts:1`).join(" ");
    assert.equal(findCitations(many).length, 50);
    assert.deepEqual(
      findCitations("(acme/api@abcdef1234:src/a.ts:7-L9) and `acme/api@abcdef1234:src/a.ts:7-L9`").map((c) => [c.repo, c.path, c.startLine, c.endLine]),
      [["acme/api", "src/a.ts", 7, 9]],
    );
  });
});
