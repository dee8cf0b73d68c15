/**
 * Questions in words through the real pipeline (REST, sync job, indexer, term index): two
 * small repositories whose right answers share only words with the questions, not
 * identifiers. Checks the mode (auto, explicit, reported), the ranking (answer first; tests,
 * changelogs and docs below; a named repository scopes, a named language and a settings
 * question boost), the cited best lines, the term index kept incrementally (a new commit's
 * blob gets terms, a removed one loses them and its document frequencies), and the fusion with
 * a semantic ranker given as a dependency.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { termId } from "../../src/indexing/index.js";
import { createSearch, type SemanticRanker } from "../../src/search/index.js";
import { commitFiles, createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

/** The first repository: a small service. No answer file's identifiers appear in its question. */
const SERVICE: Record<string, string> = {
  "src/throttle.ts": [
    "/**",
    " * Rate limiting: counts the requests of each client in a fixed window and refuses those",
    " * past the allowance, so one caller cannot starve the others.",
    " */",
    "export function allowCall(clientKey: string, now: number): boolean {",
    "  const slot = windows.get(clientKey) ?? { start: now, used: 0 };",
    "  if (now - slot.start > WINDOW) { slot.start = now; slot.used = 0; }",
    "  slot.used++;",
    "  windows.set(clientKey, slot);",
    "  return slot.used <= ALLOWANCE;",
    "}",
    "const windows = new Map<string, { start: number; used: number }>();",
    "const WINDOW = 60_000;",
    "const ALLOWANCE = 100;",
  ].join("\n"),
  "src/server.ts": [
    "/** The HTTP server: routes each request to its handler. */",
    "import { allowCall } from './throttle';",
    "export function handle(req: Request): Response {",
    "  if (!allowCall(req.headers.get('x-client') ?? '', Date.now())) return new Response('slow down', { status: 429 });",
    "  return route(req);",
    "}",
    "function route(req: Request): Response { return new Response(req.url); }",
  ].join("\n"),
  "src/settings.ts": [
    "/** Settings read from the environment at start-up. */",
    "export const settings = {",
    "  /** Largest upload accepted, in bytes; larger bodies are refused. */",
    "  uploadCeiling: Number(process.env.UPLOAD_CEILING ?? 1048576),",
    "  /** Port the server listens on. */",
    "  port: Number(process.env.PORT ?? 3000),",
    "};",
  ].join("\n"),
  "src/uploads.ts": [
    "/** Stores uploaded files. */",
    "export async function storeUpload(name: string, body: Uint8Array): Promise<void> {",
    "  await disk.write(name, body);",
    "}",
    "const disk = { async write(_n: string, _b: Uint8Array) {} };",
  ].join("\n"),
  "src/sessions.ts": [
    "/** Session store in memory. Removes expired sessions when they are read. */",
    "export function readSession(id: string) { const s = store.get(id); if (s && s.expires < Date.now()) { store.delete(id); return undefined; } return s; }",
    "const store = new Map<string, { expires: number }>();",
  ].join("\n"),
  "scripts/cleanup.py": [
    "def sweep(store, now):",
    '    """Removes expired sessions from the store, every night."""',
    "    for key, session in list(store.items()):",
    "        if session.expires < now:",
    "            del store[key]",
  ].join("\n"),
  "test/throttle.test.ts": [
    "// Rate limiting: the limit of requests per client, the limit window, rate limiting again.",
    "import { allowCall } from '../src/throttle';",
    "it('rate limiting refuses past the limit', () => { for (let i = 0; i < 100; i++) allowCall('a', 0); });",
  ].join("\n"),
  "CHANGELOG.md": ["# Changes", "", "- Rate limiting for every client.", "- Uploads are limited in size.", "- Expired sessions are removed."].join("\n"),
};

/** The second repository: the same kind of code under another name (for scoping by name). */
const BILLING: Record<string, string> = {
  "lib/limiter.ts": [
    "/** Rate limiting of the invoice API: refuses callers past their allowance. */",
    "export function permit(caller: string): boolean { return caller.length > 0; }",
  ].join("\n"),
  "lib/invoices.ts": ["/** Creates invoices. */", "export function createInvoice(total: number) { return { total }; }"].join("\n"),
};

interface Result {
  repository: { name: string };
  path: string;
  lines: { line: number; text: string; ranges?: [number, number][] }[];
}

