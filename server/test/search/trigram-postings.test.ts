/**
 * The byte-trigram lists (ADR 007) against the pg_trgm index they are to replace: a fixture
 * corpus (the golden corpus, real JavaScript from node_modules, long lines, non-ASCII text,
 * CRLF) is indexed through the real pipeline, then randomised literal and regex queries (seeded,
 * so a failure repeats) are answered by both chunk scans, whole-org and within a blob list: the
 * same chunks must match. Also: each org's lists answer only that org's scope, and deleting the
 * repository collects the segments with the blobs.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { withTenant, type Queryable } from "../../src/platform/db/tenant.js";
import { openPostingScan } from "../../src/search/postings.sql.js";
import { parseQuery, type Pattern } from "../../src/search/query-parser.js";
import { type ChunkScan, openChunkScan } from "../../src/search/scan.sql.js";
import { patternTrigrams } from "../../src/search/trigram-query.js";
import { eventually } from "../harness/eventually.js";
import { commitFiles, createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { reindexTo, waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

const GOLDEN = fileURLToPath(new URL("../repositories/golden/corpus/", import.meta.url));
const PG_LIB = fileURLToPath(new URL("../../../node_modules/pg/lib/", import.meta.url));
/** Randomised queries per kind; the seed is fixed so a failure repeats. */
const QUERIES = 150;
const SEED = 30;

/** A small seeded PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function readTree(dir: string, prefix: string, strip = ""): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of (await fs.readdir(dir, { recursive: true })).sort()) {
    const full = path.join(dir, entry);
    if (!(await fs.stat(full)).isFile()) continue;
    const name = strip && entry.endsWith(strip) ? entry.slice(0, -strip.length) : entry;
    files[`${prefix}/${name.split(path.sep).join("/")}`] = await fs.readFile(full, "utf8");
  }
  return files;
}

/** The fixture corpus: real code and prose, plus the shapes that stress byte trigrams. */
async function corpus(): Promise<Record<string, string>> {
  const files = { ...(await readTree(GOLDEN, "golden", ".txt")), ...(await readTree(PG_LIB, "pg")) };
  const words = ["Grüße", "naïve café", "ŞEHİR", "日本語のテキスト", "emoji 🎉 party", "Ärger über Öl", "KELVIN \u212A sign", "\u0130stanbul"];
  files["text/unicode.md"] = Array.from({ length: 400 }, (_, i) => `${i}: ${words[i % words.length]} and ${words[(i * 3) % words.length]!.toUpperCase()}`).join(
    "\n",
  );
  files["text/crlf.txt"] = Array.from({ length: 300 }, (_, i) => `Line ${i}\tValue=${(i * 7919) % 1000}; DONE`).join("\r\n");
  // One line longer than a chunk, and many lines: blobs of several chunks.
  files["text/long-line.js"] = `const table = [${Array.from({ length: 3000 }, (_, i) => `"k${i}": ${i}`).join(", ")}];\n`;
  files["text/many-lines.ts"] = Array.from({ length: 2000 }, (_, i) => `export const value${i} = compute(${i}, "Label ${i % 17}"); // note ${i % 5}`).join(
    "\n",
  );
  return files;
}

/** Every chunk a scan returns, as blob:chunk, sorted. */
async function drain(scan: ChunkScan): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const rows = await scan.fetch(500);
    out.push(...rows.map((r) => `${r.blobOid}:${r.chunkNo}`));
    if (rows.length < 500) break;
  }
  await scan.close();
  return out.sort();
}

/** Escapes regex metacharacters. */
const escapeMeta = (s: string) => s.replace(/[\\^$.|?*+()[\]{}/]/g, "\\$&");

