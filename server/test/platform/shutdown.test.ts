/**
 * Graceful shutdown in process: a request in flight completes, new connections are refused
 * once the stop began, and the pools are closed afterwards. A component that finishes starting
 * after the stop began is stopped too.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Hono } from "hono";
import type { AppEnv } from "../../src/platform/http/app-env.js";
import { Lifecycle } from "../../src/platform/lifecycle.js";
import { createLogger } from "../../src/platform/logging.js";
import { eventually } from "../harness/eventually.js";
import { startTestApp } from "../harness/test-app.js";

describe("shutdown", () => {
  it("drains in-flight requests before closing", async () => {
    let entered!: () => void;
    const inFlight = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // The request stays in flight until the test has seen new connections refused.
    const slow = new Hono<AppEnv>().get("/api/v1/probe/slow", async (c) => {
      entered();
      await released;
      return c.json({ finished: true });
    });
    const app = await startTestApp({ extraRoutes: [slow] });
    const pending = fetch(`${app.url}/api/v1/probe/slow`);
    await inFlight;
    const stopping = app.stop();
    await eventually(() => assert.rejects(fetch(`${app.url}/.status`)), { timeoutMs: 5_000, message: "new connections are refused while draining" });
    release();
    const res = await pending;
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { finished: true });
    await stopping;
    assert.equal(app.running.platform.db.app.ended, true);
    assert.equal(app.running.platform.db.unsafeSystem.ended, true);
  });

  it("stops a component registered while the shutdown runs (a stop in the middle of start-up)", async () => {
    const stopped: string[] = [];
    const lifecycle = new Lifecycle(createLogger("silent"));
    lifecycle.onStop("first", async () => void stopped.push("first"));
    lifecycle.onStop("second", async () => void stopped.push("second"));
    const stopping = lifecycle.stop();
    lifecycle.onStop("late", async () => void stopped.push("late"));
    await stopping;
    await lifecycle.stop();
    assert.deepEqual(stopped, ["second", "first", "late"]);
  });
});
