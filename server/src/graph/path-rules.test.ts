/**
 * CODEOWNERS patterns with the examples of GitHub's documentation, instruction globs, and
 * patterns that would backtrack badly in a backtracking engine.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { codeownersMatches, globMatches, ownersOf } from "./path-rules.js";

describe("CODEOWNERS patterns", () => {
  const cases: [string, string, boolean][] = [
    ["*", "any/file.txt", true],
    ["*.js", "src/deep/app.js", true],
    ["*.js", "src/app.ts", false],
    ["*.go", "main.go", true],
    ["/build/logs/", "build/logs/a/b.log", true],
    ["/build/logs/", "x/build/logs/a.log", false],
    ["docs/*", "docs/getting-started.md", true],
    ["docs/*", "docs/build-app/troubleshooting.md", false],
    ["apps/", "apps/web/page.tsx", true],
    ["apps/", "src/apps/web/page.tsx", true],
    ["/apps/", "src/apps/web/page.tsx", false],
    ["/docs/", "docs/x/y.md", true],
    ["**/logs", "deep/down/logs/today.log", true],
    ["**/logs", "logs/today.log", true],
    ["/scripts/", "scripts/deploy.sh", true],
    ["/apps/github", "apps/github/x.ts", true],
    ["/apps/github", "apps/github", true],
    ["README.md", "sub/README.md", true],
    ["packages/api/**", "packages/api/src/server.ts", true],
    ["packages/api/**", "packages/apis/x.ts", false],
  ];
  for (const [pattern, path, expected] of cases) {
    it(`${pattern} ${expected ? "matches" : "does not match"} ${path}`, () => assert.equal(codeownersMatches(pattern, path), expected));
  }

  it("lets the last matching rule win, and an owner-less rule unown", () => {
    const rules = [
      { pattern: "*", owners: ["@all"] },
      { pattern: "/apps/", owners: ["@apps"] },
      { pattern: "/apps/github", owners: [] },
    ];
    assert.deepEqual(ownersOf(rules, "apps/web/x.ts")?.owners, ["@apps"]);
    assert.deepEqual(ownersOf(rules, "apps/github/x.ts")?.owners, []);
    assert.deepEqual(ownersOf(rules, "lib/x.ts")?.owners, ["@all"]);
    assert.equal(ownersOf([{ pattern: "docs/", owners: ["@d"] }], "src/x.ts"), undefined);
  });

  it("runs patterns built to backtrack in linear time", () => {
    const evil = `${"*a".repeat(40)}*b`;
    const path = `${"a".repeat(5000)}`;
    assert.equal(codeownersMatches(evil, path), false);
    assert.equal(globMatches(evil, "", path), false);
  });
});

describe("instruction globs", () => {
  it("match relative to the rule's folder; a glob without / matches names at any depth", () => {
    assert.equal(globMatches("**/*.ts", "packages/api", "packages/api/src/a.ts"), true);
    assert.equal(globMatches("**/*.ts", "packages/api", "packages/ui/src/a.ts"), false);
    assert.equal(globMatches("*.tsx", "", "web/src/page.tsx"), true);
    assert.equal(globMatches("src/**/*.{ts,tsx}", "", "src/a/b.tsx"), true);
    assert.equal(globMatches("./docs/**/*.md", "", "docs/a/b.md"), true);
    assert.equal(globMatches("{unbalanced", "", "x"), false);
  });
});