/** Random patterns drawn from the corpus: literals (case flipped, sometimes broken) and regexes. */
function randomPatterns(texts: string[], next: () => number): Pattern[] {
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)]!;
  const sample = (min: number, max: number) => {
    for (;;) {
      const text = pick(texts);
      const len = min + Math.floor(next() * (max - min + 1));
      const at = Math.floor(next() * Math.max(1, text.length - len));
      const s = text.slice(at, at + len);
      if (!s.includes("\n") && !s.includes("\r") && s.trim().length > 0) return s;
    }
  };
  const flipCase = (s: string) => [...s].map((c) => (next() < 0.3 ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c)).join("");
  const patterns: Pattern[] = [];
  for (let i = 0; i < QUERIES; i++) {
    let value = sample(2, 14);
    if (next() < 0.4) value = flipCase(value);
    if (next() < 0.1) value = `${value.slice(0, -1)}#`;
    patterns.push({ kind: "literal", value, negated: false });
  }
  const edits: ((s: string) => string)[] = [
    (s) => `${escapeMeta(s.slice(0, 3))}.${escapeMeta(s.slice(4))}`,
    (s) => `${escapeMeta(s.slice(0, 4))}\\w*${escapeMeta(s.slice(4))}`,
    (s) => `${escapeMeta(s.slice(0, 2))}[a-z]?${escapeMeta(s.slice(2))}`,
    (s) => `(${escapeMeta(s.slice(0, 3))})?${escapeMeta(s.slice(3))}`,
    (s) => `${escapeMeta(s)}|${escapeMeta(sample(4, 8))}`,
    (s) => `^\\s*${escapeMeta(s)}`,
    (s) => `\\b${escapeMeta(s)}`,
    (s) => `${escapeMeta(s.slice(0, 3))}+${escapeMeta(s.slice(3))}`,
    (s) => `${escapeMeta(s.slice(0, 3))}{0,2}${escapeMeta(s.slice(3))}`,
    (s) => `${escapeMeta(s.slice(0, 5))}(ab|${escapeMeta(s.slice(5, 7))})*${escapeMeta(s.slice(7))}`,
    (s) => `${escapeMeta(s)}\\.?$`,
    (s) => `[${escapeMeta(s.slice(0, 1))}]${escapeMeta(s.slice(1))}`,
  ];
  for (let i = 0; i < QUERIES; i++) {
    const value = pick(edits)(flipCase(sample(5, 16)));
    // Only what the query language accepts.
    try {
      parseQuery(`/${value.replaceAll("/", "\\/")}/`);
    } catch {
      continue;
    }
    patterns.push({ kind: "regex", value, negated: false });
  }
  return patterns;
}

