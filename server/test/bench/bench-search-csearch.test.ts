/**
 * The csearch baseline of `npm run bench:search` (issue #30): ctxpipe queries translated into
 * csearch's regexp, `-i` and `-f` (escaping, anchoring `file:` below the indexed folder,
 * `lang:` as extensions and names, the queries with no faithful translation), and, when the
 * Debian package codesearch is installed, the translations run by the real cindex and csearch
 * over a small folder.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { buildCsearchIndex, cindexSkipsName, codesearchInstalled, csearchOnce, parseCsearchCounts } from "../../../bench/search/csearch.js";
import { csearchArgs, csearchCommand, type CsearchPlan, quoteMeta, translateToCsearch } from "../../../bench/search/csearch-query.js";

const ROOT = "/tmp/bench/indexed";

function plan(q: string, root = ROOT): CsearchPlan {
  const t = translateToCsearch(q, root);
  assert.ok("plan" in t, `${q}: ${"na" in t ? t.na : ""}`);
  return t.plan;
}

function na(q: string): string {
  const t = translateToCsearch(q, ROOT);
  assert.ok("na" in t, `${q} was translated: ${JSON.stringify(t)}`);
  return t.na;
}

describe("ctxpipe queries as csearch arguments", () => {
  it("escapes literals and phrases, and keeps regexes as written", () => {
    assert.equal(quoteMeta("a.b(c)*[d]{2}|^$+?\\"), "a\\.b\\(c\\)\\*\\[d\\]\\{2\\}\\|\\^\\$\\+\\?\\\\");
    assert.deepEqual(plan('"a.b(c)*"'), { groups: [{ patterns: ["a\\.b\\(c\\)\\*"], negated: [] }], ignoreCase: true, fileRegexp: null, notes: [] });
    assert.deepEqual(plan('"export default function"').groups, [{ patterns: ["export default function"], negated: [] }]);
    assert.deepEqual(plan("/^import .* from 'react'/").groups, [{ patterns: ["^import .* from 'react'"], negated: [] }]);
    assert.deepEqual(plan("/a\\/b\\d+/").groups, [{ patterns: ["a\\/b\\d+"], negated: [] }]);
  });

  it("is case-insensitive unless case:yes", () => {
    assert.equal(plan("xmlhttprequest").ignoreCase, true);
    const p = plan("case:yes /use[A-Z]\\w+Effect/");
    assert.equal(p.ignoreCase, false);
    assert.deepEqual(p.groups, [{ patterns: ["use[A-Z]\\w+Effect"], negated: [] }]);
    assert.deepEqual(csearchArgs(p, "use[A-Z]\\w+Effect", "count"), ["-c", "--", "use[A-Z]\\w+Effect"]);
    assert.deepEqual(csearchArgs(plan('"-x"'), "-x", "list"), ["-l", "-i", "--", "-x"]);
  });

  it("keeps AND, negation and or as groups of regexps", () => {
    assert.deepEqual(plan("useState useEffect -class or forwardRef").groups, [
      { patterns: ["useState", "useEffect"], negated: ["class"] },
      { patterns: ["forwardRef"], negated: [] },
    ]);
  });

  it("anchors file: below the indexed folder, case-insensitively", () => {
    assert.equal(plan("Status file:\\.cc$").fileRegexp, "(?i)^/tmp/bench/indexed/.*(?:\\.cc$)");
    assert.equal(plan("foo file:^src/").fileRegexp, "(?i)^/tmp/bench/indexed/(?:src/)");
    assert.equal(plan("foo file:[^/]+_test\\.go$").fileRegexp, "(?i)^/tmp/bench/indexed/.*(?:[^/]+_test\\.go$)");
    assert.equal(plan("foo f:\\^x", "/tmp/a.b+c/").fileRegexp, "(?i)^/tmp/a\\.b\\+c/.*(?:\\^x)");
    const p = plan("Status file:\\.cc$");
    assert.deepEqual(csearchArgs(p, "Status", "count"), ["-c", "-i", "-f", "(?i)^/tmp/bench/indexed/.*(?:\\.cc$)", "--", "Status"]);
    assert.equal(csearchCommand(p, ROOT), "csearch -c -i -f '(?i)^$ROOT/.*(?:\\.cc$)' -- 'Status'");
  });

  it("turns lang: into the language's extensions and file names", () => {
    const p = plan("lang:python import");
    assert.equal(p.fileRegexp, "/[^/]+\\.(?i:py|pyi|pyw)$");
    assert.match(p.notes.join(" "), /shebang/);
    assert.equal(plan("lang:makefile all").fileRegexp, "(?:/[^/]+\\.(?i:mk|mak)$|/(?:Makefile|makefile|GNUmakefile)$)");
    assert.equal(plan("lang:cpp lang:c x").fileRegexp, "/[^/]+\\.(?i:cc|cpp|cxx|c\\+\\+|hpp|hh|hxx|h\\+\\+|ipp|tpp|c|h)$");
  });

  it("answers n/a with the reason where csearch has no faithful translation", () => {
    assert.match(na("sym:createRoot"), /symbol/);
    assert.match(na("repo:api foo"), /repo:/);
    assert.match(na("foo -file:_test\\.go$"), /exclude/);
    assert.match(na("foo -lang:go"), /exclude/);
    assert.match(na("foo file:src file:\\.ts$"), /one -f/);
    assert.match(na("foo file:src lang:go"), /one/);
    assert.match(na("foo file:(^|/)api/"), /\^/);
    assert.match(na("foo file:^a|b"), /\^/);
    assert.match(na("type:doc rollback"), /documents/);
    assert.match(na("file:\\.go$"), /no content pattern/);
    assert.match(na('"unterminated'), /not a valid query/);
  });

  it("reads csearch's counts and knows which names cindex skips", () => {
    assert.deepEqual(
      [...parseCsearchCounts("/r/a: b.js: 3\n/r/c.js: 12\n")],
      [
        ["/r/a: b.js", 3],
        ["/r/c.js", 12],
      ],
    );
    assert.equal(cindexSkipsName("packages/x/.eslintrc.js"), true);
    assert.equal(cindexSkipsName("packages/.bin/x.js"), true);
    assert.equal(cindexSkipsName("packages/x/a.js~"), true);
    assert.equal(cindexSkipsName("packages/x/a.js"), false);
  });
});

const codesearch = codesearchInstalled();

describe("the translations run by csearch", { skip: codesearch.installed ? false : codesearch.reason }, () => {
  let dir = "";
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it("finds what ctxpipe's query means, over an index of a small folder", async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-csearch-test-"));
    // "tree": the folder's own name, which a file: filter must not see.
    const root = path.join(dir, "tree");
    const files: Record<string, string> = {
      "src/a.js": "const x = a.b(c)*2;\nfoo bar\nFOO\n",
      "src/d.js": "foo\n--verbose\n",
      "src/b.cc": "Status s;\nstatus t;\n",
      "lib/c.py": "import os\n",
      "lib/.hidden.js": "foo\n",
      "lib/long.js": `foo ${"x".repeat(2100)}\n`,
    };
    for (const [rel, text] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await fs.writeFile(path.join(root, rel), text);
    }
    const index = await buildCsearchIndex(
      root,
      path.join(dir, "index"),
      dir,
      Object.entries(files).map(([p, text]) => ({ path: p, bytes: Buffer.byteLength(text) })),
    );
    assert.equal(index.files, 4);
    assert.deepEqual(index.skipped, { byName: 1, byContent: 1, bytes: Buffer.byteLength(files["lib/.hidden.js"]!) + Buffer.byteLength(files["lib/long.js"]!) });
    assert.ok(index.bytes > 0);

    const run = async (q: string) => {
      const { files: n, lines } = await csearchOnce(plan(q, root), index.file);
      return { files: n, lines };
    };
    assert.deepEqual(await run('"a.b(c)*"'), { files: 1, lines: 1 });
    assert.deepEqual(await run('"a.b(c)+"'), { files: 0, lines: 0 });
    assert.deepEqual(await run("foo"), { files: 2, lines: 3 });
    assert.deepEqual(await run("case:yes foo"), { files: 2, lines: 2 });
    assert.deepEqual(await run("foo bar"), { files: 1, lines: 1 });
    assert.deepEqual(await run("foo -bar"), { files: 1, lines: 1 });
    assert.deepEqual(await run("bar or import"), { files: 2, lines: 2 });
    assert.deepEqual(await run("Status file:\\.cc$"), { files: 1, lines: 2 });
    assert.deepEqual(await run("case:yes Status file:\\.CC$"), { files: 1, lines: 1 });
    assert.deepEqual(await run("foo file:^src/"), { files: 2, lines: 3 });
    assert.deepEqual(await run("foo file:tree"), { files: 0, lines: 0 });
    assert.deepEqual(await run("lang:python import"), { files: 1, lines: 1 });
    assert.deepEqual(await run("lang:python foo"), { files: 0, lines: 0 });
    assert.deepEqual(await run("/^st\\w+ [st];$/"), { files: 1, lines: 2 });
    assert.deepEqual(await run('"--verbose"'), { files: 1, lines: 1 });
  });
});
