/**
 * The answer without a model over two really indexed repositories, through the web chat's REST
 * route and ctxpipe's own tools: one ranked, deduplicated list for the question as a whole
 * (search's question mode: the best files first, each once, with its best lines), scoped to
 * the repository the question names, within about 3,000 characters, and with no agent-only
 * hints (cursors, tool names). Also the words taken from a question and the repositories it
 * names (the word-by-word fallback's).
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { type AgentTool, EVIDENCE_MAX_CHARS, evidenceAnswer, questionWords, repositoriesNamed } from "../../src/chat/index.js";
import { agentTools } from "../../src/mcp/index.js";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";
import { toolServices } from "../harness/tool-services.js";

describe("questionWords and repositoriesNamed", () => {
  it("keeps the content words of a question, once each, without stop words or punctuation", () => {
    assert.deepEqual(questionWords("How does the shop apply discounts to the cart total?"), ["shop", "apply", "discount", "cart", "total"]);
    assert.deepEqual(questionWords("Where is parse_config called? parse_config, PARSE_CONFIG?"), ["parse_config"]);
    assert.deepEqual(questionWords("What is this?"), []);
  });

  it("finds the organisation's repositories a question names, by full name or last segment", () => {
    assert.deepEqual(repositoriesNamed("How does the shop apply discounts?", ["shop", "billing", "acme/shopfront"]), ["shop"]);
    assert.deepEqual(repositoriesNamed("in acme/shopfront, where is the cart?", ["shop", "acme/shopfront"]), ["acme/shopfront"]);
    assert.deepEqual(repositoriesNamed("Where is the cart?", ["shop"]), []);
  });
});

describe("answer without a model", () => {
  let root: string;
  let app: TestApp;
  let owner: TestUser;
  let orgSlug: string;
  let tools: AgentTool[];
  let shopCommit: string;

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-evidence-"));
    app = await startTestApp({ env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" } });
    owner = await signUp(app);
    const org = await createOrgAs(app, owner);
    orgSlug = org.slug;
    // Many files that hold one word of the question each, so that each word's search has more
    // results than one page (a cursor), and a few that hold several words.
    const filler: Record<string, string> = {};
    for (let i = 0; i < 30; i++) filler[`src/notes/discount-note-${String(i).padStart(2, "0")}.ts`] = `// discount rule ${i}\nexport const rule${i} = ${i};\n`;
    const shop = await createTestRepo(root, "shop", {
      ...filler,
      "src/cart.ts": [
        "import { applyDiscount } from './pricing';",
        "export function cartTotal(items: number[]) {",
        "  const total = items.reduce((a, b) => a + b, 0);",
        "  return applyDiscount(total); // the discount on the cart total",
        "}",
        "",
      ].join("\n"),
      "src/pricing.ts": "export function applyDiscount(total: number) {\n  return total * 0.9;\n}\n",
      "src/total.ts": "export const total = 0;\n",
      "README.md": "# Shop\n\nA discount applies at checkout.\n",
    });
    const billing = await createTestRepo(root, "billing", {
      "src/cart-discount.ts": "export function applyCartDiscount(total: number) {\n  return total - 5; // cart discount total\n}\n",
    });
    for (const [name, url] of [
      ["shop", shop],
      ["billing", billing],
    ]) {
      const added = await call(app, "POST", `/api/v1/orgs/${orgSlug}/repositories`, { as: owner, body: { url, name } });
      assert.equal(added.status, 201, added.text);
      const indexed = await waitForRepository(app, owner, orgSlug, added.json.id);
      if (name === "shop") shopCommit = indexed.indexedCommit!.slice(0, 12);
    }
    const orgId = (await app.running.platform.db.unsafeSystem.query<{ id: string }>("select id from orgs where slug = $1", [orgSlug])).rows[0]!.id;
    tools = agentTools(toolServices(app))({ orgId });
  });
  after(async () => {
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  /** The files the answer lists, in order (`repo@commit:path`). */
  const listed = (text: string) => [...text.matchAll(/^\d+\. `([^`]+?):\d+`/gm)].map((m) => m[1]!);

  it("answers the web chat with one ranked list for the whole question, in the named repository, without agent hints", async () => {
    const res = await call(app, "POST", `/api/v1/orgs/${orgSlug}/chat/conversations`, {
      as: owner,
      body: { prompt: "How does the shop apply a discount to the cart total?" },
    });
    assert.equal(res.status, 200, res.text);
    const text: string = res.json.answer.text;
    assert.match(text, /^No model is configured/);
    assert.match(text, /docs\/chat\.md/);
    // Written for the reader: no cursor, no tool names, no per-word sections.
    assert.doesNotMatch(text, /cursor|search_code|Search for|call again|narrow the query/i, text);
    assert.ok(text.length <= EVIDENCE_MAX_CHARS, `${text.length} characters`);

    const files = listed(text);
    assert.ok(files.length >= 3, text);
    assert.equal(new Set(files).size, files.length, `each file once: ${files.join(", ")}`);
    // Only the repository the question names.
    assert.ok(
      files.every((f) => f.startsWith(`shop@${shopCommit}:`)),
      files.join(", "),
    );
    // The question as a whole went to search's question mode: the file that holds all its words,
    // on one line, first; its best line shown in a code block and cited.
    assert.equal(files[0], `shop@${shopCommit}:src/cart.ts`, text);
    assert.match(text, /^ {3}4: return applyDiscount\(total\); \/\/ the discount on the cart total$/m);
    assert.match(text, /best match the question in `shop`/, text);
    assert.equal(res.json.answer.sources[0]?.startsWith(`shop@${shopCommit}:src/cart.ts:`), true, res.json.answer.sources.join(", "));
    // Files holding one word of the question (the notes) come after those holding several.
    const firstNote = files.findIndex((f) => f.includes("/notes/"));
    const pricing = files.indexOf(`shop@${shopCommit}:src/pricing.ts`);
    assert.ok(pricing !== -1 && (firstNote === -1 || pricing < firstNote), files.join(", "));
  });

  it("searches the whole organisation when the question names no repository", async () => {
    const answer = await evidenceAnswer({ tools, prompt: "Where is the cart discount total computed?" });
    const files = listed(answer.text);
    assert.ok(files.some((f) => f.startsWith("billing@")) && files.some((f) => f.startsWith("shop@")), answer.text);
    assert.ok(answer.text.length <= EVIDENCE_MAX_CHARS, `${answer.text.length} characters`);
  });

  it("scopes ctx_advisor's question to the repository in use", async () => {
    // ctx_advisor's prompt with currentProjectName.
    const answer = await evidenceAnswer({ tools, prompt: "(I am working in the repository billing.)\nWhere is the cart discount total computed?" });
    const files = listed(answer.text);
    assert.ok(files.length > 0 && files.every((f) => f.startsWith("billing@")), answer.text);
  });

  it("says so when nothing matches, without agent hints", async () => {
    const answer = await evidenceAnswer({ tools, prompt: "Where is the zzqxv frobnicator?" });
    assert.match(answer.text, /Nothing in the index contains these words/);
    assert.doesNotMatch(answer.text, /search_code|cursor/);
    assert.deepEqual(answer.sources, []);
  });
});
