/**
 * `npm run bench:search -- --smoke` runs its whole path on a small input (issue #33), with
 * both baselines: ripgrep, and csearch when the Debian package codesearch is installed (issue
 * #30; without it the run says so in its csearch row).
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { codesearchInstalled } from "../../../bench/search/csearch.js";
import { runBenchSmoke } from "../harness/bench-smoke.js";

it("bench:search --smoke completes, with its csearch baseline when codesearch is installed", async () => {
  const summary = await runBenchSmoke("search");
  assert.ok(summary.trim().length > 0, "the benchmark printed no summary");
  if (codesearchInstalled().installed) {
    assert.match(summary, /^\| csearch \| cindex [\d.,]+ s, index [\d.,]+ MB; /m, "no csearch index in the baselines");
    // At least one query measured by csearch: the summary row has a median ratio.
    assert.match(summary, /^\| \*\*ratio to csearch\*\* \|.*median \*\*[\d.,]+×\*\*/m, "no query measured by csearch");
  } else {
    assert.match(summary, /^\| csearch \| not run: /m);
  }
});
