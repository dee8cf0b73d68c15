/**
 * Which lines of a file a search result shows first, through REST and the MCP search_code tool
 * over a really indexed fixture repository: the line with most query terms, then a definition
 * of the searched name, then line order. And find_symbol (REST and MCP) matching private names
 * (#x, _x, __x) without their prefix.
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

/** A Go file with 30 reader methods before the one constructor the query is after (line 65). */
function searcherGo(): string {
  const lines = ["package zoekt", "", "type reader struct{ n int }", ""];
  for (let i = 0; i < 30; i++) lines.push(`func (r *reader) readField${i}() int { return r.n + ${i} }`, "");
  lines.push("// NewSearcher opens the shards in dir.", "func NewSearcher(dir string) *reader {", "\treturn &reader{}", "}", "");
  return lines.join("\n");
}

/** A document where "shard" is on 26 lines and "format" only on line 29, beside "shard". */
function shardsMd(): string {
  const lines = ["# Shards", ""];
  for (let i = 0; i < 25; i++) lines.push(`Every shard holds part ${i} of the index.`);
  lines.push("", "The shard format is described below.", "");
  return lines.join("\n");
}

const LINE_OF = { NewSearcher: 66, NewSearcherComment: 65, shardFormat: 29 };

describe("result lines and private symbol names", () => {
  let app: TestApp;
  let owner: TestUser;
  let org: { slug: string };
  let root: string;
  let client: Client;

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-lines-"));
    const repoPath = await createTestRepo(root, "zoekt", {
      "searcher.go": searcherGo(),
      "doc/shards.md": shardsMd(),
      "doc/notes.md": `${Array.from({ length: 25 }, (_, i) => `Shard note ${i + 1}.`).join("\n")}\nThe index format is v16.\n`,
      "src/app.ts": [
        "export class App {",
        "  #dispatch(request: Request) {",
        "    return request;",
        "  }",
        "  fetch(request: Request) {",
        "    return this.#dispatch(request);",
        "  }",
        "}",
        "export function _private() {",
        "  return 1;",
        "}",
        "",
      ].join("\n"),
      "lib/util.py": "def __mangled():\n    return 2\n\n\ndef private_helper():\n    return 3\n",
    });
    app = await startTestApp({ env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" } });
    owner = await signUp(app);
    org = await createOrgAs(app, owner, "lines-org");
    const repo = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories`, { as: owner, body: { url: repoPath, name: "zoekt" } });
    assert.equal(repo.status, 201, repo.text);
    assert.equal((await waitForRepository(app, owner, org.slug, repo.json.id)).status, "ready");
    const key = (await call(app, "POST", `/api/v1/orgs/${org.slug}/api-keys`, { as: owner, body: { name: "agent" } })).json.key;
    client = new Client({ name: "ctxpipe-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${app.url}/mcp?orgSlug=${org.slug}`), { requestInit: { headers: { Authorization: `Bearer ${key}` } } }),
    );
  });
  after(async () => {
    await client?.close();
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  /** The matched line numbers of the result for `file`, in the order REST returns them. */
  const restLines = async (q: string, file: string, context = 0): Promise<{ line: number; context?: true }[]> => {
    const res = await call(app, "GET", `/api/v1/orgs/${org.slug}/search?q=${encodeURIComponent(q)}&context=${context}`, { as: owner });
    assert.equal(res.status, 200, res.text);
    const result = res.json.results.find((r: { path: string }) => r.path === file);
    assert.ok(result, `${q} finds ${file}: ${res.text}`);
    return result.lines;
  };
  /** The line numbers search_code cites for `file`, in order. */
  const mcpLines = async (q: string, file: string): Promise<number[]> => {
    const result = (await client.callTool({ name: "search_code", arguments: { query: q } })) as unknown as {
      structuredContent: { results: { citation: string; lines: number[] }[] };
    };
    const hit = result.structuredContent.results.find((r) => r.citation.endsWith(`:${file}`));
    assert.ok(hit, `${q} finds ${file} over MCP: ${JSON.stringify(result)}`);
    return hit.lines;
  };

  it("shows the line with every term first: func NewSearcher", async () => {
    const lines = await restLines("lang:go func NewSearcher", "searcher.go");
    assert.equal(lines[0]?.line, LINE_OF.NewSearcher, JSON.stringify(lines));
    // The comment holds one term, like the 30 reader methods; the method lines follow in line order.
    assert.deepEqual(
      lines.slice(1, 4).map((l) => l.line),
      [5, 7, 9],
    );
    assert.equal((await mcpLines("lang:go func NewSearcher", "searcher.go"))[0], LINE_OF.NewSearcher);
  });

  it("shows the line with both terms first, then a line of each term: shard format", async () => {
    const lines = await restLines("repo:zoekt shard format", "doc/shards.md");
    assert.equal(lines[0]?.line, LINE_OF.shardFormat, JSON.stringify(lines));
    assert.deepEqual((await mcpLines("repo:zoekt shard format", "doc/shards.md")).slice(0, 2), [LINE_OF.shardFormat, 1]);
    // No line holds both: the first line of each term comes before more lines of the same term.
    assert.deepEqual(
      (await restLines("repo:zoekt shard format", "doc/notes.md")).slice(0, 3).map((l) => l.line),
      [1, 26, 2],
    );
    assert.deepEqual((await mcpLines("repo:zoekt shard format", "doc/notes.md")).slice(0, 3), [1, 26, 2]);
  });

  it("puts a definition of the searched name before its uses", async () => {
    // NewSearcher alone: the comment (line 65) comes first in the file, the definition (66) first in the result.
    assert.deepEqual(
      (await restLines("NewSearcher", "searcher.go")).map((l) => l.line),
      [LINE_OF.NewSearcher, LINE_OF.NewSearcherComment],
    );
    assert.deepEqual(await mcpLines("NewSearcher", "searcher.go"), [LINE_OF.NewSearcher, LINE_OF.NewSearcherComment]);
  });

  it("keeps each match's context lines around it, best match first", async () => {
    const lines = await restLines("lang:go func NewSearcher", "searcher.go", 1);
    assert.deepEqual(
      lines.slice(0, 4).map((l) => [l.line, l.context === true]),
      [
        [65, true],
        [66, false],
        [67, true],
        [4, true],
      ],
    );
  });

  it("finds private names without their prefix (#x, _x, __x), and exactly with it", async () => {
    const names = async (name: string, match = "exact") => {
      const res = await call(app, "GET", `/api/v1/orgs/${org.slug}/symbols?name=${encodeURIComponent(name)}&match=${match}`, { as: owner });
      assert.equal(res.status, 200, res.text);
      return res.json.symbols.map((s: { name: string }) => s.name).sort();
    };
    assert.deepEqual(await names("dispatch"), ["#dispatch"]);
    assert.deepEqual(await names("#dispatch"), ["#dispatch"]);
    assert.deepEqual(await names("private"), ["_private"]);
    assert.deepEqual(await names("_private"), ["_private"]);
    assert.deepEqual(await names("mangled"), ["__mangled"]);
    assert.deepEqual(await names("privat", "prefix"), ["_private", "private_helper"]);
    const found = (await client.callTool({ name: "find_symbol", arguments: { name: "dispatch" } })) as { content: { text: string }[] };
    assert.match(found.content[0]!.text, /#dispatch/);
    assert.match(found.content[0]!.text, /src\/app\.ts:2/);
  });
});
