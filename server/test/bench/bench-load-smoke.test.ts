/** `npm run bench:load -- --smoke` runs its whole path on a small input (issue #33). */
import assert from "node:assert/strict";
import { it } from "node:test";
import { runBenchSmoke } from "../harness/bench-smoke.js";

it("bench:load --smoke completes", async () => {
  const summary = await runBenchSmoke("load");
  assert.ok(summary.trim().length > 0, "the benchmark printed no summary");
});
