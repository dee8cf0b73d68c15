/**
 * The query language: patterns, filters, or-groups, negation, and error offsets.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseQuery, QueryError } from "./query-parser.js";

function errorOf(input: string): QueryError {
  try {
    parseQuery(input);
  } catch (err) {
    assert.ok(err instanceof QueryError);
    return err;
  }
  assert.fail(`expected ${input} to be refused`);
}

describe("parseQuery", () => {
  it("treats words as ANDed literals", () => {
    const q = parseQuery("useState effect");
    assert.deepEqual(q.groups, [
      [
        { kind: "literal", value: "useState", negated: false },
        { kind: "literal", value: "effect", negated: false },
      ],
    ]);
    assert.equal(q.caseSensitive, false);
  });

  it("keeps regex metacharacters literal outside slashes", () => {
    assert.deepEqual(parseQuery("a.b(c)*").groups[0], [{ kind: "literal", value: "a.b(c)*", negated: false }]);
  });

  it("parses quoted phrases with escapes, and regexes", () => {
    const q = parseQuery('"hello world" /fo+\\/bar/ "say \\"hi\\""');
    assert.deepEqual(q.groups[0], [
      { kind: "literal", value: "hello world", negated: false },
      { kind: "regex", value: "fo+\\/bar", negated: false },
      { kind: "literal", value: 'say "hi"', negated: false },
    ]);
  });

  it("parses filters, negated filters and case", () => {
    const q = parseQuery("repo:acme/api -file:test lang:TypeScript -lang:js file:\\.ts$ case:yes sym:parseQuery token");
    assert.deepEqual(q.repos, ["acme/api"]);
    assert.deepEqual(q.excludeFiles, ["test"]);
    assert.deepEqual(q.files, ["\\.ts$"]);
    assert.deepEqual(q.langs, ["typescript"]);
    assert.deepEqual(q.excludeLangs, ["javascript"]);
    assert.deepEqual(q.symbols, ["parseQuery"]);
    assert.equal(q.caseSensitive, true);
    assert.deepEqual(q.groups, [[{ kind: "literal", value: "token", negated: false }]]);
  });

  it("splits or-groups and keeps negated patterns", () => {
    const q = parseQuery("foo -bar or baz");
    assert.deepEqual(q.groups, [
      [
        { kind: "literal", value: "foo", negated: false },
        { kind: "literal", value: "bar", negated: true },
      ],
      [{ kind: "literal", value: "baz", negated: false }],
    ]);
  });

  it("accepts a query with only sym: or file:", () => {
    assert.deepEqual(parseQuery("sym:Foo").symbols, ["Foo"]);
    assert.deepEqual(parseQuery("file:README").files, ["README"]);
  });

  it("points at the problem", () => {
    assert.equal(errorOf('foo "bar').offset, 4);
    assert.match(errorOf("foo /ba(r/").message, /^invalid regex/);
    assert.equal(errorOf("foo /ba(r/").offset, 5);
    assert.match(errorOf("/(?=x)y/").message, /lookaround/);
    assert.match(errorOf("or foo").message, /both sides/);
    assert.match(errorOf("foo or").message, /both sides/);
    assert.match(errorOf("-foo").message, /not negated/);
    assert.match(errorOf("case:maybe x").message, /case: takes/);
    assert.match(errorOf("repo: x").message, /needs a value/);
    assert.match(errorOf("").message, /no pattern/);
    assert.match(errorOf("x".repeat(1001)).message, /longer than/);
    assert.match(errorOf(Array.from({ length: 21 }, (_, i) => `t${i}`).join(" ")).message, /more than 20 terms/);
    assert.equal(errorOf("file:a( x").offset, 5);
    assert.equal(errorOf("x\u0000y").offset, 1);
    assert.match(errorOf("x\u0000y").message, /NUL/);
  });
});

describe("regex dialect", () => {
  it("refuses constructs Postgres does not have, and -case:", () => {
    assert.match(errorOf("/(?<word>x)/").message, /named groups/);
    assert.match(errorOf("/\\p{L}/").message, /Unicode property/);
    assert.match(errorOf("-case:yes x").message, /-case: is not supported/);
  });

  it("refuses what RE2 cannot run in linear time, at the construct's offset", () => {
    assert.deepEqual([errorOf("foo /(a)\\1/").message, errorOf("foo /(a)\\1/").offset], ["backreferences (\\1) are not supported", 8]);
    assert.equal(errorOf("/ab(?<word>x)/").offset, 3);
    assert.equal(errorOf("/a(?<=b)c/").offset, 2);
    assert.match(errorOf("/(?i)abc/").message, /inline flags/);
    assert.match(errorOf("/\\Qa.b\\E/").message, /escape \\Q/);
    assert.match(errorOf("/(.{1,100}){100}/").message, /invalid repeat count/);
    assert.match(errorOf("/(.{1,100}){10}/").message, /too large to run/);
    assert.equal(errorOf("lang:go -file:(x").offset, 14);
  });

  it("maps language aliases and extensions to language ids", () => {
    assert.deepEqual(parseQuery("x lang:ts -lang:js lang:golang lang:PY").langs, ["typescript", "go", "python"]);
    assert.deepEqual(parseQuery("x -lang:js").excludeLangs, ["javascript"]);
    assert.match(errorOf("x lang:typscript").message, /unknown language "typscript"; did you mean typescript/);
    assert.equal(errorOf("x lang:typscript").offset, 7);
  });

  it("accepts the portable dialect", () => {
    for (const q of ["/(a+)+$/", "/(\\w+)+:$/", "/\\bfoo\\b/", "/[[:alpha:]]+\\d{2,4}/", "/a(?:b|c)*?d/", "/[(?]x/", "/\\x41\\.\\//"]) {
      assert.equal(parseQuery(q).groups[0]![0]!.kind, "regex", q);
    }
  });

  it("routes type:doc and space: to documents, and refuses mixing them with code filters", () => {
    const q = parseQuery("type:doc retention space:ENG -space:ARCHIVE");
    assert.equal(q.type, "doc");
    assert.deepEqual(q.spaces, ["ENG"]);
    assert.deepEqual(q.excludeSpaces, ["ARCHIVE"]);
    assert.equal(parseQuery("space:ENG retention").type, "doc", "space: implies documents");
    assert.equal(parseQuery("retention").type, "code");
    assert.equal(parseQuery("type:code retention").type, "code");
    assert.match(errorOf("type:doc repo:shop x").message, /filter code, not documents/);
    assert.match(errorOf("type:code space:ENG x").message, /drop type:code/);
    assert.match(errorOf("type:wiki x").message, /type: takes "code" or "doc"/);
    assert.equal(errorOf("x space:a.b").offset, 8);
    assert.match(errorOf("type:doc").message, /no pattern/);
  });
});
