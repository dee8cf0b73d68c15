/**
 * The job path end to end on pg-boss: a job enqueued by one handle runs in a worker;
 * transient failures are retried, terminal (4xx AppError) failures are not; a job sent by the
 * process that works its queue starts at once instead of at the next poll.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { defineJob, startJobQueue, type JobQueue } from "../../src/jobs/job-queue.js";
import { AppError } from "../../src/platform/errors.js";
import { createLogger } from "../../src/platform/logging.js";
import { heartbeatJob } from "../../src/status/heartbeat.job.js";
import { eventually } from "../harness/eventually.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

describe("job queue", () => {
  let app: TestApp;
  let sender: JobQueue;
  before(async () => {
    app = await startTestApp({ roles: ["worker"] });
    // A second, send-only handle: as the server role enqueues work for a worker process.
    sender = await startJobQueue({ url: app.db.url, logger: createLogger("silent"), maintain: false });
  });
  after(async () => {
    await sender.stop(1000);
    await app.stop();
  });

  it("runs a heartbeat job enqueued from another handle", async () => {
    const pool = app.running.platform.db.app;
    await sender.send(heartbeatJob(pool), { workerId: "worker-from-test", role: "worker", startedAt: new Date().toISOString() });
    await eventually(async () => {
      const { rows } = await pool.query("select role from worker_heartbeats where worker_id = 'worker-from-test'");
      assert.deepEqual(rows, [{ role: "worker" }]);
    });
  });

  it("retries a transient failure and stops at a terminal one", async () => {
    const attempts = { flaky: 0, terminal: 0 };
    const flaky = defineJob<{ n: number }>({
      name: "test.flaky",
      queue: { retryLimit: 2, retryDelay: 0 },
      async handler() {
        attempts.flaky++;
        if (attempts.flaky < 2) throw new Error("transient");
      },
    });
    const terminal = defineJob<{ n: number }>({
      name: "test.terminal",
      queue: { retryLimit: 3, retryDelay: 0 },
      async handler() {
        attempts.terminal++;
        throw new AppError("bad_repository", 400, "cannot be fixed by retrying");
      },
    });
    const worker = await startJobQueue({ url: app.db.url, logger: createLogger("silent"), maintain: false });
    try {
      await worker.work(flaky, { pollingIntervalSeconds: 0.5 });
      await worker.work(terminal, { pollingIntervalSeconds: 0.5 });
      await sender.send(flaky, { n: 1 });
      await sender.send(terminal, { n: 1 });
      const jobs = async (name: string) =>
        (
          await app.running.platform.db.unsafeSystem.query<{ state: string; retry_count: number }>(
            "select state, retry_count from pgboss.job where name = $1",
            [name],
          )
        ).rows;
      await eventually(async () => assert.deepEqual(await jobs("test.flaky"), [{ state: "completed", retry_count: 1 }]));
      await eventually(async () => assert.deepEqual(await jobs("test.terminal"), [{ state: "failed", retry_count: 0 }]));
      // Proving that nothing happens takes a wait: three polls (0.5 s) of the worker that would retry it.
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(attempts.terminal, 1, "a terminal failure is not retried");
      assert.equal(attempts.flaky, 2);
    } finally {
      await worker.stop(1000);
    }
  });

  it("wakes the worker of the sending process at once; others find the job at their next poll", async () => {
    const ran: string[] = [];
    // The worker polls once when it starts, then every 60 s. Both jobs are sent after that
    // first poll, so only the wake-up can start one before the minute is up.
    const job = defineJob<{ from: string }>({ name: "test.wake", handler: async (data) => void ran.push(data.from) });
    const worker = await startJobQueue({ url: app.db.url, logger: createLogger("silent"), maintain: false });
    try {
      await worker.work(job, { pollingIntervalSeconds: 60 });
      // Not observable from outside pg-boss: give the worker's first (empty) poll time to end.
      await new Promise((r) => setTimeout(r, 1000));
      await sender.send(job, { from: "another process" });
      await worker.send(job, { from: "the same process" });
      await eventually(() => assert.equal(ran.length, 1), { timeoutMs: 20_000 });
      // Proving that the other job is not run before the next poll takes a wait (the poll is 60 s away).
      await new Promise((r) => setTimeout(r, 1000));
      // One fetch (batch size 1) took one of the two jobs; the other waits for the next poll.
      assert.equal(ran.length, 1);
    } finally {
      await worker.stop(1000);
    }
  });
});
