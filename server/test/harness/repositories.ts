/**
 * Test helpers for repositories: wait for an index run to settle.
 */
import { eventually } from "./eventually.js";
import { call, type As } from "./http-client.js";
import type { TestApp } from "./test-app.js";

/** Polls the repository until `done` says so (default: ready/failed/complete_with_issues). */
export async function waitForRepository(
  app: TestApp,
  as: As,
  orgSlug: string,
  repositoryId: string,
  done: (repo: any) => boolean = (r) => ["ready", "failed", "complete_with_issues"].includes(r.status),
  timeoutMs = 60_000,
): Promise<any> {
  return eventually(
    async () => {
      const res = await call(app, "GET", `/api/v1/orgs/${orgSlug}/repositories/${repositoryId}`, { as });
      if (res.status === 404 || done(res.json)) return res.json;
      throw new Error(`not settled: ${JSON.stringify(res.json)}`);
    },
    { timeoutMs, intervalMs: 150, message: "repository did not settle" },
  );
}
