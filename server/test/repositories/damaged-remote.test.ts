/**
 * A remote whose content is damaged (a blob deleted from its object store, so `git
 * upload-pack` dies): the repository ends failed with git's own error (credentials and
 * userinfo removed), and no automatic retry is scheduled, since none could fix it until the
 * remote's branch moves (issue #27).
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { eventually } from "../harness/eventually.js";
import { createTestRepo, gitIn, startGitHttpServer, type GitHttpServer } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

const AUTH = { username: "git-user", password: "damaged-s3cret-token" };

describe("a repository whose remote is missing an object", () => {
  let root: string;
  let git: GitHttpServer;
  let app: TestApp;
  let owner: TestUser;
  let org: { slug: string };

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-damaged-"));
    const repoDir = await createTestRepo(root, "damaged", { "src/kept.ts": "export const kept = 1;\n", "src/lost.ts": "export const lost = 2;\n" });
    const blob = (await gitIn(repoDir, ["rev-parse", "HEAD:src/lost.ts"])).trim();
    await fs.rm(path.join(repoDir, ".git", "objects", blob.slice(0, 2), blob.slice(2)));
    git = await startGitHttpServer({ root, ...AUTH });
    app = await startTestApp({ env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true", CTXPIPE_GIT_ALLOWED_HOSTS: "127.0.0.1", CTXPIPE_GIT_TIMEOUT_SECONDS: "20" } });
    owner = await signUp(app);
    org = await createOrgAs(app, owner);
  });
  after(async () => {
    await app?.stop();
    await git?.stop();
    await fs.rm(root, { recursive: true, force: true });
  });

  it("ends failed with git's error and schedules no retry", async () => {
    const url = git.url("damaged").replace("http://", `http://${AUTH.username}:${AUTH.password}@`);
    const added = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories`, { as: owner, body: { url: git.url("damaged"), credentials: AUTH } });
    assert.equal(added.status, 201, added.text);
    const id = added.json.id as string;
    const failed = await waitForRepository(app, owner, org.slug, id, (r) => r.status === "failed");
    assert.match(failed.error, /missing or corrupt objects/);
    // git's own words: the partial clone's fetch of the lost blob is refused by the remote.
    assert.match(failed.error, /: fatal: .*(not our ref|pack-objects died|did not send all necessary objects|missing)/);
    assert.doesNotMatch(failed.error, /internal error/);
    assert.ok(!failed.error.includes(AUTH.password) && !failed.error.includes(url), failed.error);
    assert.ok(failed.error.length <= 600, `bounded: ${failed.error.length}`);

    // One run, failed terminally: nothing left for the queue to retry.
    const runs = async () =>
      (
        await app.running.platform.db.unsafeSystem.query<{ state: string; retry_count: number }>(
          "select state, retry_count from pgboss.job where name = 'repository.sync' and data->>'repositoryId' = $1",
          [id],
        )
      ).rows;
    // The queue records the run's end just after the repository's status.
    await eventually(async () => assert.deepEqual(await runs(), [{ state: "failed", retry_count: 0 }]), { message: "the run ends failed" });
    const again = await call(app, "GET", `/api/v1/orgs/${org.slug}/repositories/${id}`, { as: owner });
    assert.equal(again.json.status, "failed");
  });
});
