/**
 * GET /.status: JSON health for load balancers and operators. 200 when ok or degraded,
 * 503 when down. Never cached by clients; the checks themselves run in the background
 * (StatusMonitor), so the answer is at most about a second old.
 */
import { Hono } from "hono";
import type { AppEnv } from "../platform/http/app-env.js";
import type { StatusMonitor } from "./status.service.js";

/** The /.status routes. */
export function statusRoutes(monitor: StatusMonitor) {
  return new Hono<AppEnv>().get("/.status", async (c) => {
    const report = await monitor.current();
    c.header("Cache-Control", "no-store");
    return c.json(report, report.status === "down" ? 503 : 200);
  });
}
