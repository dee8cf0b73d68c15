/**
 * A run interrupted mid-way is picked up again: `ctxpipe serve` runs as a child process
 * against a test database and is killed (SIGKILL, no clean-up) while it indexes file
 * contents. The roles are then started in this process on the same database; the queue notices
 * the dead run through its missed heartbeats (repository.sync: heartbeatSeconds 10, pg-boss'
 * minimum), retries it, and the repository becomes ready with a complete index.
 *
 * Both processes run with the harness's short queue timings (FAST_SUPERVISION_ENV): the
 * supervisor passes every second and the retry waits a second, so the pick-up takes about the
 * run's 10 s heartbeat after the kill (production: up to 10 s more, then a 10-20 s retry delay).
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { eventually } from "../harness/eventually.js";
import { startTestApp, FAST_SUPERVISION_ENV, type TestApp } from "../harness/test-app.js";
import { createTestDatabase, type TestDatabase } from "../harness/test-database.js";

const BIN = fileURLToPath(new URL("../../bin/ctxpipe.js", import.meta.url));
/** The harness's secrets (test-app.ts), so sessions made by the child stay valid in-process. */
const AUTH_SECRET = "test-secret-test-secret-test-secret-0123";
const ENCRYPTION_KEY = "0f".repeat(32);
/** About 3.6 MB: four insert batches of 1 MB, so the kill after the first lands mid-run. */
const FILE_COUNT = 200;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A bulky TypeScript file (~18 KB, 150 functions); each holds a unique marker. */
function bulkFile(i: number): string {
  const lines: string[] = [`/** Bulk file ${i}: marker interruptedRunFile${i}End. */`];
  for (let f = 0; f < 150; f++) {
    lines.push(
      `export function bulk${i}_${f}(value: number): number {`,
      `  const scaled = value * ${f + 1} + ${i};`,
      `  return scaled > 1000 ? scaled - 1000 : scaled;`,
      "}",
      "",
    );
  }
  return lines.join("\n");
}

describe("interrupted index run", () => {
  let root: string;
  let dataDir: string;
  let db: TestDatabase;
  let child: ChildProcess | undefined;
  let app: TestApp | undefined;

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-interrupted-"));
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-interrupted-data-"));
    db = await createTestDatabase();
  });
  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await app?.stop();
    await db?.drop();
    for (const dir of [root, dataDir]) if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it("is picked up again after the process running it dies", async (t) => {
    const files: Record<string, string> = {};
    for (let i = 0; i < FILE_COUNT; i++) files[`src/file-${String(i).padStart(4, "0")}.ts`] = bulkFile(i);
    const repoDir = await createTestRepo(root, "big", files);

    const port = await freePort();
    child = spawn(process.execPath, [BIN, "serve"], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        DATABASE_URL: db.url,
        AUTH_BASE_URL: "http://localhost:3000",
        AUTH_SECRET,
        CONNECTION_SECRETS_ENCRYPTION_KEY: ENCRYPTION_KEY,
        CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true",
        CTXPIPE_LOCAL_REPOSITORIES_ROOT: os.tmpdir(),
        CTXPIPE_DATA_DIR: dataDir,
        PORT: String(port),
        HOST: "127.0.0.1",
        LOG_LEVEL: "info",
        // The job it sends carries the short retry delay.
        ...FAST_SUPERVISION_ENV,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child!.on("exit", (_code, signal) => resolve(signal)));
    // The harness's helpers only need the URL of the app.
    const remote = { url: `http://127.0.0.1:${port}` } as TestApp;

    await eventually(
      async () => {
        assert.ok(child!.exitCode === null, `ctxpipe serve exited early:\n${output}`);
        const up = await fetch(`${remote.url}/.status`).then(
          (r) => r.ok,
          () => false,
        );
        assert.ok(up, `not answering yet:\n${output}`);
      },
      { timeoutMs: 60_000, intervalMs: 200, message: "ctxpipe serve did not start" },
    );

    const owner = await signUp(remote);
    const org = await createOrgAs(remote, owner);
    const added = await call(remote, "POST", `/api/v1/orgs/${org.slug}/repositories`, { as: owner, body: { url: repoDir, name: "big" } });
    assert.equal(added.status, 201, added.text);
    const id = added.json.id as string;

    // Kill the process while it indexes contents: after the first batch of chunks was written
    // (inside the run's transaction), or a moment into the step if it is still on its first batch.
    let contentSince: number | undefined;
    const running = await waitForRepository(
      remote,
      owner,
      org.slug,
      id,
      (r) => {
        if (r.status !== "running" && r.status !== "queued") return true;
        if (r.step?.key !== "content") return false;
        contentSince ??= Date.now();
        return (r.step.done ?? 0) > 0 || Date.now() - contentSince > 1_500;
      },
      60_000,
    );
    assert.equal(running.status, "running", `the run finished before it could be interrupted: ${JSON.stringify(running)}\n${output}`);
    assert.equal(running.step.key, "content");
    child.kill("SIGKILL");
    assert.equal(await exited, "SIGKILL");
    const killedAt = Date.now();
    t.diagnostic(`killed during step ${JSON.stringify(running.step)}`);

    // Nothing of the interrupted run was published or left behind.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ generation: number; status: string; files: number; chunks: number }>(
        `select generation, status, (select count(*)::int from index_files where repository_id = $1) as files,
                (select count(*)::int from index_chunks) as chunks
         from repositories where id = $1`,
        [id],
      );
      assert.deepEqual(rows[0], { generation: 0, status: "running", files: 0, chunks: 0 });
    } finally {
      await client.end();
    }

    app = await startTestApp({ db, env: { ...FAST_SUPERVISION_ENV, CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" } });
    // Wait, noting when the queue declares the run dead and when it starts the retry.
    const since = () => `${((Date.now() - killedAt) / 1000).toFixed(1)} s`;
    const timeline: string[] = [`roles started in-process at ${since()}`];
    let lastJobState = "active";
    const ready = await waitForRepository(
      app,
      owner,
      org.slug,
      id,
      (r) => {
        void app!.running.platform.db.unsafeSystem
          .query<{ state: string; retry_count: number }>(
            "select state, retry_count from pgboss.job where name = 'repository.sync' and data->>'repositoryId' = $1 order by created_on desc limit 1",
            [id],
          )
          .then(
            ({ rows }) => {
              const state = rows[0] ? `${rows[0].state} (attempt ${rows[0].retry_count + 1})` : "none";
              if (state !== lastJobState) timeline.push(`job ${state} at ${since()}`);
              lastJobState = state;
            },
            () => {},
          );
        return ["ready", "failed", "complete_with_issues"].includes(r.status);
      },
      // Well within the file's 180 s, so the failure names the repository's state.
      120_000,
    );
    timeline.push(`repository ${ready.status} at ${since()}`);
    t.diagnostic(timeline.join("; "));
    assert.equal(ready.status, "ready", JSON.stringify(ready));
    assert.equal(ready.fileCount, FILE_COUNT, "the index is complete");
    const last = FILE_COUNT - 1;
    const search = await call(app, "GET", `/api/v1/orgs/${org.slug}/search?q=interruptedRunFile${last}End`, { as: owner });
    assert.equal(search.status, 200, search.text);
    assert.deepEqual(
      search.json.results.map((r: { path: string }) => r.path),
      [`src/file-${String(last).padStart(4, "0")}.ts`],
    );
    const { rows } = await app.running.platform.db.unsafeSystem.query("select generation from repositories where id = $1", [id]);
    assert.equal(rows[0].generation, 1, "the retried run published the first generation");
  });
});
