/**
 * Line matching and highlight ranges.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compilePattern, matchLines, MAX_LINE_CHARS, rangesIn } from "./line-matcher.js";

describe("line matcher", () => {
  it("finds literal matches case-insensitively with ranges", () => {
    const re = compilePattern({ kind: "literal", value: "foo.bar", negated: false }, false);
    assert.deepEqual(matchLines("x\nFOO.BAR(); foo.bar\nfooxbar", 10, [re]), [{ line: 11, text: "FOO.BAR(); foo.bar", ranges: [[0, 7], [11, 18]] }]);
  });

  it("respects case sensitivity", () => {
    const re = compilePattern({ kind: "literal", value: "Foo", negated: false }, true);
    assert.deepEqual(rangesIn("foo Foo", [re]), [[4, 7]]);
  });

  it("matches regexes per line and merges overlapping ranges of several patterns", () => {
    const a = compilePattern({ kind: "regex", value: "ab+", negated: false }, false);
    const b = compilePattern({ kind: "literal", value: "bbc", negated: false }, false);
    assert.deepEqual(rangesIn("xabbbcx", [a, b]), [[1, 6]]);
    const anchored = compilePattern({ kind: "regex", value: "^func", negated: false }, false);
    assert.deepEqual(matchLines("func a()\n  func b()", 1, [anchored]).map((m) => m.line), [1]);
  });

  it("cuts very long lines", () => {
    const re = compilePattern({ kind: "literal", value: "needle", negated: false }, false);
    const line = `${"x".repeat(MAX_LINE_CHARS - 3)}needle`;
    const [m] = matchLines(line, 1, [re]);
    assert.equal(m!.text.length, MAX_LINE_CHARS);
    assert.deepEqual(m!.ranges, [[MAX_LINE_CHARS - 3, MAX_LINE_CHARS]]);
  });

  it("strips carriage returns", () => {
    const re = compilePattern({ kind: "literal", value: "a", negated: false }, false);
    assert.equal(matchLines("a\r\nb", 1, [re])[0]!.text, "a");
  });

  it("finds the same lines by sweeping the chunk as by matching every line", () => {
    const chunk = ["const a = useEffect(() => {", "  useLayoutEffect(x);", "}, []);", "function useEffectOnce() {}", "", "^start $end", "x".repeat(600) + " useEffect"].join("\n");
    const patterns = [
      compilePattern({ kind: "regex", value: "use[A-Z]\\w+Effect", negated: false }, true),
      compilePattern({ kind: "regex", value: "^function", negated: false }, false),
      compilePattern({ kind: "regex", value: "\\)$", negated: false }, false),
      compilePattern({ kind: "literal", value: "useeffect", negated: false }, false),
      compilePattern({ kind: "regex", value: "a\\s+b|\\[\\]", negated: false }, false),
    ];
    for (const re of patterns) {
      const perLine = chunk.split("\n").flatMap((line, i) => (rangesIn(line, [re]).length > 0 ? [i + 5] : []));
      assert.deepEqual(matchLines(chunk, 5, [re]).map((m) => m.line), perLine, re.source);
    }
    assert.deepEqual(matchLines("a\nb\nc", 1, [compilePattern({ kind: "regex", value: "x*", negated: false }, false)]), []);
  });
});
