/**
 * Ranking a question's files, pure: hints (repository, language, settings), demotions,
 * reciprocal rank fusion and the best lines of a file.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bestLines, fuseRankings, languagesNamed, pathScore, repositoriesNamed, scoreQuestionFile, type WeightedTerm } from "./question-rank.js";

const terms: WeightedTerm[] = [
  { term: "rate", weight: 2 },
  { term: "limit", weight: 3 },
];
const noHints = { languages: [], asksForConfig: false };

describe("question hints", () => {
  it("finds repositories named by their name or last segment, in words or whole", () => {
    const repos = ["acme/billing-api", "flask", "web"];
    assert.deepEqual(repositoriesNamed("In flask, where are sessions signed?", repos).names, ["flask"]);
    assert.deepEqual(repositoriesNamed("where does billing-api retry charges", repos).names, ["acme/billing-api"]);
    assert.deepEqual(repositoriesNamed("where does the billing api retry charges", repos).names, ["acme/billing-api"]);
    assert.deepEqual(repositoriesNamed("where is the web server started", repos).names, ["web"]);
    assert.deepEqual(repositoriesNamed("where are charges retried", repos).names, []);
  });
  it("finds languages a question names; go only as a language", () => {
    assert.deepEqual(languagesNamed("in the Python code, where is the retry?"), ["python"]);
    assert.deepEqual(languagesNamed("which Go package parses flags"), ["go"]);
    assert.deepEqual(languagesNamed("where do requests go when they fail"), []);
    assert.deepEqual(languagesNamed("the TypeScript client"), ["typescript", "tsx"]);
  });
});

describe("scoreQuestionFile", () => {
  const file = { path: "src/middleware/limits.ts", language: "typescript", content: 5, contentTerms: new Set(["rate", "limit"]) };
  it("scores content and path words, the file name above directories", () => {
    assert.ok(pathScore("src/rate-limit.ts", terms).score > pathScore("src/rate/limit/index.ts", terms).score);
    assert.equal(pathScore("src/other.ts", terms).score, 0);
    assert.ok(scoreQuestionFile({ ...file, path: "src/rate-limit.ts" }, terms, noHints) > scoreQuestionFile({ ...file, path: "src/other.ts" }, terms, noHints));
  });
  it("demotes tests, changelogs, docs and generated files", () => {
    const base = scoreQuestionFile({ ...file, path: "src/a.ts" }, terms, noHints);
    for (const path of ["src/a.test.ts", "CHANGELOG.md", "docs/a.md", "dist/a.ts", "examples/a.ts"]) {
      assert.ok(scoreQuestionFile({ ...file, path }, terms, noHints) < base, path);
    }
  });
  it("boosts the named language and, for settings questions, settings files", () => {
    const base = scoreQuestionFile({ ...file, path: "src/a.py", language: "python" }, terms, noHints);
    assert.ok(scoreQuestionFile({ ...file, path: "src/a.py", language: "python" }, terms, { languages: ["python"], asksForConfig: false }) > base);
    const plain = scoreQuestionFile({ ...file, path: "src/server.ts" }, terms, { languages: [], asksForConfig: true });
    assert.ok(scoreQuestionFile({ ...file, path: "src/config.schema.ts" }, terms, { languages: [], asksForConfig: true }) > plain);
  });
  it("ranks a file that covers more of the question higher at equal BM25", () => {
    assert.ok(scoreQuestionFile(file, terms, noHints) > scoreQuestionFile({ ...file, contentTerms: new Set(["limit"]) }, terms, noHints));
  });
});

describe("fuseRankings", () => {
  it("sums 1 / (60 + rank) over the lists, so agreement wins", () => {
    // c: 1/63 + 1/61 beats b: 2/62; both beat a (1/61 alone).
    assert.deepEqual(
      fuseRankings([
        ["a", "b", "c"],
        ["c", "b", "d"],
      ]),
      ["c", "b", "a", "d"],
    );
    assert.deepEqual(fuseRankings([["a", "b"], []]), ["a", "b"]);
  });
});

describe("bestLines", () => {
  it("picks the lines where the question's terms concentrate (comments and definitions weigh more), in line order", () => {
    const content = [
      "import x from 'y';",
      "// Counts requests per client: the rate limit.",
      "export function limiter() {",
      "  return rateLimit;",
      "}",
      "const unrelated = 1;",
    ].join("\n");
    const lines = bestLines([{ startLine: 10, content }], terms, new Set([12]), 2);
    assert.deepEqual(
      lines.map((l) => l.line),
      [11, 13],
    );
    assert.deepEqual(lines[1]!.ranges, [[9, 18]]);
  });
});
