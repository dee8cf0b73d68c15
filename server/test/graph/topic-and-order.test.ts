/**
 * Organisation context asked in words and dependencies listed in order (#29), through the real
 * pipeline (git, the indexer, the extractors, REST and MCP over HTTP) on small repositories
 * built here: "atlas" (an npm monorepo with ADRs, a docker-compose file and agent rules),
 * "libs" (the organisation's own Go modules and an npm package) and "gateway" (a Go module
 * requiring two of libs' modules, many external ones and more indirect ones, and an npm app
 * with runtime, peer and dev dependencies).
 *
 * get_context: a topic of several words ranks what matches most of its words first (before,
 * these topics answered "Nothing known"); one word answers as it did. graph_neighbors: direct
 * dependencies before indirect ones, the organisation's own first, then by name, and a cut
 * list says how many it left out, by group.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { saveDocument } from "../../src/documents/index.js";
import { withTenant } from "../../src/platform/db/tenant.js";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

const json = (value: unknown) => JSON.stringify(value, null, 2);

const ATLAS: Record<string, string> = {
  "package.json": json({ name: "atlas-monorepo", private: true, workspaces: ["packages/*"] }),
  "packages/web/package.json": json({
    name: "@atlas/web",
    version: "1.0.0",
    description: "The customer web app",
    dependencies: { "@atlas/graph-client": "*" },
  }),
  "packages/graph-client/package.json": json({ name: "@atlas/graph-client", version: "0.4.0", description: "Queries for the graph database" }),
  "packages/billing/package.json": json({ name: "@atlas/billing", version: "2.0.0", description: "Invoices and payments" }),
  "docs/adr/0001-falkordb.md": [
    "# 1. Use FalkorDB as the graph database",
    "",
    "Date: 2026-02-01",
    "",
    "## Status",
    "",
    "Accepted",
    "",
    "## Decision",
    "",
    "We keep the knowledge graph in FalkorDB, queried with Cypher.",
    "",
  ].join("\n"),
  "docs/adr/0002-deploy.md": [
    "# 2. Deploy with Docker Compose",
    "",
    "## Status",
    "",
    "Accepted",
    "",
    "## Decision",
    "",
    "Every environment runs the same compose file on one host.",
    "",
  ].join("\n"),
  "docs/adr/0003-invoices.md": "# 3. Number invoices per year\n\n## Status\n\nProposed\n\n## Decision\n\nInvoice numbers restart each January.\n",
  "docker-compose.yml": [
    "services:",
    "  web:",
    "    build: ./packages/web",
    "    depends_on:",
    "      - graph",
    "      - db",
    "  graph:",
    "    image: falkordb/falkordb:v4.2",
    "  db:",
    "    image: postgres:16",
    "",
  ].join("\n"),
  "AGENTS.md": [
    "# Working here",
    "",
    "- Run `npm test` before you commit.",
    "- Never run docker compose down -v on a shared host: it deletes the graph.",
    "- Graph queries must go through @atlas/graph-client.",
    "",
  ].join("\n"),
};

/** The organisation's own Go modules (declared here, required by gateway) and npm package. */
const LIBS: Record<string, string> = {
  "auth/go.mod": "module go.acme.dev/auth\n\ngo 1.23\n",
  "shared/go.mod": "module go.acme.dev/shared\n\ngo 1.23\n",
  "kit/package.json": json({ name: "@acme/kit", version: "1.0.0" }),
};

const pad = (i: number) => String(i).padStart(3, "0");
/** 30 external modules gateway requires directly, named to sort after the indirect ones. */
const DIRECT = Array.from({ length: 30 }, (_, i) => `github.com/zz-direct/lib${pad(i)}`);
/** 120 modules it requires indirectly (`// indirect`), named to sort first. */
const INDIRECT = Array.from({ length: 120 }, (_, i) => `github.com/aa-indirect/lib${pad(i)}`);
/** The organisation's own, named to sort last of all. */
const OWN = ["go.acme.dev/auth", "go.acme.dev/shared"];

const GATEWAY: Record<string, string> = {
  // As `go mod tidy` writes it: direct requirements in one block, indirect ones in another,
  // here with the indirect block first and the organisation's modules at the end.
  "go.mod": [
    "module go.acme.dev/gateway",
    "",
    "go 1.23",
    "",
    "require (",
    ...INDIRECT.map((m) => `\t${m} v1.0.0 // indirect`),
    ")",
    "",
    "require (",
    ...[...DIRECT, ...OWN].map((m) => `\t${m} v1.2.3`),
    ")",
    "",
  ].join("\n"),
  "main.go": "package main\n\nfunc main() {}\n",
  "web/package.json": json({
    name: "@acme/gateway-web",
    private: true,
    devDependencies: { "aaa-testing": "^1.0.0" },
    peerDependencies: { "bbb-peer": "^2.0.0" },
    dependencies: { zod: "^4.0.0", "@acme/kit": "^1.0.0" },
  }),
};

