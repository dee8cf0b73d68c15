/**
 * Test helpers for repositories: add local repositories and wait for their index runs to settle.
 */
import assert from "node:assert/strict";
import { eventually } from "./eventually.js";
import { createTestRepo } from "./git-http-server.js";
import { call, type As } from "./http-client.js";
import type { TestApp } from "./test-app.js";

/**
 * Creates a git repository per entry under `root` (its files), adds each to the organisation by
 * path (the app needs CTXPIPE_ALLOW_LOCAL_REPOSITORIES) and waits until each is ready.
 * @returns the repositories' ids by name.
 */
export async function addReadyRepositories(
  app: TestApp,
  as: As,
  orgSlug: string,
  root: string,
  repositories: Record<string, Record<string, string>>,
): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [name, files] of Object.entries(repositories)) {
    const added = await call(app, "POST", `/api/v1/orgs/${orgSlug}/repositories`, { as, body: { url: await createTestRepo(root, name, files), name } });
    assert.equal(added.status, 201, added.text);
    ids[name] = added.json.id;
    assert.equal((await waitForRepository(app, as, orgSlug, added.json.id)).status, "ready");
  }
  return ids;
}

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

/**
 * Requests a re-index of the repository and waits until `head` is published.
 * @returns the repository's view then.
 * @throws AssertionError when the request is refused or the run fails.
 */
export async function reindexTo(app: TestApp, as: As, orgSlug: string, repositoryId: string, head: string, timeoutMs = 60_000): Promise<any> {
  const res = await call(app, "POST", `/api/v1/orgs/${orgSlug}/repositories/${repositoryId}/reindex`, { as });
  assert.equal(res.status, 202, res.text);
  const repo = await waitForRepository(
    app,
    as,
    orgSlug,
    repositoryId,
    (r) => r.status === "failed" || (r.indexedCommit === head && r.status === "ready"),
    timeoutMs,
  );
  assert.equal(repo.status, "ready", JSON.stringify(repo));
  return repo;
}
