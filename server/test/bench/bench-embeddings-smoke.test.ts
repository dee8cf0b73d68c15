/** `npm run bench:embeddings -- --smoke` runs its whole path on a small input (issue #29). */
import assert from "node:assert/strict";
import { it } from "node:test";
import { runBenchSmoke } from "../harness/bench-smoke.js";

it("bench:embeddings --smoke completes", async () => {
  const summary = await runBenchSmoke("embeddings");
  assert.match(summary, /recall@10 of sketch vs exact int8: \d/);
});