describe("questions in words", () => {
  let root: string;
  let app: TestApp;
  let owner: TestUser;
  let org: { id: string; slug: string };
  let serviceDir: string;
  let serviceId: string;

  const sql = async <T = any>(text: string, values: unknown[] = []): Promise<T[]> =>
    (await app.running.platform.db.unsafeSystem.query(text, values)).rows as T[];
  const ask = async (q: string, mode?: string) => {
    const params = new URLSearchParams({ q, limit: "10", ...(mode ? { mode } : {}) });
    const res = await call(app, "GET", `/api/v1/orgs/${org.slug}/search?${params}`, { as: owner });
    assert.equal(res.status, 200, res.text);
    return res.json as { results: Result[]; mode: string; notes?: string[]; partial: boolean };
  };
  const paths = (answer: { results: Result[] }) => answer.results.map((r) => `${r.repository.name}:${r.path}`);
  const addRepository = async (name: string, url: string) => {
    const added = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories`, { as: owner, body: { url, name } });
    assert.equal(added.status, 201, added.text);
    const ready = await waitForRepository(app, owner, org.slug, added.json.id);
    assert.equal(ready.status, "ready", JSON.stringify(ready));
    return added.json.id as string;
  };
  const reindex = async (head: string) => {
    const res = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories/${serviceId}/reindex`, { as: owner });
    assert.equal(res.status, 202, res.text);
    const repo = await waitForRepository(app, owner, org.slug, serviceId, (r) => r.status === "failed" || (r.indexedCommit === head && r.status === "ready"));
    assert.equal(repo.status, "ready", JSON.stringify(repo));
  };
  const blobOf = async (file: string) =>
    (
      await sql<{ blob_oid: string }>("select blob_oid from index_files where repository_id = $1 and path = $2 order by valid_from desc limit 1", [
        serviceId,
        file,
      ])
    )[0]!.blob_oid;
  /** Blobs holding `term` at any weight level (the four keys of its id). */
  const df = async (term: string) =>
    Number(
      (
        await sql<{ blobs: string }>("select coalesce(sum(blobs), 0) as blobs from index_term_stats where org_id = $1 and term = any($2::int[])", [
          org.id,
          [0, 1, 2, 3].map((l) => termId(term) | l),
        ])
      )[0]!.blobs,
    );

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-questions-"));
    serviceDir = await createTestRepo(root, "service", SERVICE);
    const billingDir = await createTestRepo(root, "billing", BILLING);
    app = await startTestApp({ env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" } });
    owner = await signUp(app);
    org = await createOrgAs(app, owner);
    serviceId = await addRepository("service", serviceDir);
    await addRepository("billing", billingDir);
  });
  after(async () => {
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("answers a question in auto mode with the file that says it in words, tests and changelogs below", async () => {
    const answer = await ask("where is rate limiting implemented?");
    assert.equal(answer.mode, "question");
    const order = paths(answer);
    assert.ok(["service:src/throttle.ts", "billing:lib/limiter.ts"].includes(order[0]!), order.join(", "));
    const throttle = order.indexOf("service:src/throttle.ts");
    assert.ok(throttle >= 0 && throttle < order.indexOf("service:test/throttle.test.ts"), order.join(", "));
    if (order.includes("service:CHANGELOG.md")) assert.ok(throttle < order.indexOf("service:CHANGELOG.md"), order.join(", "));
    // Cited with its best lines: the doc comment that says "rate limiting".
    const cited = answer.results.find((r) => r.path === "src/throttle.ts")!;
    assert.ok(cited.lines.length > 0 && cited.lines.length <= 4, JSON.stringify(cited.lines));
    assert.equal(cited.lines[0]!.line, 2);
    assert.ok(cited.lines[0]!.ranges!.length >= 2);
  });

  it("keeps the query language for queries, and for an explicit mode=query", async () => {
    const literal = await ask("allowCall");
    assert.equal(literal.mode, "query");
    assert.equal(paths(literal)[0], "service:src/throttle.ts");
    // As a query, every word must appear: nothing holds "implemented?".
    const asQuery = await ask("where is rate limiting implemented?", "query");
    assert.equal(asQuery.mode, "query");
    assert.deepEqual(asQuery.results, []);
    // An identifier asked as a question still finds its definition.
    const named = await ask("allowCall", "question");
    assert.equal(named.mode, "question");
    assert.equal(paths(named)[0], "service:src/throttle.ts");
  });

  it("scopes to a repository the question names, and says so", async () => {
    const answer = await ask("In billing, where is rate limiting implemented?");
    assert.deepEqual([...new Set(answer.results.map((r) => r.repository.name))], ["billing"]);
    assert.equal(paths(answer)[0], "billing:lib/limiter.ts");
    assert.ok(
      answer.notes?.some((n) => n.includes("billing")),
      JSON.stringify(answer.notes),
    );
  });

  it("steers a settings question to the settings file and a named language to its files", async () => {
    assert.equal(paths(await ask("which setting controls the largest upload accepted?"))[0], "service:src/settings.ts");
    assert.equal(paths(await ask("In the Python code, where are expired sessions removed?"))[0], "service:scripts/cleanup.py");
    assert.equal(paths(await ask("where are expired sessions removed from the store in typescript?"))[0], "service:src/sessions.ts");
  });

  it("keeps the term index incremental: a new blob gets terms, a removed one loses them", async () => {
    const question = "how are failed webhook deliveries retried with backoff?";
    assert.deepEqual(paths(await ask(question)), []);
    assert.equal(await df("backoff"), 0);
    const added = await commitFiles(
      serviceDir,
      {
        "src/redelivery.ts":
          "/** Sends failed webhook deliveries again, with exponential backoff between tries. */\nexport function again(n: number) { return 2 ** n; }\n",
      },
      "redeliver",
    );
    await reindex(added);
    assert.equal(paths(await ask(question))[0], "service:src/redelivery.ts");
    const blob = await blobOf("src/redelivery.ts");
    assert.equal((await sql("select 1 from index_term_blobs where blob_oid = $1", [blob])).length, 1);
    assert.equal(await df("backoff"), 1);

    const removed = await commitFiles(serviceDir, { "src/redelivery.ts": null }, "drop redelivery");
    await reindex(removed);
    assert.deepEqual(paths(await ask(question)), []);
    assert.equal((await sql("select 1 from index_term_blobs where blob_oid = $1", [blob])).length, 0);
    assert.equal(await df("backoff"), 0, "a term no blob holds loses its count");
    // The org's totals match its term rows.
    const [totals] = await sql<{ rows: number; counted: string }>(
      "select (select count(*)::int from index_term_blobs where org_id = $1) as rows, (select blobs from index_term_stats where org_id = $1 and term = 0) as counted",
      [org.id],
    );
    assert.equal(Number(totals!.counted), totals!.rows);
  });

  it("fuses a semantic ranker's hits by reciprocal rank and passes its note on; never for queries", async () => {
    const sessionsBlob = await blobOf("src/sessions.ts");
    const asked: string[] = [];
    const semantic: SemanticRanker = {
      async rank(_scope, input) {
        asked.push(input.question);
        return { hits: [{ blobOid: sessionsBlob, score: 0.9 }], note: "embeddings: test ranker" };
      },
    };
    const search = createSearch({ db: app.running.platform.db, maxBudgetMs: 10_000, semantic });
    const scope = { orgId: org.id };
    const input = { query: "where is rate limiting implemented?", limit: 10, context: 0, budgetMs: 5_000 };
    const fused = await search.search(scope, input);
    const order = fused.results.map((r) => r.path);
    // Lexical first place keeps first place (1/61); the semantic-only file enters at 1/61 too, just after it.
    assert.equal(order.includes("src/sessions.ts"), true, order.join(", "));
    assert.ok(order.indexOf("src/sessions.ts") <= 1, order.join(", "));
    assert.deepEqual(fused.notes?.includes("embeddings: test ranker"), true);

    const failing = createSearch({
      db: app.running.platform.db,
      maxBudgetMs: 10_000,
      semantic: {
        rank: async () => {
          throw new Error("provider down");
        },
      },
    });
    const lexical = await failing.search(scope, input);
    assert.ok(
      lexical.notes?.some((n) => n.startsWith("embeddings unavailable: lexical only")),
      JSON.stringify(lexical.notes),
    );
    assert.ok(lexical.results.length > 0);

    const before = asked.length;
    const query = await search.search(scope, { ...input, query: "allowCall" });
    assert.equal(query.mode, "query");
    assert.equal(asked.length, before, "the semantic ranker is never asked for a query-language search");
  });
});
