/** `npm run bench:nl -- --smoke` runs its whole path on a small input (issue #29). */
import assert from "node:assert/strict";
import { it } from "node:test";
import { runBenchSmoke } from "../harness/bench-smoke.js";

it("bench:nl --smoke completes", async () => {
  const summary = await runBenchSmoke("nl");
  assert.match(summary, /\| search_code \(MCP, question as query\) \| \d+ %/, "the table has no search_code row");
  assert.match(summary, /\| ctx_advisor \(MCP, no model\) \| \d+ %/, "the table has no ctx_advisor row");
  assert.match(summary, /\| rg baseline \(content words\) \| \d+ %/, "the table has no baseline row");
});
