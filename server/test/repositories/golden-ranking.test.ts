/**
 * Golden ranking: a fixed corpus (golden/corpus, committed with a fixed author and date) is
 * indexed through the real pipeline (REST, sync job, indexer) and a fixed list of queries is
 * run through the search API. Per query, the ordered result paths and each result's matched
 * line numbers must equal golden/expected.json, with either content index (pg_trgm or the
 * byte-trigram lists, CTXPIPE_SEARCH_CONTENT_INDEX).
 *
 * Corpus files carry an extra `.txt` suffix (stripped when the repository is built) so that
 * neither tsc nor the test runner picks up the TypeScript files, test files included.
 *
 * Regenerate after an intended ranking change with `UPDATE_GOLDEN=1 npm test -- golden`, then
 * review the diff against the documented ranking (docs/design/search-index.md, "Ranking").
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

const GOLDEN_DIR = fileURLToPath(new URL("./golden/", import.meta.url));
const CORPUS_DIR = path.join(GOLDEN_DIR, "corpus");
const EXPECTED_FILE = path.join(GOLDEN_DIR, "expected.json");
const SUFFIX = ".txt";

/**
 * The queries, each with what it exercises. Order matters only for the output file.
 */
const QUERIES: { q: string; why: string }[] = [
  { q: "reserveItem", why: "definition first, then a file named like the query (a test), then uses" },
  { q: "ledger", why: "case-insensitive substring; a Go type named Ledger is a definition; file-name matches" },
  { q: "/reserve\\w*\\(/", why: "regex, line-oriented; no definition boost for regexes" },
  { q: "sym:Ledger", why: "symbol-name substring: only defining files, definition lines; the exact name ranks first" },
  { q: "file:\\.go$", why: "file filter alone: every Go file (path matches, by depth then path)" },
  { q: "lang:python quantity_on_hand", why: "language filter; definition above the test that uses it" },
  { q: "formatSku", why: "test file with more matching lines is demoted below a plain use" },
  { q: "formatSku -file:test", why: "negated file filter drops test files" },
  { q: "placeOrder or withRetries", why: "or-groups: union of both patterns' files" },
  { q: "case:yes Timeout", why: "exact case: TIMEOUT and timeout do not match" },
  { q: "timeout", why: "case-insensitive; exact-case and whole-word matches rank higher" },
  { q: '"reserve stock"', why: "quoted phrase with a space; 'reserves stock' does not match" },
  { q: "MAX_RETRIES", why: "definition, then whole-word uses above a substring-only match" },
  { q: "checkout", why: "file-name match, then path-only matches, then content" },
  { q: "TODO", why: "exact-case text beats a field named todo (a definition only ignoring case)" },
  { q: "sym:quantity", why: "symbols across TypeScript, Go and Python; test function demoted" },
];

/** One result as pinned: path and matched line numbers. */
interface GoldenResult {
  path: string;
  lines: number[];
}

/** The corpus as path → content, without the storage suffix. */
async function readCorpus(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of (await fs.readdir(CORPUS_DIR, { recursive: true })).sort()) {
    const full = path.join(CORPUS_DIR, entry);
    if (!(await fs.stat(full)).isFile()) continue;
    assert.ok(entry.endsWith(SUFFIX), `corpus file without ${SUFFIX}: ${entry}`);
    files[entry.slice(0, -SUFFIX.length).split(path.sep).join("/")] = await fs.readFile(full, "utf8");
  }
  return files;
}

// Both content indexes must give the pinned ranking: pg_trgm's and the trigram lists (ADR 007).
for (const contentIndex of ["pg_trgm", "postings"]) describe(`golden ranking (${contentIndex})`, () => goldenRanking(contentIndex));

