/**
 * The order of a file's lines in a result: terms, definitions, coverage, line number; and
 * context hunks.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LineMatch } from "./line-matcher.js";
import { hunksInOrder, orderMatchLines } from "./line-order.js";
import { compileTextPattern } from "./text-pattern.js";

const term = (value: string) => compileTextPattern({ kind: "literal", value }, false);
const at = (line: number, text: string): LineMatch => ({ line, text, ranges: [[0, 1]] });

describe("line order", () => {
  it("puts lines with more distinct terms first, then definitions, then line number", () => {
    const lines = [at(1, "func (r *reader) a()"), at(2, "func (r *reader) b()"), at(3, "// NewSearcher"), at(4, "func NewSearcher()")];
    assert.deepEqual(
      orderMatchLines(lines, [term("func"), term("NewSearcher")], new Set()).map((l) => l.line),
      [4, 1, 2, 3],
    );
    assert.deepEqual(
      orderMatchLines([at(3, "// NewSearcher"), at(4, "func NewSearcher()")], [term("NewSearcher")], new Set([4])).map((l) => l.line),
      [4, 3],
    );
  });

  it("shows a line of each term before more lines of one term", () => {
    const lines = [at(1, "shard"), at(2, "shard"), at(3, "shard"), at(4, "format")];
    assert.deepEqual(
      orderMatchLines(lines, [term("shard"), term("format")], new Set()).map((l) => l.line),
      [1, 4, 2, 3],
    );
  });

  it("keeps each match with its context, merging overlapping windows", () => {
    const context = (n: number) => (n >= 1 && n <= 20 ? { line: n, ctx: true } : undefined);
    const ordered = [{ line: 10 }, { line: 2 }, { line: 4 }];
    assert.deepEqual(
      hunksInOrder(ordered, 1, context).map((l) => l.line),
      [9, 10, 11, 1, 2, 3, 4, 5],
    );
    assert.deepEqual(
      hunksInOrder(ordered, 0, context).map((l) => l.line),
      [10, 2, 4],
    );
  });
});
