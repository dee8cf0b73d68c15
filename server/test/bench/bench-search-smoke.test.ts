/** `npm run bench:search -- --smoke` runs its whole path on a small input (issue #33). */
import assert from "node:assert/strict";
import { it } from "node:test";
import { runBenchSmoke } from "../harness/bench-smoke.js";

it("bench:search --smoke completes", async () => {
  const summary = await runBenchSmoke("search");
  assert.ok(summary.trim().length > 0, "the benchmark printed no summary");
});
