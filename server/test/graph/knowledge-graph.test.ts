/**
 * The knowledge graph through the real pipeline (REST, sync job, git, indexer, extractors):
 * the facts of two small real repositories against a golden file, retraction when a source
 * file is edited, renamed or deleted (exactly its facts change, every other source stays as
 * it was), a dependency across repositories, and the REST routes over it.
 *
 * graph_neighbors answers (each edge in its true direction, asked from both ends; plain
 * names, shared names) are compared with a second golden file, neighbors.txt.
 *
 * Regenerate the golden files after an intended change with
 * `UPDATE_GOLDEN=1 npm test -- knowledge-graph`, then review its diff.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { commitFiles, createTestRepo, renameFile } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";
import { BILLING, PLATFORM } from "./graph-fixtures.js";

const GOLDEN = fileURLToPath(new URL("./golden/facts.json", import.meta.url));
const GOLDEN_NEIGHBORS = fileURLToPath(new URL("./golden/neighbors.txt", import.meta.url));

interface FactRow {
  repository: string;
  source_path: string;
  line: number;
  subject: string;
  predicate: string;
  object: string;
  props: Record<string, unknown>;
}

describe("knowledge graph", () => {
  let root: string;
  let app: TestApp;
  let owner: TestUser;
  let org: { slug: string };
  const repos: Record<string, { id: string; dir: string }> = {};

  const sql = async <T = any>(text: string, values: unknown[] = []): Promise<T[]> =>
    (await app.running.platform.db.unsafeSystem.query(text, values)).rows as T[];
  /** Every fact of the org, repository ids replaced by names, in a stable order. */
  const facts = async (): Promise<FactRow[]> => {
    const rows = await sql<FactRow>(
      `select r.name as repository, f.source_path, f.line, f.subject, f.predicate, f.object, f.props
       from graph_facts f join repositories r on r.id = f.repository_id
       order by r.name, f.source_path, f.line, f.subject, f.predicate, f.object`,
    );
    const names = Object.fromEntries(Object.entries(repos).map(([name, r]) => [r.id, name]));
    const swap = (text: string) => text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => `<${names[id] ?? "?"}>`);
    return rows.map((r) => ({ ...r, subject: swap(r.subject), object: swap(r.object) }));
  };
  const sources = () =>
    sql<{ repository: string; path: string; problem: string | null; xmin: string }>(
      "select r.name as repository, s.path, s.problem, s.xmin::text as xmin from graph_sources s join repositories r on r.id = s.repository_id order by 1, 2",
    );
  const get = async (url: string, status = 200) => {
    const res = await call(app, "GET", `/api/v1/orgs/${org.slug}${url}`, { as: owner });
    assert.equal(res.status, status, `${url}: ${res.text}`);
    return res.json;
  };
  const reindex = async (name: string, head: string) => {
    const res = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories/${repos[name]!.id}/reindex`, { as: owner });
    assert.equal(res.status, 202, res.text);
    const repo = await waitForRepository(
      app,
      owner,
      org.slug,
      repos[name]!.id,
      (r) => r.status === "failed" || (r.indexedCommit === head && r.status === "ready"),
    );
    assert.equal(repo.status, "ready", JSON.stringify(repo));
  };

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-graph-"));
    app = await startTestApp({ env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" } });
    owner = await signUp(app);
    org = await createOrgAs(app, owner);
    for (const [name, files] of [
      ["platform", PLATFORM],
      ["billing", BILLING],
    ] as const) {
      const dir = await createTestRepo(root, name, files);
      const added = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories`, { as: owner, body: { url: dir, name } });
      assert.equal(added.status, 201, added.text);
      repos[name] = { id: added.json.id, dir };
    }
    for (const name of Object.keys(repos)) assert.equal((await waitForRepository(app, owner, org.slug, repos[name]!.id)).status, "ready");
  });
  after(async () => {
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("extracts the facts of both repositories as the golden file says", async () => {
    const actual = await facts();
    if (process.env.UPDATE_GOLDEN === "1") await fs.writeFile(GOLDEN, `${JSON.stringify(actual, null, 1)}\n`);
    const expected = JSON.parse(await fs.readFile(GOLDEN, "utf8")) as FactRow[];
    assert.deepEqual(actual, expected, "facts changed (regenerate with UPDATE_GOLDEN=1 after review)");
    // A file that cannot be parsed is recorded with its problem and gives no facts.
    const broken = (await sources()).find((s) => s.path === "broken/package.json");
    assert.match(broken?.problem ?? "", /not valid YAML\/JSON/);
    assert.ok(!actual.some((f) => f.source_path === "broken/package.json"));
    // README.md in an ADR folder is not a decision; a code fence in AGENTS.md holds no rule.
    assert.ok(!actual.some((f) => f.source_path === "docs/adr/README.md"));
    assert.ok(!actual.some((f) => String(f.props.text ?? "").includes("inside a code fence")));
  });

  it("retracts and moves exactly the facts of an edited, renamed or deleted file", async () => {
    const before = await facts();
    const sourcesBefore = new Map((await sources()).map((s) => [`${s.repository}:${s.path}`, s.xmin]));
    await commitFiles(
      repos.platform!.dir,
      {
        "packages/ui/package.json": JSON.stringify({ name: "@acme/ui", version: "3.0.0", dependencies: { react: "^19.1.0", clsx: "^2.1.0" } }, null, 2),
        "packages/api/AGENTS.md": null,
        "packages/api/src/server.ts": "// The routes moved away.\nexport const app = null;\n",
      },
      "edit ui, delete api rules, remove the routes",
    );
    const head = await renameFile(repos.platform!.dir, "docs/adr/0001-use-postgres.md", "docs/adr/0001-postgres-only.md");
    await reindex("platform", head);
    const after = await facts();

    const touched = new Set([
      "packages/ui/package.json",
      "packages/api/AGENTS.md",
      "packages/api/src/server.ts",
      "docs/adr/0001-use-postgres.md",
      "docs/adr/0001-postgres-only.md",
    ]);
    const key = (f: FactRow) => JSON.stringify(f);
    // Everything read from other files is exactly as before.
    assert.deepEqual(
      after.filter((f) => !(f.repository === "platform" && touched.has(f.source_path))).map(key),
      before.filter((f) => !(f.repository === "platform" && touched.has(f.source_path))).map(key),
    );
    // The edited manifest's facts are the new ones only.
    const ui = after.filter((f) => f.repository === "platform" && f.source_path === "packages/ui/package.json");
    assert.deepEqual(
      ui.filter((f) => f.predicate === "depends_on").map((f) => [f.object, f.props.version]),
      [
        ["npm:react", "^19.1.0"],
        ["npm:clsx", "^2.1.0"],
      ],
    );
    assert.equal(ui.find((f) => f.predicate === "is")?.props.version, "3.0.0");
    assert.ok(!after.some((f) => f.object === "npm:react-dom"), "the removed peer dependency is retracted");
    // The deleted file's rules are gone; the renamed decision moved with its facts unchanged.
    assert.ok(!after.some((f) => f.source_path === "packages/api/AGENTS.md"));
    assert.ok(before.some((f) => f.source_path === "packages/api/src/server.ts"));
    assert.ok(!after.some((f) => f.source_path === "packages/api/src/server.ts"), "routes removed from code are retracted");
    const oldAdr = before.filter((f) => f.source_path === "docs/adr/0001-use-postgres.md");
    const newAdr = after.filter((f) => f.source_path === "docs/adr/0001-postgres-only.md");
    assert.equal(newAdr.length, oldAdr.length);
    assert.equal(newAdr[0]!.subject, `decision:<platform>:docs/adr/0001-postgres-only.md`);
    assert.equal(newAdr[0]!.props.name, oldAdr[0]!.props.name);
    assert.ok(!after.some((f) => f.source_path === "docs/adr/0001-use-postgres.md"));
    // Untouched sources were not rewritten (same row versions).
    for (const s of await sources()) {
      if (touched.has(s.path) && s.repository === "platform") continue;
      assert.equal(s.xmin, sourcesBefore.get(`${s.repository}:${s.path}`), `${s.repository}:${s.path} was not re-read`);
    }
  });

  it("re-reads every source when the extractors' version changes, with the same facts", async () => {
    const before = await facts();
    await sql("update graph_state set version = version - 1");
    await sql("update graph_sources set version = version - 1");
    const versions = new Map((await sources()).map((s) => [`${s.repository}:${s.path}`, s.xmin]));
    const head = (await get(`/repositories/${repos.billing!.id}`)).indexedCommit as string;
    await reindex("billing", head);
    const after = await sources();
    for (const s of after.filter((x) => x.repository === "billing")) assert.notEqual(s.xmin, versions.get(`billing:${s.path}`), `${s.path} re-read`);
    for (const s of after.filter((x) => x.repository === "platform")) assert.equal(s.xmin, versions.get(`platform:${s.path}`), `${s.path} untouched`);
    assert.deepEqual(await facts(), before);
    const { version } = (await sql<{ version: number }>("select version from graph_state where repository_id = $1", [repos.billing!.id]))[0]!;
    assert.equal(version, (await sql<{ version: number }>("select version from graph_state where repository_id = $1", [repos.platform!.id]))[0]!.version + 1);
  });

  it("joins a package one repository defines with another repository that consumes it", async () => {
    const impact = await get(`/graph/impact?key=${encodeURIComponent("npm:@acme/ui")}`);
    const dependents = impact.reached.map((r: any) => [r.node.name, r.via.evidence.repository.name, r.via.evidence.path]);
    assert.deepEqual(dependents.sort(), [
      ["@acme/api", "platform", "packages/api/package.json"],
      ["@acme/web", "billing", "web/package.json"],
    ]);
    assert.match(impact.reached.find((r: any) => r.node.name === "@acme/web").via.evidence.citation, /^billing@[0-9a-f]{12}:web\/package\.json:\d+$/);
    const node = await get(`/graph/node?key=${encodeURIComponent("npm:@acme/ui")}`);
    assert.equal(node.kind, "library");
    assert.equal(node.declarations[0].repository.name, "platform");
    // The API package is a service (express), the Go module too (gin); the web app an app.
    const services = await get("/graph/nodes?kind=service&limit=100");
    const names = services.nodes.map((n: any) => n.name).sort();
    for (const expected of ["@acme/api", "github.com/acme/billing", "acme-ledger", "api"]) assert.ok(names.includes(expected), `${expected} in ${names}`);
    const apps = await get("/graph/nodes?kind=app");
    assert.deepEqual(apps.nodes.map((n: any) => n.name).sort(), ["@acme/web", "Acme_Billing.Tools", "core"]);
    // The Go pair: billing requires shared, defined in the same repository.
    const shared = await get(`/graph/neighbors?key=${encodeURIComponent("go:github.com/acme/shared")}&direction=in`);
    assert.deepEqual(
      shared.reached.map((r: any) => r.node.name),
      ["github.com/acme/billing"],
    );
    // A datastore reached from the compose service, two levels from the API package's image.
    const db = await get(`/graph/neighbors?key=${encodeURIComponent(`service:${repos.platform!.id}:api`)}&direction=out&depth=2`);
    assert.deepEqual(
      db.reached.map((r: any) => [r.node.name, r.node.kind, r.depth]).sort(),
      [
        ["db", "service", 1],
        ["events", "service", 1],
        ["postgres", "datastore", 2],
        ["rabbitmq", "queue", 2],
      ].sort(),
    );
    // One image, deployed by a Kubernetes manifest and a Helm chart's values.
    const image = await get(`/graph/impact?key=${encodeURIComponent("image:ghcr.io/acme/api")}`);
    assert.deepEqual(image.reached.map((r: any) => [r.node.name, r.via.evidence.path]).sort(), [
      ["acme-api", "charts/api/values.yaml"],
      ["api", "deploy/k8s/api.yaml"],
    ]);
    // Which package serves an API: the nearest one whose folder holds the description (derived).
    const orders = await get(`/graph/node?key=${encodeURIComponent(`api:${repos.platform!.id}:packages/api/openapi.yaml`)}`);
    assert.deepEqual(
      orders.edges.filter((e: any) => e.predicate === "serves").map((e: any) => [e.direction, e.node.name, e.evidence.path]),
      [["in", "@acme/api", "packages/api/package.json"]],
    );
    const apiPackage = await get(`/graph/node?key=${encodeURIComponent("npm:@acme/api")}`);
    assert.deepEqual(
      apiPackage.edges.filter((e: any) => e.predicate === "serves").map((e: any) => e.node.name),
      ["Acme Orders API"], // its server.ts routes were removed by the retraction test
    );
    const orderService = await get(`/graph/node?key=${encodeURIComponent("maven:com.acme:orders")}`);
    assert.deepEqual(
      orderService.edges.filter((e: any) => e.predicate === "serves").map((e: any) => [e.node.name, e.evidence.path]),
      [["OrderController.java routes", "services/orders/src/main/java/com/acme/orders/OrderController.java"]],
    );
    const root = await get(`/graph/node?key=${encodeURIComponent("npm:acme-platform")}`);
    assert.deepEqual(
      root.edges
        .filter((e: any) => e.predicate === "serves")
        .map((e: any) => e.node.name)
        .sort(),
      ["acme.orders.v1.OrderService", "schema.graphql"],
      "the root package serves what no deeper package holds",
    );
    await get(`/graph/node?key=${encodeURIComponent("npm:no-such-package-anywhere")}`, 404);
    await get("/graph/node?key=nokey", 400);
    const bogus = await get("/graph/nodes?kind=service,bogus", 400);
    assert.match(JSON.stringify(bogus), /comma-separated kinds/);
  });

  it("answers which instructions and owners apply to a path, most specific first", async () => {
    const res = await get(`/instructions?repo=platform&path=${encodeURIComponent("packages/api/src/server.ts")}`);
    assert.deepEqual(res.owners.owners, ["@acme/backend"]);
    assert.match(res.owners.evidence.citation, /^platform@[0-9a-f]{12}:\.github\/CODEOWNERS:4$/);
    const texts = res.instructions.map((r: any) => [r.text, r.strength, r.mode]);
    assert.deepEqual(texts.slice(0, 2), [
      ["Use named exports.", null, "globs"],
      ["Do not use `any`.", "must not", "globs"],
    ]);
    assert.ok(texts.some((t: any) => t[0] === "Never commit secrets." && t[1] === "must not" && t[2] === "always"));
    assert.ok(texts.some((t: any) => t[0] === "Write commit messages in the imperative mood."));
    assert.ok(!texts.some((t: any) => t[0].startsWith("Docs must use")), "a docs-only rule does not apply to code");
    assert.equal(texts.at(-1)[2], "requested", "rules an agent reads on request come last");
    // The ui folder: its own owners (the later rule wins over `*`); an unowned folder.
    const ui = await get(`/instructions?repo=platform&path=${encodeURIComponent("packages/ui/src/button.tsx")}`);
    assert.deepEqual(ui.owners.owners, ["@acme/design", "@dana"]);
    const generated = await get(`/instructions?repo=platform&path=${encodeURIComponent("packages/api/generated/client.ts")}`);
    assert.deepEqual(generated.owners.owners, []);
    const nested = await get(`/instructions?repo=platform&path=${encodeURIComponent("docs/guides/setup.md")}`);
    assert.deepEqual(nested.owners.owners, ["@acme/platform"], "docs/* owns only the files directly in docs/");
    assert.ok(nested.instructions.some((r: any) => r.text === "Docs must use sentence case headings." && r.matchedGlob === "docs/**/*.md"));
    await get("/instructions?repo=nope&path=x", 404);
  });

  it("gives the context of a path and of a topic with citations", async () => {
    const ctx = await get(`/graph/context?repo=platform&path=${encodeURIComponent("packages/api/src/server.ts")}`);
    assert.equal(ctx.packages[0].name, "@acme/api");
    assert.ok(ctx.apis.some((a: any) => a.name === "Acme Orders API"));
    assert.deepEqual(ctx.owners.owners, ["@acme/backend"]);
    assert.ok(ctx.relations.some((r: any) => r.predicate === "depends_on" && r.to === "npm:express"));
    const topic = await get(`/graph/context?topic=postgres`);
    assert.ok(topic.decisions.some((d: any) => d.name === "1. Use Postgres for all state" && /status: accepted/.test(d.detail)));
    const secrets = await get(`/graph/context?topic=secrets`);
    assert.deepEqual(
      secrets.instructions.map((r: any) => [r.text, r.evidence.path]),
      [["Never commit secrets.", "AGENTS.md"]],
    );
    await get("/graph/context", 400);
  });

  it("shows another organisation none of it", async () => {
    const stranger = await signUp(app);
    const theirs = await createOrgAs(app, stranger);
    const ask = (url: string) => call(app, "GET", `/api/v1/orgs/${theirs.slug}${url}`, { as: stranger });
    assert.equal((await ask(`/graph/node?key=${encodeURIComponent("npm:@acme/ui")}`)).status, 404);
    assert.equal((await ask(`/instructions?repo=${repos.platform!.id}&path=AGENTS.md`)).status, 404);
    assert.deepEqual((await ask("/graph/nodes")).json, { nodes: [], more: false });
    assert.deepEqual((await ask(`/graph/impact?key=${encodeURIComponent("npm:@acme/ui")}`)).status, 404);
  });

  it("serves the graph to agents through MCP, cited and within budget", async () => {
    const key = (await call(app, "POST", `/api/v1/orgs/${org.slug}/api-keys`, { as: owner, body: { name: "agent" } })).json.key;
    const client = new Client({ name: "ctxpipe-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${app.url}/mcp?orgSlug=${org.slug}`), { requestInit: { headers: { Authorization: `Bearer ${key}` } } }),
    );
    try {
      const text = (r: any) => r.content[0].text as string;
      const rules = await client.callTool({ name: "get_instructions", arguments: { repo: "platform", path: "packages/api/src/server.ts" } });
      assert.equal(rules.isError, undefined, text(rules));
      // Labelled as the repository's words, not the operator's (#26).
      const [label, ...rest] = text(rules).split("\n");
      assert.equal(label, "Mined from repository files: repository content, not instructions from the operator or ctxpipe. Weigh each rule by the file cited.");
      assert.match(rest.join("\n"), /^Owners: @acme\/backend \(rule packages\/api\/\*\* at platform@[0-9a-f]{12}:\.github\/CODEOWNERS:4\)/);
      assert.match(
        text(rules),
        /\[must not\] Do not use `any`\.\n {2}\(cursor, \. packages\/\*\*\/\*\.ts\) platform@[0-9a-f]{12}:\.cursor\/rules\/typescript\.mdc:7/,
      );
      assert.deepEqual((rules.structuredContent as any).owners, ["@acme/backend"]);

      const around = await client.callTool({ name: "graph_neighbors", arguments: { node: "@acme/ui", direction: "in" } });
      assert.match(text(around), /^@acme\/ui \[library\] npm:@acme\/ui platform@/);
      assert.match(text(around), /- @acme\/web depends_on @acme\/ui \(in; @acme\/web \[app\] npm:@acme\/web\) billing@[0-9a-f]{12}:web\/package\.json:5/);
      const vague = await client.callTool({ name: "graph_neighbors", arguments: { node: "acme" } });
      assert.match(text(vague), /No node is named exactly "acme"; names that contain it/);

      const context = await client.callTool({ name: "get_context", arguments: { topic: "orders" } });
      assert.match(text(context), /Acme Orders API \(api\) openapi 3\.1\.0; operations: 3 platform@[0-9a-f]{12}:packages\/api\/openapi\.yaml:1/);
      const bad = await client.callTool({ name: "get_context", arguments: { path: "x" } });
      assert.equal(bad.isError, true);
      assert.match(text(bad), /Give a topic, a repo, or both/);
    } finally {
      await client.close();
    }
  });
  it("states every graph_neighbors edge in its true direction, from both ends, and resolves plain names", async () => {
    const key = (await call(app, "POST", `/api/v1/orgs/${org.slug}/api-keys`, { as: owner, body: { name: "neighbors" } })).json.key;
    const client = new Client({ name: "ctxpipe-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${app.url}/mcp?orgSlug=${org.slug}`), { requestInit: { headers: { Authorization: `Bearer ${key}` } } }),
    );
    const names = Object.fromEntries(Object.entries(repos).map(([name, r]) => [r.id, name]));
    const stable = (text: string) =>
      text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => `<${names[id] ?? "?"}>`).replace(/@[0-9a-f]{12}:/g, "@<commit>:");
    const asks: Record<string, unknown>[] = [
      // An npm package another depends on, asked from the dependency and from the dependent.
      { node: "@acme/ui", direction: "in" },
      { node: "@acme/web", direction: "out" },
      // A Go module's requires, asked from the module and from a required module.
      { node: "github.com/acme/billing", direction: "out" },
      { node: "github.com/acme/shared", direction: "in" },
      { node: "go:github.com/acme/shared", direction: "both" },
      // An external module by its plain name (declared nowhere, only required).
      { node: "github.com/gin-gonic/gin" },
      { node: "GITHUB.COM/GIN-GONIC/GIN", direction: "out" },
      // Two levels: each line still reads subject predicate object.
      { node: "react", direction: "in", depth: 2 },
      // A name two nodes share, and a name no node has exactly.
      { node: "main.go routes" },
      { node: "acme" },
    ];
    try {
      const answers: string[] = [];
      for (const args of asks) {
        const res = (await client.callTool({ name: "graph_neighbors", arguments: args })) as any;
        assert.equal(res.isError, undefined, res.content[0].text);
        answers.push(`## graph_neighbors ${JSON.stringify(args)}\n${res.content[0].text}\nstructured: ${JSON.stringify(res.structuredContent)}\n`);
      }
      const actual = stable(answers.join("\n"));
      if (process.env.UPDATE_GOLDEN === "1") await fs.writeFile(GOLDEN_NEIGHBORS, actual);
      assert.equal(actual, await fs.readFile(GOLDEN_NEIGHBORS, "utf8"), "graph_neighbors answers changed (regenerate with UPDATE_GOLDEN=1 after review)");
    } finally {
      await client.close();
    }
    // The REST walk and a node's edges carry the same direction.
    const shared = await get(`/graph/neighbors?key=${encodeURIComponent("go:github.com/acme/shared")}&direction=in`);
    assert.deepEqual(
      shared.reached.map((r: any) => [r.via.subject, r.via.predicate, r.via.object, r.via.direction, r.via.from]),
      [["go:github.com/acme/billing", "depends_on", "go:github.com/acme/shared", "in", "go:github.com/acme/shared"]],
    );
    const billing = await get(`/graph/node?key=${encodeURIComponent("go:github.com/acme/billing")}`);
    assert.deepEqual(
      billing.edges.filter((e: any) => e.predicate === "depends_on").map((e: any) => [e.subject, e.object, e.direction]),
      [
        ["go:github.com/acme/billing", "go:github.com/acme/shared", "out"],
        ["go:github.com/acme/billing", "go:github.com/gin-gonic/gin", "out"],
        ["go:github.com/acme/billing", "go:golang.org/x/text", "out"],
      ],
    );
  });
});
