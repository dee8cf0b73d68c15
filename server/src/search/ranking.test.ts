/**
 * Ranking signals order files as documented.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rank, scoreFile, scoreReferenceFile, type RankSignals } from "./ranking.js";

const base: RankSignals = {
  repoName: "r",
  path: "src/a.ts",
  definesQuerySymbol: false,
  definesQuerySymbolIgnoringCase: false,
  symbolFilterMatch: false,
  symbolExactMatch: false,
  fileNameMatch: false,
  pathMatch: false,
  matchingLines: 1,
  wordMatches: 0,
  exactCaseMatches: 0,
  caseMeaningful: false,
};

describe("ranking", () => {
  it("puts definitions above path matches above plain matches", () => {
    const def = scoreFile({ ...base, definesQuerySymbol: true });
    const name = scoreFile({ ...base, fileNameMatch: true, matchingLines: 30 });
    const many = scoreFile({ ...base, matchingLines: 50, wordMatches: 1, exactCaseMatches: 1 });
    assert.ok(def > name && name > many);
  });

  it("prefers an exact sym: name to a longer one", () => {
    assert.ok(scoreFile({ ...base, symbolFilterMatch: true, symbolExactMatch: true, path: "a/b/c/d.go" }) > scoreFile({ ...base, symbolFilterMatch: true }));
  });

  it("prefers whole words, then more lines, and demotes tests", () => {
    assert.ok(scoreFile({ ...base, wordMatches: 1 }) > scoreFile({ ...base, matchingLines: 10 }));
    assert.ok(scoreFile({ ...base, matchingLines: 5 }) > scoreFile({ ...base, matchingLines: 2 }));
    assert.ok(scoreFile(base) > scoreFile({ ...base, path: "src/a.test.ts" }));
    assert.ok(scoreFile(base) > scoreFile({ ...base, path: "test/a.ts" }));
  });

  it("lets exact-case text beat a definition that matches only ignoring case when the query has case", () => {
    const field = scoreFile({ ...base, definesQuerySymbolIgnoringCase: true, matchingLines: 50, wordMatches: 50, caseMeaningful: true });
    const comment = scoreFile({ ...base, wordMatches: 1, exactCaseMatches: 1, caseMeaningful: true });
    assert.ok(comment > field);
  });

  it("breaks ties by repository and path", () => {
    const items = [
      { score: 1, repoName: "b", path: "x" },
      { score: 1, repoName: "a", path: "y" },
      { score: 2, repoName: "z", path: "z" },
      { score: 1, repoName: "a", path: "b" },
    ];
    assert.deepEqual(
      rank(items).map((i) => `${i.repoName}/${i.path}`),
      ["z/z", "a/b", "a/y", "b/x"],
    );
  });

  it("ranks reference files: beside a definition, then its language, tests below code", () => {
    const ref = { path: "src/a.ts", holdsDefinition: false, besideDefinition: false, definitionLanguage: false, references: 1 };
    const own = scoreReferenceFile({ ...ref, holdsDefinition: true, definitionLanguage: true });
    const beside = scoreReferenceFile({ ...ref, besideDefinition: true, definitionLanguage: true });
    const code = scoreReferenceFile({ ...ref, definitionLanguage: true });
    const prose = scoreReferenceFile({ ...ref, path: "README.md" });
    const test = scoreReferenceFile({ ...ref, path: "src/a.test.ts", besideDefinition: true, definitionLanguage: true, references: 40 });
    assert.ok(own > beside && beside > code && code > prose && prose > test);
  });
});