/** The suite, with search reading `contentIndex` (CTXPIPE_SEARCH_CONTENT_INDEX). */
function goldenRanking(contentIndex: string): void {
  let root: string;
  let app: TestApp;
  let owner: TestUser;
  let org: { slug: string };
  let fileCount: number;

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-golden-"));
    const corpus = await readCorpus();
    fileCount = Object.keys(corpus).length;
    const repoDir = await createTestRepo(root, "inventory", corpus);
    app = await startTestApp({ env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true", CTXPIPE_SEARCH_CONTENT_INDEX: contentIndex } });
    owner = await signUp(app);
    org = await createOrgAs(app, owner);
    const added = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories`, { as: owner, body: { url: repoDir, name: "inventory" } });
    assert.equal(added.status, 201, added.text);
    const ready = await waitForRepository(app, owner, org.slug, added.json.id);
    assert.equal(ready.status, "ready", JSON.stringify(ready));
    assert.equal(ready.fileCount, fileCount, "every corpus file is indexed");
  });
  after(async () => {
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("ranks the fixed queries as pinned in golden/expected.json", async () => {
    const actual: Record<string, GoldenResult[]> = {};
    for (const { q } of QUERIES) {
      const res = await call(app, "GET", `/api/v1/orgs/${org.slug}/search?q=${encodeURIComponent(q)}&limit=100`, { as: owner });
      assert.equal(res.status, 200, `${q}: ${res.text}`);
      assert.equal(res.json.partial, false, q);
      assert.equal(res.json.nextCursor, null, q);
      actual[q] = res.json.results.map((r: { path: string; lines: { line: number; ranges?: unknown }[] }) => ({
        path: r.path,
        lines: r.lines.filter((l) => l.ranges !== undefined).map((l) => l.line),
      }));
      assert.ok(actual[q]!.length > 0, `${q} finds something`);
    }

    if (process.env.UPDATE_GOLDEN === "1" && contentIndex === "pg_trgm") {
      const doc = Object.fromEntries(QUERIES.map(({ q, why }) => [q, { why, results: actual[q] }]));
      await fs.writeFile(EXPECTED_FILE, `${JSON.stringify(doc, null, 2)}\n`);
      return;
    }
    const expected = JSON.parse(await fs.readFile(EXPECTED_FILE, "utf8")) as Record<string, { results: GoldenResult[] }>;
    assert.deepEqual(
      Object.keys(expected),
      QUERIES.map((x) => x.q),
      "expected.json covers exactly the queries (regenerate with UPDATE_GOLDEN=1)",
    );
    for (const { q } of QUERIES) {
      assert.deepEqual(actual[q], expected[q]!.results, `ranking of ${JSON.stringify(q)} changed (regenerate with UPDATE_GOLDEN=1 after review)`);
    }
  });

  it("outlines a file's symbols in line order, and 404s an unknown path", async () => {
    const res = await call(app, "GET", `/api/v1/orgs/${org.slug}/repositories/inventory/outline?path=src/inventory/ledger.ts`, { as: owner });
    assert.equal(res.status, 200, res.text);
    const outline = res.json.symbols.map((s: { name: string; kind: string; startLine: number }) => `${s.startLine} ${s.kind} ${s.name}`);
    // The class, its members (the entries field, the methods), then the function.
    assert.deepEqual(
      outline.filter((l: string) => /StockLedger|record|quantityOnHand|reserveItem/.test(l)),
      ["5 class StockLedger", "8 method record", "12 method quantityOnHand", "18 function reserveItem"],
    );
    assert.equal(res.json.partial, false);
    const missing = await call(app, "GET", `/api/v1/orgs/${org.slug}/repositories/inventory/outline?path=nope.ts`, { as: owner });
    assert.equal(missing.status, 404);
  });

  it("ranks references: code beside the definition, then other code, prose, tests last", async () => {
    const order = async (name: string) => {
      const res = await call(app, "GET", `/api/v1/orgs/${org.slug}/references?name=${name}`, { as: owner });
      assert.equal(res.status, 200, res.text);
      return [...new Set(res.json.references.map((r: { path: string }) => r.path))];
    };
    // Defined in src/inventory/ledger.ts (its only line there is the definition): code first,
    // then the docs; the test beside the definition comes last.
    assert.deepEqual(await order("reserveItem"), ["src/api/orders.ts", "README.md", "docs/reservations.md", "src/inventory/reserveItem.test.ts"]);
    // Defined in src/util/sku.ts: the test beside it has more uses but ranks below code.
    assert.deepEqual(await order("formatSku"), ["src/inventory/ledger.ts", "src/util/sku.test.ts"]);
  });
}
