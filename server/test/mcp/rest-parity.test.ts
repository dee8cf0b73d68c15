/**
 * MCP on REST's rails: the same search gives the same answer over REST and over MCP's
 * search_code (code queries and `type:doc` ones, through the one search service), and an MCP
 * tool call runs no more transactions than the REST request for the same search plus the one
 * that records its usage. Transactions are counted as checkouts of the process's two pools
 * (each checkout is one transaction: a `withTenant` block or a single statement), in a
 * server-only process so no worker loop runs beside the requests.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type pg from "pg";
import { saveDocument } from "../../src/documents/index.js";
import { withTenant } from "../../src/platform/db/tenant.js";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

/** One page as the Confluence sync stores it. */
const page = (sourceId: string, title: string, spaceKey: string, text: string) => ({
  sourceId,
  parentSourceId: null,
  spaceKey,
  spaceName: spaceKey === "ENG" ? "Engineering" : "Operations",
  title,
  url: `https://acme.atlassian.net/wiki/spaces/${spaceKey}/pages/${sourceId}`,
  author: "Alice Example",
  version: 3,
  updatedAt: new Date("2026-11-01T10:00:00Z"),
  restricted: false,
  ownRestricted: false,
  withheld: false,
  attachments: 0,
  text,
});

describe("MCP and REST: one search service", () => {
  let full: TestApp;
  let app: TestApp;
  let owner: TestUser;
  let org: { id: string; slug: string };
  let key: string;
  let root: string;
  let client: Client;

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-parity-"));
    const repoPath = await createTestRepo(root, "shop", {
      "src/cart.ts": "export class Cart {\n  addItem(sku: string) {\n    return applyDiscount(sku);\n  }\n}\n",
      "src/discount.ts": "export function applyDiscount(sku: string) {\n  return sku.length;\n}\n",
      "docs/guide.md": "# Guide\nCall applyDiscount to compute prices.\n",
    });
    const env = { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" };
    full = await startTestApp({ env });
    owner = await signUp(full);
    org = await createOrgAs(full, owner, "parity-org");
    const repo = await call(full, "POST", `/api/v1/orgs/${org.slug}/repositories`, { as: owner, body: { url: repoPath, name: "shop" } });
    assert.equal(repo.status, 201, repo.text);
    assert.equal((await waitForRepository(full, owner, org.slug, repo.json.id)).status, "ready");
    key = (await call(full, "POST", `/api/v1/orgs/${org.slug}/api-keys`, { as: owner, body: { name: "agent" } })).json.key;
    // Documents as a Confluence sync leaves them (the documents capability's own write).
    const connection = await call(full, "POST", `/api/v1/orgs/${org.slug}/connections/confluence`, {
      as: owner,
      body: { name: "Acme wiki", clientId: "client-id", clientSecret: "client-secret" },
    });
    assert.equal(connection.status, 201, connection.text);
    const db = full.running.platform.db;
    await withTenant(db, { orgId: org.id }, async (tx) => {
      await saveDocument(
        tx,
        org.id,
        connection.json.id,
        page("101", "Deploy runbook", "ENG", "Roll out with kubectl rollout status.\n## Rollback\nkubectl rollout undo"),
      );
      await saveDocument(tx, org.id, connection.json.id, page("102", "Retention policy", "OPS", "Logs are kept for 30 days, then rolled out of storage."));
    });
    // The same database served by a process with the server role alone: no worker loop beside the requests counted.
    app = await startTestApp({ env, roles: ["server"], db: full.db });
    client = new Client({ name: "parity-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${app.url}/mcp?orgSlug=${org.slug}`), { requestInit: { headers: { Authorization: `Bearer ${key}` } } }),
    );
  });
  after(async () => {
    await client?.close();
    await app?.stop();
    await full?.stop();
    await fs.rm(root, { recursive: true, force: true });
  });

  const rest = async (q: string) => {
    const res = await call(app, "GET", `/api/v1/orgs/${org.slug}/search?q=${encodeURIComponent(q)}&limit=10`, { as: { apiKey: key } });
    assert.equal(res.status, 200, res.text);
    return res.json;
  };
  const mcp = async (query: string) => {
    const result = await client.callTool({ name: "search_code", arguments: { query, limit: 10 } });
    assert.notEqual(result.isError, true, JSON.stringify(result.content));
    return {
      ...(result.structuredContent as { results: { citation: string; lines: number[] }[]; partial: boolean }),
      text: (result.content as { text: string }[])[0]!.text,
    };
  };

  it("answers code queries with the same files, in the same order, with the same lines", async () => {
    for (const q of ["applyDiscount", "sym:applyDiscount", "lang:typescript sku", "file:\\.md$ prices", "/apply[A-Z]\\w+/ -file:cart"]) {
      const viaRest = await rest(q);
      const viaMcp = await mcp(q);
      assert.ok(viaRest.results.length > 0, `${q} finds something`);
      assert.deepEqual(
        viaMcp.results,
        viaRest.results.map((r: { repository: { name: string }; commit: string; path: string; lines: { line: number; context?: true }[] }) => ({
          citation: `${r.repository.name}@${r.commit.slice(0, 12)}:${r.path}`,
          // search_code shows at most eight matching lines per file.
          lines: r.lines
            .filter((l) => !l.context)
            .slice(0, 8)
            .map((l) => l.line),
        })),
        q,
      );
      assert.equal(viaMcp.partial, viaRest.partial, q);
    }
  });

  it("answers type:doc and space: queries with the same documents (search_code too)", async () => {
    for (const q of ["type:doc kubectl rollout", "type:doc rolled", "space:OPS logs"]) {
      const viaRest = await rest(q);
      const viaMcp = await mcp(q);
      assert.ok(viaRest.documents.length > 0, `${q} finds a document`);
      assert.deepEqual(
        viaMcp.results,
        viaRest.documents.map((d: { citation: string; lines: { line: number }[] }) => ({ citation: d.citation, lines: d.lines.map((l) => l.line) })),
        q,
      );
      // Each document's id, for read_doc, is in the text.
      for (const d of viaRest.documents) assert.ok(viaMcp.text.includes(d.id), `${q}: ${d.id}`);
    }
  });

  it("runs an MCP tool call in no more transactions than REST's, plus its usage record", async () => {
    const db = app.running.platform.db;
    const rest_ = await transactions([db.app, db.unsafeSystem], () => rest("applyDiscount"));
    const mcp_ = await transactions([db.app, db.unsafeSystem], () => mcp("applyDiscount"));
    // Printed for the record: what each checkout ran first.
    console.log(`transactions: REST search ${rest_.length} [${rest_.join(" | ")}]; MCP search_code ${mcp_.length} [${mcp_.join(" | ")}]`);
    assert.ok(mcp_.length <= rest_.length + 1, `MCP ${mcp_.length}, REST ${rest_.length}`);
  });
});