describe("organisation context by topic, dependencies in order", () => {
  let root: string;
  let app: TestApp;
  let owner: TestUser;
  let org: { id: string; slug: string };
  let client: Client;

  const get = async (url: string, status = 200) => {
    const res = await call(app, "GET", `/api/v1/orgs/${org.slug}${url}`, { as: owner });
    assert.equal(res.status, status, `${url}: ${res.text}`);
    return res.json;
  };
  const context = (topic: string) => get(`/graph/context?topic=${encodeURIComponent(topic)}`);
  const tool = async (name: string, args: Record<string, unknown>) => {
    const res = (await client.callTool({ name, arguments: args })) as { content: { text: string }[]; isError?: boolean };
    assert.equal(res.isError, undefined, res.content[0]!.text);
    return res.content[0]!.text;
  };

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-topics-"));
    app = await startTestApp({ env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" } });
    owner = await signUp(app);
    org = await createOrgAs(app, owner);
    const ids: string[] = [];
    for (const [name, files] of Object.entries({ atlas: ATLAS, libs: LIBS, gateway: GATEWAY })) {
      const dir = await createTestRepo(root, name, files);
      const added = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories`, { as: owner, body: { url: dir, name } });
      assert.equal(added.status, 201, added.text);
      ids.push(added.json.id);
    }
    for (const id of ids) assert.equal((await waitForRepository(app, owner, org.slug, id)).status, "ready");
    // Confluence pages as a sync leaves them (the documents capability's own write).
    const connection = await call(app, "POST", `/api/v1/orgs/${org.slug}/connections/confluence`, {
      as: owner,
      body: { name: "Wiki", clientId: "client-id", clientSecret: "client-secret" },
    });
    assert.equal(connection.status, 201, connection.text);
    await withTenant(app.running.platform.db, { orgId: org.id }, async (tx) => {
      for (const [id, title, text] of [
        ["201", "Docker tips", "Use docker build --pull.\nPrune images weekly."],
        ["202", "Deploying with Docker Compose", "Run docker compose up -d on the host.\nA deployment takes two minutes."],
        ["203", "Release notes", "The compose file moved to the root."],
      ] as const) {
        await saveDocument(tx, org.id, connection.json.id, {
          sourceId: id,
          parentSourceId: null,
          spaceKey: "ENG",
          spaceName: "Engineering",
          title,
          url: `https://acme.atlassian.net/wiki/spaces/ENG/pages/${id}`,
          author: "Alice Example",
          version: 1,
          updatedAt: new Date("2026-11-01T10:00:00Z"),
          restricted: false,
          ownRestricted: false,
          withheld: false,
          attachments: 0,
          text,
        });
      }
    });
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

  it("ranks the context of a topic of several words by how many of them match", async () => {
    const falkor = await context("FalkorDB graph database");
    assert.equal(falkor.decisions[0]?.name, "1. Use FalkorDB as the graph database");
    assert.equal(falkor.packages[0]?.name, "@atlas/graph-client", "graph and database in its name and description");
    assert.equal(falkor.runtime[0]?.name, "graph", "the compose service running the falkordb image");
    assert.ok(
      falkor.instructions.some((r: { text: string }) => r.text.startsWith("Graph queries must go through")),
      JSON.stringify(falkor.instructions),
    );

    const compose = await context("docker compose deployment");
    assert.equal(compose.decisions[0]?.name, "2. Deploy with Docker Compose");
    // The compose file's services and the images they run, nothing else.
    const runtime = compose.runtime.map((r: { name: string }) => r.name);
    for (const name of ["db", "graph", "web"]) assert.ok(runtime.includes(name), `${name} in ${runtime}`);
    assert.ok(compose.runtime.every((r: { evidence: { path: string } }) => r.evidence.path === "docker-compose.yml"));
    assert.match(compose.instructions[0]?.text ?? "", /^Never run docker compose down -v/);

    const packages = await context("packages in the monorepo");
    const names = packages.packages.map((p: { name: string }) => p.name);
    for (const name of ["@atlas/web", "@atlas/graph-client", "@atlas/billing", "atlas-monorepo"]) assert.ok(names.includes(name), `${name} in ${names}`);
    assert.ok(names.includes("@acme/kit"), "packages of every repository");
    assert.deepEqual(packages.decisions, [], "no decision is about packages");

    // The item matching more of the words first, whatever the file order.
    const client = await context("graph client");
    assert.equal(client.packages[0]?.name, "@atlas/graph-client");
    const invoices = await context("invoices numbering per year");
    assert.equal(invoices.decisions[0]?.name, "3. Number invoices per year");
    assert.equal(invoices.packages[0]?.name, "@atlas/billing", "invoices in its description");
  });

  it("answers one-word topics as before and nothing for words nothing has", async () => {
    // The image named postgres as before, then the service that runs it (its image matches).
    const postgres = await context("postgres");
    assert.deepEqual(
      postgres.runtime.map((r: { name: string }) => r.name),
      ["postgres", "db"],
    );
    const billing = await context("billing");
    assert.equal(billing.packages[0]?.name, "@atlas/billing");
    const scoped = await context("@atlas/graph-client");
    assert.equal(scoped.packages[0]?.name, "@atlas/graph-client");
    const none = await context("kubernetes helm");
    assert.deepEqual([none.packages, none.runtime, none.decisions, none.instructions], [[], [], [], []]);
    // Only stop words: nothing to rank by, nothing found (not everything).
    const empty = await context("what is the");
    assert.deepEqual([empty.packages, empty.runtime, empty.decisions], [[], [], []]);
  });

  it("answers get_context in words over MCP, with the documents that have most of the words", async () => {
    const text = await tool("get_context", { topic: "docker compose deployment" });
    const docs = text.slice(text.indexOf("## Documents\n")).split("\n").slice(1, 4);
    assert.deepEqual(
      docs.map((line) => line.replace(/ \(read_doc.*$/, "")),
      ["- Deploying with Docker Compose [ENG]", "- Docker tips [ENG]", "- Release notes [ENG]"],
    );
    assert.match(text, /^## Runtime\n- (web|graph|db) /m);
    assert.match(text, /## Decisions\n- 2\. Deploy with Docker Compose \(decision\) status: accepted/i);
    const nothing = await tool("get_context", { topic: "kubernetes helm" });
    assert.match(nothing, /^Nothing known about "kubernetes helm" yet/);
  });

  it("lists a Go module's direct requirements before indirect ones, its organisation's first, and counts the rest", async () => {
    const text = await tool("graph_neighbors", { node: "go.acme.dev/gateway", direction: "out" });
    const reached = [...text.matchAll(/^- go\.acme\.dev\/gateway depends_on (\S+) \(out; /gm)].map((m) => m[1]!);
    const expected = [...OWN, ...DIRECT, ...INDIRECT];
    assert.ok(reached.length > OWN.length + DIRECT.length, `more than the direct ones fit: ${reached.length}`);
    assert.ok(reached.length < expected.length, "the budget cuts the list");
    assert.deepEqual(reached, expected.slice(0, reached.length));
    assert.match(text, /\(out; github\.com\/aa-indirect\/lib000 \[package, external, indirect\] /);
    const left = expected.length - reached.length;
    assert.ok(text.endsWith(`…and ${left} more: ${left} indirect (lower the depth, pick a direction or kinds).`), text.slice(-300));

    // REST: the same order and groups, and with a small limit the count of what was left out.
    const rest = await get(`/graph/neighbors?key=${encodeURIComponent("go:go.acme.dev/gateway")}&direction=out&limit=40`);
    assert.deepEqual(
      rest.reached.map((r: { node: { name: string } }) => r.node.name),
      expected.slice(0, 40),
    );
    assert.deepEqual([...new Set(rest.reached.map((r: { group: string }) => r.group))], ["direct", "indirect"]);
    assert.equal(rest.reached[0].node.external, false);
    assert.deepEqual(rest.omitted, { total: expected.length - 40, byGroup: { indirect: expected.length - 40 }, atLeast: false });
    assert.equal(rest.more, true);
  });

  it("lists an npm package's dependencies before its peer and dev ones, its organisation's first", async () => {
    const rest = await get(`/graph/neighbors?key=${encodeURIComponent("npm:@acme/gateway-web")}&direction=out&limit=2`);
    assert.deepEqual(
      rest.reached.map((r: { node: { name: string }; group: string }) => [r.node.name, r.group]),
      [
        ["@acme/kit", "direct"],
        ["zod", "direct"],
      ],
    );
    assert.deepEqual(rest.omitted, { total: 2, byGroup: { peer: 1, dev: 1 }, atLeast: false });
    const text = await tool("graph_neighbors", { node: "@acme/gateway-web", direction: "out" });
    assert.deepEqual(
      [...text.matchAll(/^- @acme\/gateway-web depends_on (\S+) \(out; \S+ \[([^\]]+)\]/gm)].map((m) => `${m[1]} [${m[2]}]`),
      ["@acme/kit [library]", "zod [package, external]", "bbb-peer [package, external, peer]", "aaa-testing [package, external, dev]"],
    );
    assert.doesNotMatch(text, /more:/);
  });
});
