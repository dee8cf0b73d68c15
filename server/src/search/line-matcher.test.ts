/**
 * Line matching and highlight ranges.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { matchLines, MAX_LINE_CHARS, rangesIn } from "./line-matcher.js";
import { compileTextPattern as compilePattern } from "./text-pattern.js";

describe("line matcher", () => {
  it("finds literal matches case-insensitively with ranges", () => {
    const re = compilePattern({ kind: "literal", value: "foo.bar" }, false);
    assert.deepEqual(matchLines("x\nFOO.BAR(); foo.bar\nfooxbar", 10, [re]), [
      {
        line: 11,
        text: "FOO.BAR(); foo.bar",
        ranges: [
          [0, 7],
          [11, 18],
        ],
      },
    ]);
  });

  it("respects case sensitivity", () => {
    const re = compilePattern({ kind: "literal", value: "Foo" }, true);
    assert.deepEqual(rangesIn("foo Foo", [re]), [[4, 7]]);
  });

  it("matches regexes per line and merges overlapping ranges of several patterns", () => {
    const a = compilePattern({ kind: "regex", value: "ab+" }, false);
    const b = compilePattern({ kind: "literal", value: "bbc" }, false);
    assert.deepEqual(rangesIn("xabbbcx", [a, b]), [[1, 6]]);
    const anchored = compilePattern({ kind: "regex", value: "^func" }, false);
    assert.deepEqual(
      matchLines("func a()\n  func b()", 1, [anchored]).map((m) => m.line),
      [1],
    );
  });

  it("cuts very long lines", () => {
    const re = compilePattern({ kind: "literal", value: "needle" }, false);
    const line = `${"x".repeat(MAX_LINE_CHARS - 3)}needle`;
    const [m] = matchLines(line, 1, [re]);
    assert.equal(m!.text.length, MAX_LINE_CHARS);
    assert.deepEqual(m!.ranges, [[MAX_LINE_CHARS - 3, MAX_LINE_CHARS]]);
  });

  it("strips carriage returns", () => {
    const re = compilePattern({ kind: "literal", value: "a" }, false);
    assert.equal(matchLines("a\r\nb", 1, [re])[0]!.text, "a");
  });

  it("finds the same lines by sweeping the chunk as by matching every line", () => {
    const chunk = [
      "const a = useEffect(() => {",
      "  useLayoutEffect(x);",
      "}, []);",
      "function useEffectOnce() {}",
      "",
      "^start $end",
      `${"x".repeat(600)} useEffect`,
    ].join("\n");
    const patterns = [
      compilePattern({ kind: "regex", value: "use[A-Z]\\w+Effect" }, true),
      compilePattern({ kind: "regex", value: "^function" }, false),
      compilePattern({ kind: "regex", value: "\\)$" }, false),
      compilePattern({ kind: "literal", value: "useeffect" }, false),
      compilePattern({ kind: "regex", value: "a\\s+b|\\[\\]" }, false),
    ];
    for (const re of patterns) {
      const perLine = chunk.split("\n").flatMap((line, i) => (rangesIn(line, [re]).length > 0 ? [i + 5] : []));
      assert.deepEqual(
        matchLines(chunk, 5, [re]).map((m) => m.line),
        perLine,
        re.source,
      );
    }
    assert.deepEqual(matchLines("a\nb\nc", 1, [compilePattern({ kind: "regex", value: "x*" }, false)]), []);
  });
});

describe("linear-time matching", () => {
  it("runs a catastrophic-backtracking regex over a matching-size input at once (V8 would not finish)", () => {
    // (a+)+$ over 40 a's and a b takes about 2^40 steps in a backtracking engine.
    const chunk = `${"a".repeat(40)}b\n`.repeat(400);
    assert.deepEqual(matchLines(chunk, 1, [compilePattern({ kind: "regex", value: "(a+)+$" }, false)]), []);
    assert.deepEqual(matchLines("xaaab\naaaa", 1, [compilePattern({ kind: "regex", value: "(a+)+$" }, false)]), [{ line: 2, text: "aaaa", ranges: [[0, 4]] }]);
  });

  it("counts ranges in UTF-16 code units, past astral characters", () => {
    assert.deepEqual(rangesIn("😀 x😀X", [compilePattern({ kind: "regex", value: "x😀?" }, true)]), [[3, 6]]);
  });
});

describe("long lines", () => {
  it("matches only the first MAX_MATCHED_LINE_CHARS characters of a line, keeping line numbers", async () => {
    const { MAX_MATCHED_LINE_CHARS } = await import("./line-matcher.js");
    const long = `${"x".repeat(MAX_MATCHED_LINE_CHARS + 10)}needle`;
    const re = compilePattern({ kind: "literal", value: "needle" }, false);
    assert.deepEqual(
      matchLines(`${long}\nneedle here\n${long}`, 7, [re]).map((m) => m.line),
      [8],
    );
    assert.deepEqual(
      matchLines(`${"y".repeat(MAX_MATCHED_LINE_CHARS - 6)}needle`, 1, [re]).map((m) => m.line),
      [1],
    );
  });
});
