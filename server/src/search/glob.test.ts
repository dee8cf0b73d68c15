/**
 * Glob to regex conversion.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { globToRegexSource } from "./glob.js";

const matches = (glob: string, path: string) => new RegExp(globToRegexSource(glob)).test(path);

describe("globToRegexSource", () => {
  it("matches file names at any depth without a slash", () => {
    assert.ok(matches("*.ts", "src/a/b.ts"));
    assert.ok(!matches("*.ts", "src/a/b.tsx"));
  });
  it("anchors globs with a slash at the root", () => {
    assert.ok(matches("src/*.ts", "src/a.ts"));
    assert.ok(!matches("src/*.ts", "src/x/a.ts"));
    assert.ok(matches("src/**/*.ts", "src/x/y/a.ts"));
    assert.ok(matches("src/**/*.ts", "src/a.ts"));
  });
  it("supports ? and alternatives", () => {
    assert.ok(matches("*.{ts,tsx}", "a/b.tsx"));
    assert.ok(matches("file?.md", "file1.md"));
    assert.ok(!matches("file?.md", "file10.md"));
  });
  it("escapes regex characters and refuses bad globs", () => {
    assert.ok(matches("a+b.(c)", "a+b.(c)"));
    assert.throws(() => globToRegexSource("{a,b"), /unbalanced/);
  });
});
