/** `npm run bench:freshness -- --smoke` runs its whole path on a small input (issue #33). */
import assert from "node:assert/strict";
import { it } from "node:test";
import { runBenchSmoke } from "../harness/bench-smoke.js";

it("bench:freshness --smoke completes", async () => {
  const summary = await runBenchSmoke("freshness");
  assert.ok(summary.trim().length > 0, "the benchmark printed no summary");
});
