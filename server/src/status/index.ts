/**
 * The status capability: GET /.status (checks run in the background by StatusMonitor) and
 * the worker heartbeats that prove each worker-type role is alive and the queue is worked.
 */
export { heartbeatJob, startHeartbeat, type Heartbeat, type WorkerRole } from "./heartbeat.job.js";
export { statusRoutes } from "./status.route.js";
export { readStatus, StatusMonitor, type CheckResult, type StatusReport } from "./status.service.js";

import type pg from "pg";
import type { ModelStatus } from "../models/index.js";
import type { Capability } from "../platform/capability.js";
import { statusRoutes } from "./status.route.js";
import { StatusMonitor } from "./status.service.js";

/** The status capability for a server process: GET /.status, and the checks behind it. */
export function createStatus(deps: { pool: pg.Pool; workerStaleSeconds: number; model?: () => ModelStatus }): Capability {
  const monitor = new StatusMonitor(deps.pool, { workerStaleSeconds: deps.workerStaleSeconds, model: deps.model });
  return {
    routes: [statusRoutes(monitor)],
    async start() {
      monitor.start();
      return async () => monitor.stop();
    },
  };
}
