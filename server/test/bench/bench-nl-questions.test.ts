/**
 * The question set of `npm run bench:nl` keeps its rules (issue #29): a third of each kind, at
 * least ten per repository, every answer file present at the pinned commit, and no question
 * naming an identifier of its answer files. The mirrors are read from BENCH_NL_MIRRORS or
 * /work/.mirror; a repository without a mirror is reported, and its files are not checked.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkQuestions, DEFAULT_MIRRORS, identifierTokens } from "../../../bench/nl/check.js";
import { NL_QUESTIONS, NL_REPOS } from "../../../bench/nl/questions.js";

describe("bench:nl questions", () => {
  it("finds identifier-shaped tokens and leaves plain words alone", () => {
    assert.deepEqual(identifierTokens("Where is bodyLimit or BodyLimit or body_limit or MAX_SIZE or HTTPServer?").sort(), [
      "BodyLimit",
      "HTTPServer",
      "MAX_SIZE",
      "bodyLimit",
      "body_limit",
    ]);
    assert.deepEqual(identifierTokens("Which setting controls how long an idle HTTP connection stays open? GitHub, _x_"), []);
  });

  it("has at least 60 questions, 10 per repository and a third of each kind", () => {
    assert.ok(NL_QUESTIONS.length >= 60, `${NL_QUESTIONS.length} questions`);
    for (const repo of NL_REPOS) {
      const n = NL_QUESTIONS.filter((q) => q.repo === repo.id).length;
      assert.ok(n >= 10, `${repo.id} has ${n} questions`);
      assert.match(repo.commit, /^[0-9a-f]{40}$/);
    }
    for (const kind of ["where", "how", "setting"] as const) {
      const n = NL_QUESTIONS.filter((q) => q.kind === kind).length;
      assert.ok(Math.abs(n - NL_QUESTIONS.length / 3) <= 2, `${n} ${kind} questions of ${NL_QUESTIONS.length}`);
    }
  });

  it("answers exist at the pinned commits and no question names their identifiers", async () => {
    // The test harness reads its own variables; this one only says where mirrors are.
    const mirrors = process.env.BENCH_NL_MIRRORS || DEFAULT_MIRRORS;
    const result = await checkQuestions(NL_REPOS, NL_QUESTIONS, mirrors);
    assert.deepEqual(result.problems, []);
    if (result.unchecked.length > 0) console.log(`no mirror under ${mirrors} for: ${result.unchecked.join(", ")} (answer files not checked)`);
  });
});
