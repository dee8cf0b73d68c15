/**
 * Search when a word matches far more files than a page: the scan stops once it holds enough
 * candidates (partial, too_many_matches), yet definitions and path matches still rank first
 * even though the index holds them last; pages of one query do not overlap; a large limit
 * reads every match; filters, AND across distant chunks and negation stay exact.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

const GENERATED = 150;

/** The corpus: many generated files using `widget`, a few special ones sorted after them. */
function corpus(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < GENERATED; i++) {
    const n = String(i).padStart(3, "0");
    const lines = [`// generated ${n}`, `const part${n} = makeWidget(${i});`, `export const widget${n} = part${n}.widget;`];
    if (i % 10 === 0) lines.push("// gamma marker");
    files[`src/gen/file-${n}.js`] = `${lines.join("\n")}\n`;
  }
  files["src/zz/defs.ts"] = "export function widget(size: number): number {\n  return size * 2;\n}\n";
  files["src/zz/widget-registry.js"] = "export const registry = new Map();\n";
  for (let i = 0; i < 3; i++) files[`py/mod_${i}.py`] = `from shapes import widget\n\nprint(widget(${i}))\n`;
  const filler = Array.from({ length: 1500 }, (_, i) => `// filler line ${i}`);
  files["docs/far-apart.js"] = ["// alpha at the top", ...filler, "// beta at the bottom", ""].join("\n");
  files["docs/alpha-only.js"] = "// alpha alone\n";
  files["py/gizmo.py"] = "@cached\ndef make_gizmo():\n    return 1\n";
  return files;
}

describe("search with many matches", () => {
  let root: string;
  let app: TestApp;
  let owner: TestUser;
  let org: { slug: string };
  const files = corpus();
  const containing = (word: string) =>
    Object.entries(files)
      .filter(([p, text]) => text.toLowerCase().includes(word) || p.includes(word))
      .map(([p]) => p);
  const search = async (q: string, extra = "") => {
    const res = await call(app, "GET", `/api/v1/orgs/${org.slug}/search?q=${encodeURIComponent(q)}${extra}`, { as: owner });
    assert.equal(res.status, 200, `${q}: ${res.text}`);
    return res.json as {
      results: { path: string; lines: { line: number; text: string; ranges?: unknown }[]; definitions: { name: string }[] }[];
      partial: boolean;
      partialReason?: string;
      nextCursor: string | null;
      stats: { matchedFiles: number };
    };
  };

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-many-"));
    const repoDir = await createTestRepo(root, "widgets", files);
    app = await startTestApp({ env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" } });
    owner = await signUp(app);
    org = await createOrgAs(app, owner);
    const added = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories`, { as: owner, body: { url: repoDir, name: "widgets" } });
    assert.equal(added.status, 201, added.text);
    const ready = await waitForRepository(app, owner, org.slug, added.json.id);
    assert.equal(ready.status, "ready", JSON.stringify(ready));
  });
  after(async () => {
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("stops early on a common word but ranks the definition and the path match first", async () => {
    const page = await search("widget", "&limit=5");
    assert.equal(page.partial, true);
    assert.equal(page.partialReason, "too_many_matches");
    assert.ok(page.stats.matchedFiles < containing("widget").length, `read ${page.stats.matchedFiles} files, not all`);
    assert.equal(page.results.length, 5);
    assert.equal(page.results[0]!.path, "src/zz/defs.ts");
    assert.deepEqual(
      page.results[0]!.definitions.map((d) => d.name),
      ["widget"],
    );
    assert.equal(page.results[1]!.path, "src/zz/widget-registry.js");
    assert.ok(page.nextCursor, "a cursor for the next page");

    const next = await search("widget", `&limit=5&cursor=${page.nextCursor}`);
    const first = new Set(page.results.map((r) => r.path));
    assert.equal(next.results.length, 5);
    assert.ok(
      next.results.every((r) => !first.has(r.path)),
      "pages do not overlap",
    );
  });

  it("reads every match when the limit asks for enough", async () => {
    const all = await search("widget", "&limit=100");
    const expected = containing("widget").length;
    assert.ok(expected > 100 && expected < 300);
    assert.equal(all.partial, false);
    assert.equal(all.stats.matchedFiles, expected);
    assert.equal(all.results.length, 100);
  });

  it("finds every match inside a narrow filter", async () => {
    const py = await search("lang:python widget", "&limit=5");
    assert.deepEqual(py.results.map((r) => r.path).sort(), ["py/mod_0.py", "py/mod_1.py", "py/mod_2.py"]);
    assert.equal(py.partial, false);
    const defs = await search("widget file:\\.ts$");
    assert.deepEqual(
      defs.results.map((r) => r.path),
      ["src/zz/defs.ts"],
    );
  });

  it("matches AND terms that sit in distant chunks of one file, with both lines", async () => {
    const res = await search("alpha beta");
    assert.deepEqual(
      res.results.map((r) => r.path),
      ["docs/far-apart.js"],
    );
    assert.deepEqual(
      res.results[0]!.lines.filter((l) => l.ranges).map((l) => l.line),
      [1, 1502],
    );
  });

  it("shows a sym: hit on the line that holds the name, not on its decorator", async () => {
    const res = await search("sym:make_gizmo");
    assert.deepEqual(
      res.results.map((r) => r.path),
      ["py/gizmo.py"],
    );
    assert.deepEqual(
      res.results[0]!.lines.filter((l) => l.ranges).map((l) => [l.line, l.text]),
      [[2, "def make_gizmo():"]],
    );
  });

  it("drops files that hold a negated term", async () => {
    const res = await search("widget -gamma", "&limit=100");
    const expected = Object.entries(files)
      .filter(([, text]) => text.includes("widget") && !text.includes("gamma"))
      .map(([p]) => p);
    assert.equal(res.partial, false);
    assert.equal(res.stats.matchedFiles, expected.length);
    assert.ok(
      res.results.every((r) => expected.includes(r.path)),
      "no result holds gamma",
    );
  });
});
