/**
 * Computes the platform's health for GET /.status: the database answers, and each worker
 * role has reported recently. Messages are generic: no hostnames, no driver errors.
 */
import type pg from "pg";
import type { ModelStatus } from "../models/index.js";
import { VERSION } from "../platform/version.js";

/** One check's outcome. */
export interface CheckResult {
  status: "ok" | "degraded" | "down";
  latencyMs: number;
  message?: string;
  /** Seconds since the freshest heartbeat, for worker checks. */
  lastSeenSecondsAgo?: number;
}

/** The /.status document. */
export interface StatusReport {
  status: "ok" | "degraded" | "down";
  version: string;
  checks: Record<string, CheckResult>;
  /** The optional model provider: configured, reachable (it never changes `status`: nothing needs it). */
  model: ModelStatus;
}

const DATABASE_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timeout")), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function checkDatabase(pool: pg.Pool): Promise<CheckResult> {
  const started = performance.now();
  try {
    await withTimeout(pool.query("select 1"), DATABASE_TIMEOUT_MS);
    return { status: "ok", latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    const message = (err as Error).message === "timeout" ? "the database did not answer in time" : "the database is unreachable";
    return { status: "down", latencyMs: Math.round(performance.now() - started), message };
  }
}

async function checkWorkers(pool: pg.Pool, role: string, staleSeconds: number): Promise<CheckResult> {
  const started = performance.now();
  try {
    const { rows } = await withTimeout(
      pool.query<{ age: number | null }>("select extract(epoch from now() - max(last_seen_at))::float8 as age from worker_heartbeats where role = $1", [role]),
      DATABASE_TIMEOUT_MS,
    );
    const latencyMs = Math.round(performance.now() - started);
    const age = rows[0]?.age;
    if (age === null || age === undefined) return { status: "degraded", latencyMs, message: `no ${role} has reported yet` };
    const lastSeenSecondsAgo = Math.max(0, Math.round(age));
    if (age > staleSeconds) {
      return { status: "degraded", latencyMs, lastSeenSecondsAgo, message: `no ${role} has reported for ${lastSeenSecondsAgo} s` };
    }
    return { status: "ok", latencyMs, lastSeenSecondsAgo };
  } catch {
    return { status: "degraded", latencyMs: Math.round(performance.now() - started), message: `${role} liveness unknown` };
  }
}

/**
 * Runs every check. Overall: down when the database is down, degraded when any other
 * check is, ok otherwise.
 */
export async function readStatus(pool: pg.Pool, options: StatusOptions): Promise<StatusReport> {
  const database = await checkDatabase(pool);
  const checks: Record<string, CheckResult> = { database };
  if (database.status === "ok") {
    const [worker, codesearch] = await Promise.all([
      checkWorkers(pool, "worker", options.workerStaleSeconds),
      checkWorkers(pool, "codesearch", options.workerStaleSeconds),
    ]);
    checks.worker = worker;
    checks.codesearch = codesearch;
  } else {
    checks.worker = { status: "degraded", latencyMs: 0, message: "unknown while the database is down" };
    checks.codesearch = { status: "degraded", latencyMs: 0, message: "unknown while the database is down" };
  }
  const values = Object.values(checks);
  const status = database.status === "down" ? "down" : values.some((c) => c.status !== "ok") ? "degraded" : "ok";
  return { status, version: VERSION, checks, model: options.model?.() ?? { configured: false } };
}

/** What the checks need besides the pool. */
export interface StatusOptions {
  workerStaleSeconds: number;
  /** The model provider's last known status (models capability). */
  model?: () => ModelStatus;
}

/** How often the monitor runs the checks. */
const REFRESH_MS = 1_000;

/**
 * Runs the checks in the background, once a second, and keeps the last report: GET /.status
 * answers from it at once, so a load balancer's probe never queues behind searches for a
 * connection or for Postgres' CPU. A check in flight longer than its own timeout (2 s) makes
 * the database `down`, so a hung database shows within about 3 s.
 */
export class StatusMonitor {
  private last: { report: StatusReport; at: number } | undefined;
  private inFlight: Promise<StatusReport> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: StatusOptions,
  ) {}

  /** Starts the background checks (the first one runs now). */
  start(): void {
    if (this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  /** Stops the background checks. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The latest report; runs the checks first when there is none yet or it is stale. */
  async current(): Promise<StatusReport> {
    if (this.last && performance.now() - this.last.at < REFRESH_MS * 3) return this.last.report;
    return this.refresh();
  }

  private refresh(): Promise<StatusReport> {
    this.inFlight ??= readStatus(this.pool, this.options)
      .then((report) => {
        this.last = { report, at: performance.now() };
        return report;
      })
      .finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }
}