/**
 * The transactions `fn` runs on `pools`: one entry per checkout (its first statement,
 * shortened), leaving out the status monitor's background checks.
 */
async function transactions(pools: pg.Pool[], fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[][] = [];
  const open = new Map<pg.PoolClient, string[]>();
  const wrapped = new WeakSet<pg.PoolClient>();
  const onAcquire = (client: pg.PoolClient) => {
    const statements: string[] = [];
    seen.push(statements);
    open.set(client, statements);
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      const text = typeof args[0] === "string" ? args[0] : ((args[0] as { text?: string } | undefined)?.text ?? "");
      open.get(client)?.push(text.replace(/\s+/g, " ").trim());
      return query(...args);
    };
  };
  const onRelease = (_err: unknown, client: pg.PoolClient) => open.delete(client);
  for (const pool of pools) pool.on("acquire", onAcquire).on("release", onRelease);
  try {
    await fn();
  } finally {
    for (const pool of pools) pool.off("acquire", onAcquire).off("release", onRelease);
  }
  // The status monitor's checks (every second, StatusMonitor) run beside any request.
  const background = (s: string[]) => s.length === 0 || s.every((t) => t === "select 1" || t.includes("worker_heartbeats"));
  const short = (t: string) => t.slice(0, 60);
  return seen
    .filter((s) => !background(s))
    .map((s) => (s[0]!.startsWith("begin") ? `begin; ${short(s.find((t) => !/^(begin|select set_config|set local)/.test(t)) ?? "")}` : short(s[0]!)));
}
