/**
 * The status capability: GET /.status (checks run in the background by StatusMonitor) and
 * the worker heartbeats that prove each worker-type role is alive and the queue is worked.
 */
export { heartbeatJob, startHeartbeat, type Heartbeat, type WorkerRole } from "./heartbeat.job.js";
export { statusRoutes } from "./status.route.js";
export { readStatus, StatusMonitor, type CheckResult, type StatusReport } from "./status.service.js";
