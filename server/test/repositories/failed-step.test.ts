/**
 * An index run whose step fails after the next generation was staged: the repository.sync job
 * takes indexing's steps (plan, content, stage), the knowledge graph's step and the
 * publication in one transaction, so a failure in a late step (here the graph's, made to fail
 * by a trigger on graph_sources, as a database error would) leaves the previous generation
 * served whole: no staged file row, no content of the failed run, the same commit and
 * generation, and searches that find the old text only. The next run publishes exactly one
 * generation more.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { commitFiles, createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

describe("an index run whose graph step fails", () => {
  let root: string;
  let repoDir: string;
  let app: TestApp;
  let owner: TestUser;
  let org: { slug: string };
  let repositoryId: string;

  const sql = async <T = any>(text: string, values: unknown[] = []): Promise<T[]> =>
    (await app.running.platform.db.unsafeSystem.query(text, values)).rows as T[];
  const paths = async (q: string): Promise<string[]> => {
    const res = await call(app, "GET", `/api/v1/orgs/${org.slug}/search?q=${encodeURIComponent(q)}`, { as: owner });
    assert.equal(res.status, 200, res.text);
    return (res.json as { results: { path: string }[] }).results.map((r) => r.path);
  };
  const reindex = async (done: (repo: any) => boolean) => {
    const res = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories/${repositoryId}/reindex`, { as: owner });
    assert.equal(res.status, 202, res.text);
    return waitForRepository(app, owner, org.slug, repositoryId, done, 120_000);
  };

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-failed-step-"));
    repoDir = await createTestRepo(root, "app", {
      "package.json": JSON.stringify({ name: "app", version: "1.0.0" }),
      "src/kept.ts": "export const kept = 'emberOldMarker';\n",
    });
    app = await startTestApp({ env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" } });
    owner = await signUp(app);
    org = await createOrgAs(app, owner);
    const added = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories`, { as: owner, body: { url: repoDir, name: "app" } });
    assert.equal(added.status, 201, added.text);
    repositoryId = added.json.id;
    assert.equal((await waitForRepository(app, owner, org.slug, repositoryId)).status, "ready");
  });
  after(async () => {
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("leaves the previous generation served, and the next run publishes one generation more", async () => {
    const [published] = await sql<{ generation: number; indexed_commit: string }>("select generation, indexed_commit from repositories where id = $1", [
      repositoryId,
    ]);
    assert.equal(published!.generation, 1);
    // The graph's step fails on the new file's source row, after indexing staged generation 2.
    await sql(`create function test_fail_graph_source() returns trigger language plpgsql as $$
               begin raise exception 'the graph step fails on purpose'; end $$`);
    await sql(`create trigger test_fail_graph_source before insert on graph_sources for each row
               when (new.path like 'fail-graph/%') execute function test_fail_graph_source()`);
    const head = await commitFiles(
      repoDir,
      {
        "src/kept.ts": "export const kept = 'emberNewMarker';\n",
        "src/added.ts": "export const added = 'cinderAddedMarker';\n",
        "fail-graph/package.json": JSON.stringify({ name: "fail-graph", version: "1.0.0" }),
      },
      "a change whose graph step fails",
    );

    // Every attempt fails the same way; the last one marks the repository failed.
    const failed = await reindex((r) => r.status === "failed" || r.indexedCommit === head);
    assert.equal(failed.status, "failed", JSON.stringify(failed));
    const [kept] = await sql<{ generation: number; indexed_commit: string }>("select generation, indexed_commit from repositories where id = $1", [
      repositoryId,
    ]);
    assert.deepEqual(kept, published, "the repository still publishes the previous generation and commit");
    const staged = await sql("select path from index_files where repository_id = $1 and (valid_from > 1 or valid_to is not null)", [repositoryId]);
    assert.deepEqual(staged, [], "no file row of the failed run is left");
    const written = await sql("select blob_oid from index_chunks where content like '%cinderAddedMarker%'");
    assert.deepEqual(written, [], "the content the failed run wrote was rolled back with it");
    assert.deepEqual(await sql("select path from graph_sources where path like 'fail-graph/%'"), []);
    assert.deepEqual(await paths("emberOldMarker"), ["src/kept.ts"]);
    assert.deepEqual(await paths("emberNewMarker"), []);
    assert.deepEqual(await paths("cinderAddedMarker"), []);

    // Without the failure the next run publishes the change as generation 2.
    await sql("drop trigger test_fail_graph_source on graph_sources");
    const ready = await reindex((r) => r.status === "failed" || (r.indexedCommit === head && r.status === "ready"));
    assert.equal(ready.status, "ready", JSON.stringify(ready));
    const [next] = await sql<{ generation: number }>("select generation from repositories where id = $1", [repositoryId]);
    assert.equal(next!.generation, 2, "the failed attempts used no generation");
    assert.deepEqual(await paths("emberOldMarker"), []);
    assert.deepEqual(await paths("emberNewMarker"), ["src/kept.ts"]);
    assert.deepEqual(await paths("cinderAddedMarker"), ["src/added.ts"]);
    assert.deepEqual(await sql("select path from graph_sources where path like 'fail-graph/%'"), [{ path: "fail-graph/package.json" }]);
  });
});