describe("trigram posting lists", () => {
  let root: string;
  let app: TestApp;
  let owner: TestUser;
  let org: { id: string; slug: string };
  let other: { id: string; slug: string };
  let repositoryId: string;
  let repoDir: string;
  let texts: string[];

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-postings-"));
    const files = await corpus();
    texts = Object.values(files);
    app = await startTestApp({ env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true", CTXPIPE_SEARCH_CONTENT_INDEX: "postings" } });
    owner = await signUp(app);
    org = await createOrgAs(app, owner);
    other = await createOrgAs(app, owner);
    for (const [target, repoFiles] of [
      [org, files],
      [other, { "other/secret.ts": "export const otherOrgNeedle = 'only in the other org';\n" }],
    ] as const) {
      const dir = await createTestRepo(root, `repo-${target.slug}`, repoFiles);
      const added = await call(app, "POST", `/api/v1/orgs/${target.slug}/repositories`, { as: owner, body: { url: dir, name: "fixture" } });
      assert.equal(added.status, 201, added.text);
      const ready = await waitForRepository(app, owner, target.slug, added.json.id);
      assert.equal(ready.status, "ready", JSON.stringify(ready));
      if (target === org) [repositoryId, repoDir] = [added.json.id, dir];
    }
  });
  after(async () => {
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  const inOrg = <T>(orgId: string, fn: (tx: Queryable) => Promise<T>) => withTenant(app.running.platform.db, { orgId }, fn, { snapshot: true });

  it("finds the same chunks as pg_trgm for random literals and regexes, in either case mode", async () => {
    const next = random(SEED);
    const patterns = randomPatterns(texts, next);
    let compared = 0;
    let matched = 0;
    let fewerCandidates = 0;
    await inOrg(org.id, async (tx) => {
      const blobs = (await tx.query<{ blob_oid: string }>("select distinct blob_oid from index_chunks order by blob_oid")).rows.map((r) => r.blob_oid);
      for (const pattern of patterns) {
        for (const caseSensitive of [false, true]) {
          const codes = patternTrigrams(pattern, caseSensitive);
          if (!codes) continue;
          const label = `${pattern.kind} ${JSON.stringify(pattern.value)} case:${caseSensitive ? "yes" : "no"} (seed ${SEED})`;
          const old = await drain(await openChunkScan(tx, pattern, caseSensitive));
          const scan = await openPostingScan(tx, pattern, caseSensitive, codes);
          const lists = await drain(scan);
          assert.deepEqual(lists, old, label);
          // Within a blob list, as file: and lang: filters scan.
          const within = blobs.filter(() => next() < 0.5);
          const oldWithin = await drain(await openChunkScan(tx, pattern, caseSensitive, { within }));
          assert.deepEqual(await drain(await openPostingScan(tx, pattern, caseSensitive, codes, { within })), oldWithin, `${label} within`);
          compared++;
          if (old.length > 0) matched++;
          if (scan.candidates.ids.length < blobs.length) fewerCandidates++;
        }
      }
    });
    // The comparison means something only if most patterns used the lists and many matched.
    assert.ok(compared >= QUERIES, `compared ${compared} patterns`);
    assert.ok(matched >= compared / 2, `${matched} of ${compared} patterns matched something`);
    assert.ok(fewerCandidates >= compared / 2, `${fewerCandidates} of ${compared} narrowed the candidates`);
  });

  it("returns no trigrams for patterns that cannot use the lists", () => {
    assert.equal(patternTrigrams({ kind: "literal", value: "ab", negated: false }, false), undefined);
    assert.equal(patternTrigrams({ kind: "regex", value: "foo|bar", negated: false }, false), undefined);
    assert.equal(patternTrigrams({ kind: "regex", value: "\\w+\\s*=", negated: false }, false), undefined);
    assert.equal(patternTrigrams({ kind: "literal", value: "日本", negated: false }, false), undefined, "case-insensitive: no non-ASCII trigram");
    assert.ok(patternTrigrams({ kind: "literal", value: "日本", negated: false }, true), "case-sensitive: bytes as they are");
  });

  it("skips the chunks of blobs a repo: filter does not see", async () => {
    const pattern: Pattern = { kind: "literal", value: "function", negated: false };
    const codes = patternTrigrams(pattern, false)!;
    await inOrg(org.id, async (tx) => {
      const { rows } = await tx.query<{ generation: number }>("select generation from repositories where id = $1", [repositoryId]);
      const repo = { id: repositoryId, name: "fixture", generation: rows[0]!.generation, commit: "" };
      const all = await drain(await openChunkScan(tx, pattern, false));
      assert.ok(all.length > 10);
      assert.deepEqual(await drain(await openPostingScan(tx, pattern, false, codes, { visibleIn: [repo] })), all);
      assert.deepEqual(await drain(await openPostingScan(tx, pattern, false, codes, { visibleIn: [{ ...repo, generation: 0 }] })), []);
    });
  });

  it("answers only the scoped org's chunks", async () => {
    const needle: Pattern = { kind: "literal", value: "otherOrgNeedle", negated: false };
    const codes = patternTrigrams(needle, false)!;
    assert.deepEqual(await inOrg(org.id, async (tx) => drain(await openPostingScan(tx, needle, false, codes))), []);
    assert.equal((await inOrg(other.id, async (tx) => drain(await openPostingScan(tx, needle, false, codes)))).length, 1);
    const unscoped = await app.running.platform.db.app.query("select count(*)::int as n from index_trigram_postings");
    assert.equal(unscoped.rows[0].n, 0, "nothing without a scope");
  });

  it("lists the chunks of an incremental run, and forgets the blobs it unlinked", async () => {
    const found = (value: string) =>
      inOrg(org.id, async (tx) => {
        const pattern: Pattern = { kind: "literal", value, negated: false };
        return drain(await openPostingScan(tx, pattern, false, patternTrigrams(pattern, false)!));
      });
    assert.equal((await found("Value=0; DONE")).length, 1, "found before the change");
    const head = await commitFiles(
      repoDir,
      { "text/crlf.txt": "Replaced with freshTokenAlpha\n", "text/new.ts": "export const freshTokenBeta = 1;\n" },
      "change two files",
    );
    await reindexTo(app, owner, org.slug, repositoryId, head);
    assert.equal((await found("freshTokenAlpha")).length, 1);
    assert.equal((await found("freshTokenBeta")).length, 1);
    assert.deepEqual(await found("Value=0; DONE"), [], "the old blob's chunks are collected");
  });

  it("finds matches across segments, and skips the segments without one of a pattern's trigrams", async () => {
    // Two more incremental runs: three or more segments, the last two small.
    for (const [name, token] of [
      ["more/a.ts", "segmentTokenGamma"],
      ["more/b.ts", "segmentTokenDelta"],
    ] as const) {
      const head = await commitFiles(repoDir, { [name]: `export function ${token}() {\n  return function inner() {};\n}\n` }, `add ${name}`);
      await reindexTo(app, owner, org.slug, repositoryId, head);
    }
    await inOrg(org.id, async (tx) => {
      const segments = (await tx.query<{ n: number }>("select count(*)::int as n from index_trigram_segments")).rows[0]!.n;
      assert.ok(segments >= 3, `${segments} segments`);
      const scanOf = (value: string) => {
        const pattern: Pattern = { kind: "literal", value, negated: false };
        return openPostingScan(tx, pattern, false, patternTrigrams(pattern, false)!);
      };
      // Every segment's matches, as pg_trgm finds them.
      for (const value of ["function", "segmentTokenGamma", "segmentTokenDelta", "return function inner"]) {
        const pattern: Pattern = { kind: "literal", value, negated: false };
        assert.deepEqual(await drain(await scanOf(value)), await drain(await openChunkScan(tx, pattern, false)), value);
      }
      // A token only the last run wrote: the segments without its trigrams are not read.
      const rare = await scanOf("segmentTokenDelta");
      assert.equal((await rare.fetch(10)).length, 1);
      assert.ok(rare.candidates.segments < segments, `${rare.candidates.segments} of ${segments} segments read`);
    });
  });

  it("deletes a repository's segments and lists with its blobs", async () => {
    const count = () =>
      inOrg(org.id, async (tx) => {
        const { rows } = await tx.query<{ segments: number; rows: number }>(
          "select (select count(*)::int from index_trigram_segments) as segments, (select count(*)::int from index_trigram_postings) as rows",
        );
        return rows[0]!;
      });
    const before = await count();
    assert.ok(before.segments > 0 && before.rows > 0, JSON.stringify(before));
    const res = await call(app, "DELETE", `/api/v1/orgs/${org.slug}/repositories/${repositoryId}`, { as: owner });
    assert.equal(res.status, 202, res.text);
    await eventually(async () => assert.deepEqual(await count(), { segments: 0, rows: 0 }), { timeoutMs: 30_000 });
    const kept = await inOrg(other.id, async (tx) => (await tx.query<{ n: number }>("select count(*)::int as n from index_trigram_segments")).rows[0]!.n);
    assert.equal(kept, 1, "the other org's segment stays");
  });
});
