/** `npm run bench:ops -- --smoke` runs its whole path on a small input (issue #33). */
import assert from "node:assert/strict";
import { it } from "node:test";
import { runBenchSmoke } from "../harness/bench-smoke.js";

it("bench:ops --smoke completes", async () => {
  const summary = await runBenchSmoke("ops");
  assert.ok(summary.trim().length > 0, "the benchmark printed no summary");
});
