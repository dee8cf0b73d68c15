/**
 * Scale-out: two `ctxpipe codesearch` processes (the real CLI, each with its own data
 * directory) and a server with a worker, on one database. Six repositories are added and each
 * asked to re-index twice more while the runs go on: every index job is claimed and completed
 * once, never two runs of one repository at the same time (sampled throughout), every
 * repository ends indexed, and each process reports its own heartbeat.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { eventually } from "../harness/eventually.js";
import { startTestApp, FAST_SUPERVISION_ENV, type TestApp } from "../harness/test-app.js";

const BIN = fileURLToPath(new URL("../../bin/ctxpipe.js", import.meta.url));
const REPOSITORIES = 6;

describe("scale-out: two codesearch processes on one database", () => {
  let root: string;
  let app: TestApp;
  let owner: TestUser;
  let slug: string;
  let pool: pg.Pool;
  const children: ChildProcess[] = [];

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-scale-"));
    app = await startTestApp({ roles: ["server", "worker"], env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" } });
    pool = new pg.Pool({ connectionString: app.db.url, max: 2 });
    for (const n of [1, 2]) {
      const dataDir = path.join(root, `codesearch-${n}`);
      await fs.mkdir(dataDir);
      const child = spawn(process.execPath, [BIN, "codesearch"], {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "/tmp",
          DATABASE_URL: app.db.url,
          AUTH_BASE_URL: "http://localhost:3000",
          AUTH_SECRET: "test-secret-test-secret-test-secret-0123",
          CONNECTION_SECRETS_ENCRYPTION_KEY: "0f".repeat(32),
          CTXPIPE_DATA_DIR: dataDir,
          CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true",
          CTXPIPE_LOCAL_REPOSITORIES_ROOT: os.tmpdir(),
          DATABASE_POOL_SIZE: "3",
          LOG_LEVEL: "warn",
          ...FAST_SUPERVISION_ENV,
        },
        stdio: ["ignore", "ignore", "inherit"],
      });
      children.push(child);
    }
    owner = await signUp(app);
    slug = (await createOrgAs(app, owner)).slug;
  });
  after(async () => {
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children.map((c) => new Promise((resolve) => (c.exitCode !== null ? resolve(null) : c.once("exit", resolve)))));
    await pool?.end();
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("claims each job once and runs one index run per repository at a time", async () => {
    // Both processes report in, each under its own id.
    await eventually(
      async () => {
        const beats = (await pool.query<{ worker_id: string }>("select worker_id from worker_heartbeats where role = 'codesearch'")).rows;
        assert.equal(new Set(beats.map((b) => b.worker_id)).size, 2, JSON.stringify(beats));
      },
      // Two full `ctxpipe codesearch` starts: on a loaded 2-core machine that can take a while.
      { timeoutMs: 90_000, message: "both codesearch processes report in" },
    );

    let sampling = true;
    let mostAtOnce = 0;
    const sampler = (async () => {
      while (sampling) {
        const { rows } = await pool.query<{ n: number }>(
          "select count(*)::int as n from pgboss.job where name = 'repository.sync' and state = 'active' group by singleton_key order by n desc limit 1",
        );
        mostAtOnce = Math.max(mostAtOnce, rows[0]?.n ?? 0);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const ids: string[] = [];
    for (let i = 0; i < REPOSITORIES; i++) {
      const files: Record<string, string> = {};
      for (let f = 0; f < 40; f++) files[`src/module-${f}.ts`] = `export function repo${i}Function${f}(x: number) {\n  return x * ${f};\n}\n`;
      const dir = await createTestRepo(root, `repo-${i}`, files);
      const added = await call(app, "POST", `/api/v1/orgs/${slug}/repositories`, { as: owner, body: { url: dir, name: `repo-${i}` } });
      assert.equal(added.status, 201, added.text);
      ids.push(added.json.id);
    }
    // More runs asked for while the first ones go on: the queue keeps one active and one queued per repository.
    for (const id of ids) {
      for (let k = 0; k < 2; k++) assert.equal((await call(app, "POST", `/api/v1/orgs/${slug}/repositories/${id}/reindex`, { as: owner })).status, 202);
    }
    for (const id of ids) {
      await waitForRepository(app, owner, slug, id);
      // A run queued behind the first may still be waiting: wait for the queue to drain.
      await eventually(
        async () => {
          const waiting = await pool.query<{ state: string }>(
            "select state from pgboss.job where name = 'repository.sync' and singleton_key = $1 and state in ('created', 'retry', 'active')",
            [id],
          );
          assert.deepEqual(waiting.rows, []);
        },
        { timeoutMs: 60_000, message: `the runs of ${id} end` },
      );
      const repo = await waitForRepository(app, owner, slug, id);
      assert.equal(repo.status, "ready");
    }
    sampling = false;
    await sampler;
    assert.equal(mostAtOnce, 1, "two index runs of one repository were active at the same time");

    const { rows: jobs } = await pool.query<{ state: string; retry_count: number; singleton_key: string }>(
      "select state, retry_count, singleton_key from pgboss.job where name = 'repository.sync'",
    );
    assert.ok(jobs.length >= REPOSITORIES, `${jobs.length} sync jobs`);
    assert.deepEqual([...new Set(jobs.map((j) => `${j.state}/${j.retry_count}`))], ["completed/0"]);
    // Every repository is searchable through the server.
    const found = await call(app, "GET", `/api/v1/orgs/${slug}/search?q=repo5Function39`, { as: owner });
    assert.equal(found.json.results.length, 1, found.text);
  });
});
