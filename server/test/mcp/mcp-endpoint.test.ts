/**
 * The MCP endpoint with the official SDK client over real HTTP: tool listing, every tool on a
 * really indexed repository, tool errors, and the transport-level refusals (orgSlug,
 * credentials, org, Origin, size, methods).
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

/** The tools that declare an output schema. */
const OUTPUT_SCHEMAS = ["search_code", "read_file", "list_files", "read_doc", "ctx_advisor"];

describe("MCP endpoint", () => {
  let app: TestApp;
  let owner: TestUser;
  let org: { slug: string };
  let key: string;
  let root: string;
  let client: Client;

  const connect = async (headers: Record<string, string>) => {
    const c = new Client({ name: "ctxpipe-test", version: "1.0.0" });
    await c.connect(new StreamableHTTPClientTransport(new URL(`${app.url}/mcp?orgSlug=${org.slug}`), { requestInit: { headers } }));
    return c;
  };

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-mcp-"));
    const repoPath = await createTestRepo(root, "shop", {
      "src/cart.ts": "export class Cart {\n  addItem(sku: string) {\n    return applyDiscount(sku);\n  }\n}\n",
      "src/discount.ts": "export function applyDiscount(sku: string) {\n  return sku.length;\n}\n",
      "docs/guide.md": "# Guide\nCall applyDiscount to compute prices.\n",
    });
    app = await startTestApp({ env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" } });
    owner = await signUp(app);
    org = await createOrgAs(app, owner, "mcp-org");
    const repo = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories`, { as: owner, body: { url: repoPath, name: "shop" } });
    assert.equal(repo.status, 201, repo.text);
    assert.equal((await waitForRepository(app, owner, org.slug, repo.json.id)).status, "ready");
    key = (await call(app, "POST", `/api/v1/orgs/${org.slug}/api-keys`, { as: owner, body: { name: "agent" } })).json.key;
    client = await connect({ Authorization: `Bearer ${key}` });
  });
  after(async () => {
    await client?.close();
    await app?.stop();
    await fs.rm(root, { recursive: true, force: true });
  });

  it("lists twelve read-only tools with compact schemas", async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((t) => t.name),
      [
        "list_repositories",
        "search_code",
        "read_file",
        "list_files",
        "find_symbol",
        "find_references",
        "get_instructions",
        "get_context",
        "graph_neighbors",
        "search_docs",
        "read_doc",
        "ctx_advisor",
      ],
    );
    for (const tool of tools) {
      assert.equal(tool.inputSchema.type, "object");
      assert.equal(tool.annotations?.readOnlyHint, true);
    }
    // Output schemas only where a client program needs the fields (a cursor, the next line, a
    // conversation id); the list's size is held by tool-list-size.test.ts.
    assert.deepEqual(
      tools.filter((t) => t.outputSchema?.type === "object").map((t) => t.name),
      OUTPUT_SCHEMAS,
    );
  });

  it("lists repositories", async () => {
    const result = await client.callTool({ name: "list_repositories", arguments: {} });
    const text = (result.content as { text: string }[])[0]!.text;
    assert.match(text, /^shop {2}ready {2}[0-9a-f]{12} {2}\d+ min ago {2}3 files/);
    assert.equal((result.structuredContent as { repositories: { name: string }[] }).repositories[0]!.name, "shop");
  });

  it("searches with citations, definition first", async () => {
    const result = await client.callTool({ name: "search_code", arguments: { query: "applyDiscount" } });
    const text = (result.content as { text: string }[])[0]!.text;
    const lines = text.split("\n");
    assert.match(lines[0]!, /^shop@[0-9a-f]{12}:src\/discount\.ts$/);
    assert.equal(lines[1], "  1: export function applyDiscount(sku: string) {");
    const structured = result.structuredContent as { results: { citation: string; lines: number[] }[]; partial: boolean };
    assert.deepEqual(
      structured.results.map((r) => r.citation.split(":")[1]),
      ["src/discount.ts", "docs/guide.md", "src/cart.ts"],
      "equal scores break on path",
    );
    assert.equal(structured.partial, false);
  });

  it("reads files with numbered lines and says how to continue", async () => {
    const result = await client.callTool({ name: "read_file", arguments: { repo: "shop", path: "src/cart.ts", startLine: 2, endLine: 3 } });
    const text = (result.content as { text: string }[])[0]!.text;
    assert.equal(
      text,
      [
        `shop@${text.slice(5, 17)}:src/cart.ts:2-3 of 5 lines`,
        "2    addItem(sku: string) {",
        "3      return applyDiscount(sku);",
        "More: read_file with startLine 4.",
      ].join("\n"),
    );
    assert.equal((result.structuredContent as { nextStartLine: number }).nextStartLine, 4);
  });

  it("lists files, finds symbols and references", async () => {
    const files = await client.callTool({ name: "list_files", arguments: { glob: "*.ts" } });
    assert.equal((files.content as { text: string }[])[0]!.text, "src/cart.ts\nsrc/discount.ts");
    const symbol = await client.callTool({ name: "find_symbol", arguments: { name: "addItem" } });
    assert.match((symbol.content as { text: string }[])[0]!.text, /^shop@[0-9a-f]{12}:src\/cart\.ts:2 {2}method in Cart {2}addItem\(sku: string\) \{$/);
    const refs = await client.callTool({ name: "find_references", arguments: { name: "applyDiscount" } });
    const refText = (refs.content as { text: string }[])[0]!.text;
    assert.match(refText, /src\/cart\.ts:3 {2}return applyDiscount\(sku\);/);
    assert.match(refText, /docs\/guide\.md:2/);
    assert.doesNotMatch(refText, /discount\.ts:1/, "the definition is not a reference");
  });

  it("returns tool errors an agent can act on", async () => {
    const unknownRepo = await client.callTool({ name: "read_file", arguments: { repo: "nope", path: "x" } });
    assert.equal(unknownRepo.isError, true);
    assert.match((unknownRepo.content as { text: string }[])[0]!.text, /repository was not found/);
    const badRegex = await client.callTool({ name: "search_code", arguments: { query: "/foo(/" } });
    assert.equal(badRegex.isError, true);
    assert.match((badRegex.content as { text: string }[])[0]!.text, /Invalid query at character 2: invalid regex/);
    const missingFile = await client.callTool({ name: "read_file", arguments: { repo: "shop", path: "src/none.ts" } });
    assert.equal(missingFile.isError, true);
    const invalidArgs = await client
      .callTool({ name: "search_code", arguments: { query: 42 } })
      .catch((err: Error) => ({ isError: true, content: [{ text: err.message }] }));
    assert.equal(invalidArgs.isError, true);
  });

  it("keeps the searches that found nothing for the admins' gap report, scrubbed", async () => {
    for (let i = 0; i < 2; i++) await client.callTool({ name: "search_code", arguments: { query: "paymentRetryPolicy" } });
    await client.callTool({ name: "find_symbol", arguments: { name: "NoSuchWidget" } });
    await client.callTool({ name: "search_code", arguments: { query: "https://bot:hunter2secret@git.example.com/x" } });
    const res = await call(app, "GET", `/api/v1/orgs/${org.slug}/mcp-usage/unanswered`, { as: owner });
    assert.equal(res.status, 200, res.text);
    const rows = res.json.unanswered as { tool: string; query: string; count: number }[];
    assert.deepEqual(rows[0], { ...rows[0], tool: "search_code", query: "paymentRetryPolicy", count: 2 });
    assert.ok(rows.some((r) => r.tool === "find_symbol" && r.query === "NoSuchWidget"));
    assert.ok(
      rows.some((r) => r.query === "https://bot:***@git.example.com/x"),
      "credentials are scrubbed",
    );
    assert.ok(!JSON.stringify(rows).includes("hunter2"));
    assert.ok(!rows.some((r) => r.query === "applyDiscount"), "searches that found something are not kept");
  });

  it("counts tool calls for the usage view", async () => {
    const usage = await call(app, "GET", `/api/v1/orgs/${org.slug}/mcp-usage`, { as: owner });
    assert.equal(usage.status, 200);
    const search = usage.json.usage.find((u: { tool: string }) => u.tool === "search_code");
    assert.ok(search.calls >= 2 && search.errors >= 1, JSON.stringify(search));
    assert.ok(search.maxMs >= search.avgMs && search.maxMs > 0, "the slowest call is kept beside the average");
    assert.equal(search.client, "API key: agent", "calls are counted per client (here the API key, by name)");
  });

  describe("answer budget", () => {
    /** Characters an answer costs a client that passes both text and structured content on. */
    const size = (r: Record<string, unknown>) =>
      (r.content as { text: string }[]).map((c) => c.text).join("").length + JSON.stringify(r.structuredContent ?? {}).length;
    const text = (r: Record<string, unknown>) => (r.content as { text: string }[])[0]!.text;
    const long = "x".repeat(260);
    let big: Client;

    before(async () => {
      // A second org with files whose every line is long: a full page of any tool overflows.
      const files: Record<string, string> = {};
      for (let i = 0; i < 60; i++) {
        files[`src/needles/n${i}.ts`] = Array.from({ length: 30 }, (_, j) => `export const needle${i}_${j} = "${long}"; // needle`).join("\n");
      }
      for (let i = 0; i < 250; i++)
        files[`src/some/deeply/nested/directory/for/budget/checks/module-${String(i).padStart(4, "0")}.ts`] = `export const m${i} = ${i};\n`;
      files["big.txt"] = Array.from({ length: 600 }, (_, i) => `${i} ${long}`).join("\n");
      const repoPath = await createTestRepo(root, "haystack", files);
      const budgetOrg = await createOrgAs(app, owner, "budget-org");
      const repo = await call(app, "POST", `/api/v1/orgs/${budgetOrg.slug}/repositories`, { as: owner, body: { url: repoPath, name: "haystack" } });
      assert.equal(repo.status, 201, repo.text);
      assert.equal((await waitForRepository(app, owner, budgetOrg.slug, repo.json.id)).status, "ready");
      const budgetKey = (await call(app, "POST", `/api/v1/orgs/${budgetOrg.slug}/api-keys`, { as: owner, body: { name: "budget" } })).json.key;
      big = new Client({ name: "ctxpipe-test", version: "1.0.0" });
      await big.connect(
        new StreamableHTTPClientTransport(new URL(`${app.url}/mcp?orgSlug=${budgetOrg.slug}`), {
          requestInit: { headers: { Authorization: `Bearer ${budgetKey}` } },
        }),
      );
    });
    after(async () => {
      await big?.close();
    });

    it("keeps text and structured content together within 24,000 characters, snippets in the text only", async () => {
      const search = await big.callTool({ name: "search_code", arguments: { query: "needle", limit: 50 } });
      assert.ok(size(search) <= 24_000, `search_code: ${size(search)}`);
      assert.match(text(search), /Output cut to fit the budget/);
      const results = (search.structuredContent as { results: { citation: string; lines: unknown[] }[] }).results;
      assert.ok(results.length > 0 && results.every((r) => r.lines.every((l) => typeof l === "number")), "line numbers only");
      assert.equal(
        results.length,
        text(search)
          .split("\n")
          .filter((l) => l.startsWith("haystack@")).length,
        "structured results are the ones shown",
      );

      const read = await big.callTool({ name: "read_file", arguments: { repo: "haystack", path: "big.txt" } });
      assert.ok(size(read) <= 24_000, `read_file: ${size(read)}`);
      const range = read.structuredContent as { endLine: number; nextStartLine: number; lines?: unknown };
      assert.equal(range.lines, undefined);
      assert.equal(range.nextStartLine, range.endLine + 1);
      assert.match(text(read), new RegExp(`More: read_file with startLine ${range.nextStartLine}\\.`));

      const refs = await big.callTool({ name: "find_references", arguments: { name: "needle", limit: 200 } });
      assert.ok(size(refs) <= 24_000, `find_references: ${size(refs)}`);
      const symbols = await big.callTool({ name: "find_symbol", arguments: { name: "needle", match: "prefix" } });
      assert.ok(size(symbols) <= 24_000, `find_symbol: ${size(symbols)}`);
    });

    it("cuts list_files to the budget and continues with a cursor, losing no path", async () => {
      const seen = new Set<string>();
      let cursor: string | undefined;
      for (let page = 0; page < 20; page++) {
        const res = await big.callTool({ name: "list_files", arguments: { repo: "haystack", limit: 1000, ...(cursor ? { cursor } : {}) } });
        assert.ok(size(res) <= 24_000, `list_files: ${size(res)}`);
        const structured = res.structuredContent as { files: { path: string }[]; nextCursor: string | null };
        for (const f of structured.files) seen.add(f.path);
        if (!structured.nextCursor) break;
        cursor = structured.nextCursor;
      }
      assert.equal(seen.size, 311);
    });
  });

  describe("transport refusals", () => {
    const post = (query: string, headers: Record<string, string>, body: unknown = { jsonrpc: "2.0", id: 1, method: "tools/list" }) =>
      fetch(`${app.url}/mcp${query}`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });

    it("needs orgSlug", async () => {
      const res = await post("", { authorization: `Bearer ${key}` });
      assert.equal(res.status, 400);
      const body = (await res.json()) as { error: { code: number; message: string } };
      assert.equal(body.error.code, -32600);
      assert.match(body.error.message, /mcp\?orgSlug=/);
    });

    it("asks for credentials with the resource metadata", async () => {
      const res = await post(`?orgSlug=${org.slug}`, {});
      assert.equal(res.status, 401);
      assert.equal(res.headers.get("www-authenticate"), `Bearer resource_metadata="http://localhost:3000/.well-known/oauth-protected-resource/mcp"`);
      const bad = await post(`?orgSlug=${org.slug}`, { authorization: "Bearer ctx_not-a-real-key" });
      assert.equal(bad.status, 401);
      assert.match(bad.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
      const metadata = (await (await fetch(`${app.url}/.well-known/oauth-protected-resource/mcp`)).json()) as { resource: string };
      assert.equal(metadata.resource, "http://localhost:3000/mcp");
    });

    it("hides other organisations", async () => {
      const res = await post("?orgSlug=someone-else", { authorization: `Bearer ${key}` });
      assert.equal(res.status, 404);
    });

    it("refuses foreign origins, oversized bodies and other methods", async () => {
      assert.equal((await post(`?orgSlug=${org.slug}`, { authorization: `Bearer ${key}`, origin: "https://evil.example.com" })).status, 403);
      const big = await post(
        `?orgSlug=${org.slug}`,
        { authorization: `Bearer ${key}` },
        JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { pad: "x".repeat(2 * 1024 * 1024) } }),
      );
      assert.equal(big.status, 413);
      const get = await fetch(`${app.url}/mcp?orgSlug=${org.slug}`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(get.status, 405);
      assert.equal(get.headers.get("allow"), "POST");
    });

    it("answers a notification-only POST with 202", async () => {
      const res = await post(`?orgSlug=${org.slug}`, { authorization: `Bearer ${key}` }, { jsonrpc: "2.0", method: "notifications/initialized" });
      assert.equal(res.status, 202);
    });
  });
});
