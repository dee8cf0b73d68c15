/**
 * One caller cannot take the server down through search input: a catastrophic-backtracking
 * regex answers at once (RE2 semantics), what RE2 cannot run is refused with its offset, a
 * statement timeout inside the chunk scan leaves a usable transaction (partial result, not
 * 500), and NUL characters or huge line numbers are refused with 400 on REST and MCP.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createDatabase, type Database } from "../../src/platform/db/database.js";
import { withTenant } from "../../src/platform/db/tenant.js";
import { createLogger } from "../../src/platform/logging.js";
import { parseQuery } from "../../src/search/query-parser.js";
import * as sql from "../../src/search/scan.sql.js";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

/** Lines on which a backtracking engine takes about 2^40 steps for (a+)+$. */
const BACKTRACKING_LINES = `${"a".repeat(40)}b\n`.repeat(300);

/** About 2 MB of varied text: enough that scanning it all takes longer than a 1 ms timeout. */
function bulk(n: number): string {
  return Array.from({ length: 20_000 }, (_, i) => `line ${n}-${i} value=${(i * 7919) % 10007} // filler text for the scan\n`).join("");
}

describe("search bounds", () => {
  let root: string;
  let app: TestApp;
  let owner: TestUser;
  let org: { id: string; slug: string };
  let repositoryId: string;
  let key: string;
  let mcp: Client;

  const search = (q: string, extra = "") => call(app, "GET", `/api/v1/orgs/${org.slug}/search?q=${encodeURIComponent(q)}${extra}`, { as: { apiKey: key } });
  const tool = async (name: string, args: Record<string, unknown>) => {
    const result = (await mcp.callTool({ name, arguments: args })) as { isError?: boolean; content: { text: string }[] };
    return { isError: result.isError === true, text: result.content.map((c) => c.text).join("\n") };
  };

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-bounds-"));
    const repoDir = await createTestRepo(root, "bounds", {
      "src/app.py": "def create_app():\n    return App()\n\nclass App:\n    pass\n",
      "data/backtrack.txt": `${BACKTRACKING_LINES}aaaa\n`,
      "data/bulk-1.txt": bulk(1),
      "data/bulk-2.txt": bulk(2),
    });
    app = await startTestApp({ env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" } });
    owner = await signUp(app);
    org = await createOrgAs(app, owner);
    const added = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories`, { as: owner, body: { url: repoDir, name: "bounds" } });
    assert.equal(added.status, 201, added.text);
    repositoryId = added.json.id;
    assert.equal((await waitForRepository(app, owner, org.slug, repositoryId)).status, "ready");
    key = (await call(app, "POST", `/api/v1/orgs/${org.slug}/api-keys`, { as: owner, body: { name: "agent" } })).json.key;
    mcp = new Client({ name: "bounds-test", version: "1.0.0" });
    await mcp.connect(
      new StreamableHTTPClientTransport(new URL(`${app.url}/mcp?orgSlug=${org.slug}`), { requestInit: { headers: { Authorization: `Bearer ${key}` } } }),
    );
  });
  after(async () => {
    await mcp?.close();
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("answers a catastrophic-backtracking regex at once, over REST and MCP, with /.status free", async () => {
    const [res, status] = await Promise.all([search("/(a+)+$/ file:backtrack", "&budgetMs=1000"), fetch(`${app.url}/.status`)]);
    assert.equal(status.status, 200);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      res.json.results.map((r: { path: string; lines: { line: number; text: string }[] }) => [r.path, r.lines.map((l) => l.text)]),
      [["data/backtrack.txt", ["aaaa"]]],
    );
    const viaMcp = await tool("search_code", { query: "/(\\w+)+:$/ file:backtrack" });
    assert.equal(viaMcp.isError, false, viaMcp.text);
  });

  it("refuses what RE2 cannot run, pointing at it", async () => {
    const repeat = await search("x /(.{1,100}){100}/", "&budgetMs=2000");
    assert.equal(repeat.status, 400, repeat.text);
    assert.equal(repeat.json.error.code, "invalid_query");
    assert.match(repeat.json.error.message, /invalid repeat count/);
    const backref = await search("/(a)\\1/");
    assert.equal(backref.status, 400);
    assert.deepEqual(backref.json.error.details, { offset: 4 });
    const viaMcp = await tool("search_code", { query: "/a(?=b)/" });
    assert.equal(viaMcp.isError, true);
    assert.match(viaMcp.text, /lookaround/);
  });

  it("keeps the transaction usable when a chunk fetch hits the statement timeout", async () => {
    const db: Database = createDatabase({ url: app.db.url, poolSize: 1, logger: createLogger("silent"), applicationName: "bounds-test" });
    try {
      const pattern = parseQuery("/value=9999[0-9]xyz/").groups[0]![0]!;
      await withTenant(db, { orgId: org.id }, async (tx) => {
        const scan = await sql.openChunkScan(tx, pattern, false);
        // A 1 ms statement timeout: the fetch, which has 4 MB to read, is cancelled.
        await tx.query("set local statement_timeout = 1");
        await assert.rejects(scan.fetch(100), sql.ScanTimeout);
        await tx.query("set local statement_timeout = 0");
        await scan.close();
        const { rows } = await tx.query<{ n: number }>("select count(*)::int as n from repositories");
        assert.equal(rows[0]!.n, 1);
      });
    } finally {
      await db.close();
    }
  });

  it("refuses NUL characters in every text parameter with 400", async () => {
    const base = `/api/v1/orgs/${org.slug}`;
    const paths = [
      `${base}/search?q=foo%00bar`,
      `${base}/search?q=${encodeURIComponent("x file:a\u0000b")}`,
      `${base}/search?q=${encodeURIComponent("x repo:a\u0000")}`,
      `${base}/search?q=${encodeURIComponent("x lang:py\u0000")}`,
      `${base}/search?q=${encodeURIComponent("sym:a\u0000")}`,
      `${base}/symbols?name=a%00`,
      `${base}/symbols?name=app&lang=py%00`,
      `${base}/symbols?name=app&kind=function%00`,
      `${base}/references?name=App&repo=a%00`,
      `${base}/repositories/${repositoryId}/files?glob=*%00`,
      `${base}/repositories/${repositoryId}/files?cursor=AA`,
      `${base}/repositories/${repositoryId}/file?path=src/app.py%00`,
    ];
    for (const p of paths) {
      const res = await call(app, "GET", p, { as: { apiKey: key } });
      assert.equal(res.status, 400, `${p}: ${res.text}`);
      assert.match(res.json.error.code, /^(invalid_input|invalid_query|invalid_cursor)$/, p);
    }
    for (const [name, args] of [
      ["search_code", { query: "foo\u0000" }],
      ["find_symbol", { name: "app\u0000" }],
      ["find_references", { name: "App", repo: "bounds\u0000" }],
      ["list_files", { repo: "bounds", glob: "*\u0000" }],
      ["read_file", { repo: "bounds", path: "src/app.py\u0000" }],
    ] as const) {
      const result = await tool(name, args);
      assert.equal(result.isError, true, name);
      assert.match(result.text, /NUL/, `${name}: ${result.text}`);
    }
  });

  it("bounds line numbers before they reach the database", async () => {
    const res = await call(app, "GET", `/api/v1/orgs/${org.slug}/repositories/${repositoryId}/file?path=src/app.py&startLine=2147483000`, {
      as: { apiKey: key },
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.error.code, "invalid_input");
    const viaMcp = await tool("read_file", { repo: "bounds", path: "src/app.py", startLine: 2147483000 });
    assert.equal(viaMcp.isError, true);
    assert.doesNotMatch(viaMcp.text, /internal error/);
    const fine = await call(app, "GET", `/api/v1/orgs/${org.slug}/repositories/${repositoryId}/file?path=src/app.py&startLine=2`, { as: { apiKey: key } });
    assert.deepEqual(fine.json.lines[0], { line: 2, text: "    return App()" });
  });

  it("refuses a JSON-RPC batch on /mcp, so one request is one tool call within the fair share", async () => {
    const call = { jsonrpc: "2.0", method: "tools/call", params: { name: "search_code", arguments: { query: "App" } } };
    const res = await fetch(`${app.url}/mcp?orgSlug=${org.slug}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ ...call, id: i + 1 }))),
    });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /batches are not supported/);
  });

  it("accepts language aliases and names close matches of an unknown language or repository", async () => {
    const byAlias = await search("App lang:py");
    assert.equal(byAlias.status, 200, byAlias.text);
    assert.deepEqual(
      byAlias.json.results.map((r: { path: string }) => r.path),
      ["src/app.py"],
    );
    const typo = await search("App lang:pyhton");
    assert.equal(typo.status, 400);
    assert.match(typo.json.error.message, /unknown language "pyhton"; did you mean python/);
    const repo = await search("App repo:bonds");
    assert.equal(repo.status, 400);
    assert.equal(repo.json.error.code, "unknown_repository");
    assert.match(repo.json.error.message, /did you mean bounds/);
    const viaMcp = await tool("search_code", { query: "App repo:doesnotexist" });
    assert.equal(viaMcp.isError, true);
    assert.match(viaMcp.text, /no indexed repository matches repo:doesnotexist; the indexed ones are bounds/);
    const symbols = await call(app, "GET", `/api/v1/orgs/${org.slug}/symbols?name=App&lang=golang`, { as: { apiKey: key } });
    assert.equal(symbols.status, 200, symbols.text);
  });
});
