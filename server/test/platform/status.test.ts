/**
 * /.status against real roles: ok with workers running, degraded with only the server.
 * (Turning `down` when the database stops is covered by test/cli/embedded-serve.test.ts,
 * which owns its own cluster.)
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StatusReport } from "../../src/status/status.service.js";
import { eventually } from "../harness/eventually.js";
import { startTestApp } from "../harness/test-app.js";

describe("GET /.status", () => {
  it("is ok with every role running, and leaks no connection details", async () => {
    const app = await startTestApp();
    try {
      const res = await fetch(`${app.url}/.status`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("cache-control"), "no-store");
      const text = await res.text();
      const report = JSON.parse(text) as StatusReport;
      assert.equal(report.status, "ok", text);
      assert.match(report.version, /^\d+\.\d+\.\d+/);
      assert.deepEqual(Object.keys(report.checks).sort(), ["codesearch", "database", "worker"]);
      for (const check of Object.values(report.checks)) assert.equal(typeof check.latencyMs, "number");
      assert.ok(!text.includes("127.0.0.1") && !text.includes(app.db.name) && !text.includes("postgres://"), text);
    } finally {
      await app.stop();
    }
  });

  it("is degraded when no worker has reported", async () => {
    const app = await startTestApp({ roles: ["server"] });
    try {
      const res = await fetch(`${app.url}/.status`);
      assert.equal(res.status, 200);
      const report = (await res.json()) as StatusReport;
      assert.equal(report.status, "degraded");
      assert.equal(report.checks.database?.status, "ok");
      assert.equal(report.checks.worker?.status, "degraded");
      assert.equal(report.checks.worker?.message, "no worker has reported yet");
    } finally {
      await app.stop();
    }
  });

  it("is degraded when the last heartbeat is older than the stale limit", async () => {
    const app = await startTestApp({ roles: ["server"], env: { CTXPIPE_WORKER_STALE_SECONDS: "5" } });
    try {
      await app.running.platform.db.app.query(
        `insert into worker_heartbeats (worker_id, role, started_at, last_seen_at)
         values ('worker-old', 'worker', now() - interval '1 hour', now() - interval '60 seconds'),
                ('codesearch-new', 'codesearch', now(), now())`,
      );
      // The checks run in the background once a second: wait for a report made after the insert.
      const report = await eventually(async () => {
        const seen = (await (await fetch(`${app.url}/.status`)).json()) as StatusReport;
        assert.match(seen.checks.worker?.message ?? "", /reported for/);
        return seen;
      });
      assert.equal(report.checks.worker?.status, "degraded");
      assert.match(report.checks.worker?.message ?? "", /^no worker has reported for 6\d s$/);
      assert.equal(report.checks.codesearch?.status, "ok");
      assert.equal(report.status, "degraded");
    } finally {
      await app.stop();
    }
  });
});
