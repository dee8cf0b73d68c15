/**
 * A member flooding searches cannot starve the pool for everyone else: while their searches are
 * stuck in the database (the chunk table is locked by the test, so each one holds its
 * connection until its budget runs out), the caller gets 429 with Retry-After beyond their
 * share, and another organisation's requests, sign-in and /.status still answer at once.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signIn, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

describe("fair share of searches", () => {
  let root: string;
  let app: TestApp;
  let flooder: { slug: string; key: string };
  let other: { user: TestUser; slug: string };

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-share-"));
    const repoDir = await createTestRepo(root, "shared", { "src/a.ts": "export const alpha = 1;\n" });
    app = await startTestApp({
      env: {
        CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true",
        DATABASE_POOL_SIZE: "4",
        CTXPIPE_SEARCH_SLOTS: "3",
        CTXPIPE_SEARCH_SLOTS_PER_ORG: "2",
        CTXPIPE_SEARCH_SLOTS_PER_CALLER: "2",
        CTXPIPE_SEARCH_QUEUE_MS: "300",
      },
    });
    const owner = await signUp(app);
    const org = await createOrgAs(app, owner);
    const added = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories`, { as: owner, body: { url: repoDir, name: "shared" } });
    assert.equal((await waitForRepository(app, owner, org.slug, added.json.id)).status, "ready");
    const key = (await call(app, "POST", `/api/v1/orgs/${org.slug}/api-keys`, { as: owner, body: { name: "flood" } })).json.key;
    flooder = { slug: org.slug, key };
    const user = await signUp(app);
    other = { user, slug: (await createOrgAs(app, user)).slug };
  });
  after(async () => {
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("refuses the flood beyond the caller's share while others are served", async () => {
    // Every search now waits in the database until its statement timeout.
    const locker = new pg.Client({ connectionString: app.db.url });
    await locker.connect();
    await locker.query("begin");
    await locker.query("lock table index_chunks in access exclusive mode");
    let flood: Promise<{ status: number; headers: Headers; json: any }>[] = [];
    try {
      const first: { status: number; headers: Headers; json: any }[] = [];
      let tenDone!: () => void;
      const ten = new Promise<void>((resolve) => (tenDone = resolve));
      flood = Array.from({ length: 12 }, () =>
        call(app, "GET", `/api/v1/orgs/${flooder.slug}/search?q=alpha&budgetMs=8000`, { as: { apiKey: flooder.key } }).then((res) => {
          if (first.push(res) === 10) tenDone();
          return res;
        }),
      );
      // The caller's share is 2 running and 4 waiting: 6 are refused at once, the 4 waiting
      // after the queue time; the 2 running stay stuck behind the lock.
      await Promise.race([ten, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("ten answers did not come within 5 s")), 5_000))]);
      for (const res of first.slice(0, 10)) {
        assert.equal(res.status, 429);
        assert.equal(res.json.error.code, "rate_limited");
        assert.equal(res.headers.get("retry-after"), "1");
      }
      // Meanwhile another organisation, sign-in and /.status are served from the rest of the pool.
      const [list, status, session] = await Promise.all([
        call(app, "GET", `/api/v1/orgs/${other.slug}/repositories`, { as: other.user }),
        fetch(`${app.url}/.status`),
        signIn(app, other.user.email, other.user.password),
      ]);
      assert.equal(list.status, 200, list.text);
      assert.equal(status.status, 200);
      assert.equal(session.status, 200);
    } finally {
      await locker.query("rollback");
      await locker.end();
    }
    const settled = await Promise.all(flood);
    const statuses = settled.map((r) => r.status).sort();
    assert.deepEqual([...new Set(statuses)], [200, 429], JSON.stringify(statuses));
    assert.ok(statuses.filter((s) => s === 200).length >= 2);
  });
});
