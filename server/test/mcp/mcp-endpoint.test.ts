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

  it("lists six read-only tools with compact schemas", async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((t) => t.name),
      ["list_repositories", "search_code", "read_file", "list_files", "find_symbol", "find_references"],
    );
    for (const tool of tools) {
      assert.equal(tool.inputSchema.type, "object");
      assert.equal(tool.outputSchema?.type, "object", `${tool.name} has an output schema`);
      assert.equal(tool.annotations?.readOnlyHint, true);
    }
    // Agents pay for every token of the tool list: keep it under ~2,500 tokens (4 chars each).
    const size = JSON.stringify(tools).length;
    assert.ok(size < 10_000, `tool list is ${size} characters`);
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
    const structured = result.structuredContent as { results: { path: string }[]; partial: boolean };
    assert.deepEqual(
      structured.results.map((r) => r.path),
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

  it("counts tool calls for the usage view", async () => {
    const usage = await call(app, "GET", `/api/v1/orgs/${org.slug}/mcp-usage`, { as: owner });
    assert.equal(usage.status, 200);
    const search = usage.json.usage.find((u: { tool: string }) => u.tool === "search_code");
    assert.ok(search.calls >= 2 && search.errors >= 1, JSON.stringify(search));
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
