/**
 * Periodic remote checks of repositories added by URL, end to end: the worker's loop (ticking
 * every second here) runs `git ls-remote` when a check is due, queues an index run only when
 * the branch moved, schedules the next check one interval (±10 %) away, backs off on a failing
 * remote (the wait doubles per failure), and follows the repository's interval, else the
 * organisation's default. "Due" is set up by moving next_check_at to now in the database, so
 * the test does not wait out the minimum interval of a minute.
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

/** Seconds from now to an ISO time. */
const secondsUntil = (iso: string) => (new Date(iso).getTime() - Date.now()) / 1000;

describe("repository refresh checks", () => {
  let root: string;
  let app: TestApp;
  let owner: TestUser;
  let org: { slug: string };
  let repoDir: string;
  let id: string;
  const base = () => `/api/v1/orgs/${org.slug}/repositories`;
  const view = async () => (await call(app, "GET", `${base()}/${id}`, { as: owner })).json;
  /** Makes the check due now, then waits until the worker has recorded a check after it. */
  const checkNow = async () => {
    const before = (await view()).refresh.lastCheckAt;
    await app.running.platform.db.unsafeSystem.query("update repositories set next_check_at = now() where id = $1", [id]);
    return waitForRepository(app, owner, org.slug, id, (r) => r.refresh.lastCheckAt !== before && r.refresh.nextCheckAt !== null, 20_000);
  };

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-refresh-"));
    repoDir = await createTestRepo(root, "service", { "src/app.ts": "export const version = 1;\n" });
    app = await startTestApp({ env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true", CTXPIPE_REPOSITORY_CHECK_TICK_SECONDS: "1" } });
    owner = await signUp(app);
    org = await createOrgAs(app, owner);
    const added = await call(app, "POST", base(), { as: owner, body: { url: repoDir } });
    assert.equal(added.status, 201, added.text);
    id = added.json.id;
    assert.equal((await waitForRepository(app, owner, org.slug, id)).status, "ready");
  });
  after(async () => {
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("schedules the first check a minute after adding, by the organisation's default", async () => {
    const repo = await view();
    assert.equal(repo.refresh.intervalSeconds, null);
    assert.equal(repo.refresh.lastCheckAt, null);
    assert.ok(secondsUntil(repo.refresh.nextCheckAt) <= 60, repo.refresh.nextCheckAt);
    const settings = await call(app, "GET", `/api/v1/orgs/${org.slug}/repository-settings`, { as: owner });
    assert.deepEqual(settings.json, { refreshIntervalSeconds: 300 });
  });

  it("checks cheaply when nothing changed, and re-indexes when the branch moved", async () => {
    const set = await call(app, "PATCH", `${base()}/${id}`, { as: owner, body: { refreshIntervalSeconds: 60 } });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.json.refresh.intervalSeconds, 60);
    const indexed = (await view()).indexedCommit;

    const unchanged = await checkNow();
    assert.equal(unchanged.refresh.consecutiveFailures, 0);
    assert.equal(unchanged.refresh.lastCheckError, null);
    assert.equal(unchanged.status, "ready", "no run for an unmoved branch");
    assert.equal(unchanged.indexedCommit, indexed);
    const wait = secondsUntil(unchanged.refresh.nextCheckAt);
    assert.ok(wait > 50 && wait <= 66, `next check in ${wait} s (60 s ± 10 %)`);

    const head = await commitFiles(repoDir, { "src/feature.ts": "export const freshlyPushed = true;\n" }, "push");
    await checkNow();
    const reindexed = await waitForRepository(app, owner, org.slug, id, (r) => r.indexedCommit === head && r.status === "ready", 30_000);
    assert.equal(reindexed.lastRun.kind, "incremental");
    const search = await call(app, "GET", `/api/v1/orgs/${org.slug}/search?q=freshlyPushed`, { as: owner });
    assert.equal(search.json.results[0]?.path, "src/feature.ts");
  });

  it("backs off a failing remote, doubling the wait", async () => {
    await fs.rename(repoDir, `${repoDir}-moved`);
    try {
      const first = await checkNow();
      assert.equal(first.refresh.consecutiveFailures, 1);
      assert.ok(first.refresh.lastCheckError, "the reason is shown");
      const wait1 = secondsUntil(first.refresh.nextCheckAt);
      assert.ok(wait1 > 100 && wait1 <= 132, `after one failure: ${wait1} s (120 ± 10 %)`);
      const second = await checkNow();
      assert.equal(second.refresh.consecutiveFailures, 2);
      const wait2 = secondsUntil(second.refresh.nextCheckAt);
      assert.ok(wait2 > 210 && wait2 <= 264, `after two failures: ${wait2} s (240 ± 10 %)`);
      assert.equal(second.status, "ready", "the index stays searchable");
    } finally {
      await fs.rename(`${repoDir}-moved`, repoDir);
    }
    const recovered = await checkNow();
    assert.equal(recovered.refresh.consecutiveFailures, 0);
    assert.equal(recovered.refresh.lastCheckError, null);
  });

  it("follows the organisation's default, and turns checks off with 0", async () => {
    const toDefault = await call(app, "PATCH", `${base()}/${id}`, { as: owner, body: { refreshIntervalSeconds: null } });
    assert.equal(toDefault.json.refresh.intervalSeconds, null);
    const org600 = await call(app, "PATCH", `/api/v1/orgs/${org.slug}/repository-settings`, { as: owner, body: { refreshIntervalSeconds: 600 } });
    assert.equal(org600.status, 200, org600.text);
    const spread = secondsUntil((await view()).refresh.nextCheckAt);
    assert.ok(spread >= -1 && spread <= 600, `the next check within the new default: ${spread} s`);
    const checked = await checkNow();
    const wait = secondsUntil(checked.refresh.nextCheckAt);
    assert.ok(wait > 530 && wait <= 660, `next check by the org default: ${wait} s`);

    const off = await call(app, "PATCH", `${base()}/${id}`, { as: owner, body: { refreshIntervalSeconds: 0 } });
    assert.equal(off.json.refresh.nextCheckAt, null);
    for (const bad of [30, 86_401, -1, 1.5]) {
      const res = await call(app, "PATCH", `${base()}/${id}`, { as: owner, body: { refreshIntervalSeconds: bad } });
      assert.equal(res.status, 400, `${bad}: ${res.text}`);
    }
    assert.equal((await call(app, "PATCH", `/api/v1/orgs/${org.slug}/repository-settings`, { as: owner, body: { refreshIntervalSeconds: 59 } })).status, 400);
  });
});
