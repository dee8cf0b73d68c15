/**
 * The literal runs a regex's every match contains: only what is certain, never an optional or
 * alternative part.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { requiredRuns } from "./trigram-query.js";

const runs = (value: string) => requiredRuns({ kind: "regex", value, negated: false });

describe("requiredRuns", () => {
  it("keeps a literal whole", () => {
    assert.deepEqual(requiredRuns({ kind: "literal", value: "a.b*c", negated: false }), ["a.b*c"]);
  });
  it("splits a regex at what is not literal", () => {
    assert.deepEqual(runs("^import .* from 'react'"), ["import ", " from 'react'"]);
    assert.deepEqual(runs("use[A-Z]\\w+Effect"), ["use", "Effect"]);
    assert.deepEqual(runs("foo\\.bar\\(\\)"), ["foo.bar()"]);
    assert.deepEqual(runs("\\bfunc\\b"), ["func"]);
  });
  it("drops optional characters and groups", () => {
    assert.deepEqual(runs("colou?r"), ["colo", "r"]);
    assert.deepEqual(runs("ab*cd"), ["a", "cd"]);
    assert.deepEqual(runs("ab{0,2}cd"), ["a", "cd"]);
    assert.deepEqual(runs("ab{2}cd"), ["ab", "cd"]);
    assert.deepEqual(runs("ab+cd"), ["ab", "cd"]);
    assert.deepEqual(runs("ab*?cd"), ["a", "cd"]);
    assert.deepEqual(runs("(abc)?def"), ["def"]);
    assert.deepEqual(runs("x(a|b)yz"), ["x", "yz"]);
    assert.deepEqual(runs("a[)(|]bc"), ["a", "bc"]);
    assert.deepEqual(runs("a[]x]bc"), ["a", "bc"]);
  });
  it("gives nothing for a top-level alternation or a broken pattern", () => {
    assert.deepEqual(runs("foo|bar"), []);
    assert.deepEqual(runs("abc(def"), []);
  });
  it("does not read an escape's letters as text", () => {
    assert.deepEqual(runs("ab\\x41cd"), ["ab", "cd"]);
    assert.deepEqual(runs("ab\\tcd\\d"), ["ab", "cd"]);
  });
});
