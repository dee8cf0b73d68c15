/**
 * Test helpers for repositories: wait for an index run to settle.
 */
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
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    const res = await call(app, "GET", `/api/v1/orgs/${orgSlug}/repositories/${repositoryId}`, { as });
    last = res.json;
    if (res.status === 404 || done(last)) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`repository did not settle: ${JSON.stringify(last)}`);
}
