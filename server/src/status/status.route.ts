/**
 * GET /.status: JSON health for load balancers and operators. 200 when ok or degraded,
 * 503 when down. Never cached.
 */
import { Hono } from "hono";
import type pg from "pg";
import type { AppEnv } from "../platform/http/app-env.js";
import { readStatus } from "./status.service.js";

/** The /.status routes. */
export function statusRoutes(pool: pg.Pool, options: { workerStaleSeconds: number }) {
  return new Hono<AppEnv>().get("/.status", async (c) => {
    const report = await readStatus(pool, options);
    c.header("Cache-Control", "no-store");
    return c.json(report, report.status === "down" ? 503 : 200);
  });
}
