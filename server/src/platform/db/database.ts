/**
 * Connection pools. Two, on purpose:
 * - `app`: every connection runs as the role `ctxpipe_app`, which owns no table, so the
 *   row-level-security policies of org-owned tables always apply to it.
 * - `unsafeSystem`: the connecting (owner) role. For migrations, the job queue and the few
 *   named cross-tenant maintenance paths; its name says it bypasses tenancy.
 */
import pg from "pg";
import type { Logger } from "../logging.js";
import { databaseUnavailable, isDatabaseUnavailable } from "./db-errors.js";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { inChildSpan } from "../telemetry/spans.js";

/** The application role that request and job code runs as (created by the first migration). */
export const APP_ROLE = "ctxpipe_app";

/** Both pools of one database. */
export interface Database {
  /** Tenant-safe pool: connections run as `ctxpipe_app`. */
  app: pg.Pool;
  /** Owner pool that bypasses row-level security. Only migrations, jobs and named maintenance use it. */
  unsafeSystem: pg.Pool;
  /** The connection string (contains credentials: never log it). */
  url: string;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  logger: Logger;
  /** Application name shown in pg_stat_activity, e.g. "ctxpipe-server". */
  applicationName: string;
}

/**
 * Creates both pools. Connections are opened lazily; nothing is checked here.
 * The app pool sets the role as a start-up parameter, so a missing role fails the
 * connection instead of silently running as the owner.
 */
export function createDatabase(options: DatabaseOptions): Database {
  const log = options.logger.child({ module: "db" });
  const common: pg.PoolConfig = {
    Client: TracedClient,
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName,
  };
  const app = new pg.Pool({ ...common, options: `-c role=${APP_ROLE}` });
  const unsafeSystem = new pg.Pool(common);
  // An idle client that errors (e.g. the server restarted) must not crash the process.
  app.on("error", (err) => log.warn({ err }, "idle app connection failed"));
  unsafeSystem.on("error", (err) => log.warn({ err }, "idle system connection failed"));
  for (const pool of [app, unsafeSystem]) pool.on("connect", (client) => guardClient(client, log));
  let closed = false;
  return {
    app,
    unsafeSystem,
    url: options.url,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([app.end(), unsafeSystem.end()]);
    },
  };
}

/**
 * Gives a client of the pools an `error` listener for its whole life. pg-pool listens only
 * while a client is idle; a connection that dies while it is checked out (a terminated
 * backend, a restart or failover, idle_in_transaction_session_timeout) emits `error` with
 * nobody listening, which would end the process. The statement in flight rejects with the
 * error anyway, a later one with "not queryable", and the pool discards the broken client
 * when it is released, so the listener only records the loss.
 */
function guardClient(client: pg.Client, log: Logger): void {
  client.on("error", (err) => {
    // While idle the pool's own listener removes the client and the pool's `error` logs it.
    if (client.listenerCount("error") > 1) return;
    log.warn({ err: { code: (err as { code?: string }).code, message: err.message } }, "database connection in use was lost");
  });
}

/**
 * A pg client whose statements inside a traced request or job become spans (the SQL text,
 * never its parameters), in the promise and the callback forms (pg.Pool#query uses the
 * latter). Stream (COPY) and cursor queries pass through untouched.
 */
class TracedClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's query() has a dozen overloads; only the promise forms are wrapped
  override query(...args: any[]): any {
    const [first] = args;
    const statement = typeof first === "string" || (first && typeof first === "object" && typeof first.submit !== "function");
    const call = (...a: unknown[]) => (super.query as (...b: unknown[]) => unknown)(...a);
    if (!statement || !trace.getActiveSpan()) return call(...args);
    const text: string = typeof first === "string" ? first : (first.text ?? "");
    const name = `pg ${text.trimStart().split(/\s/, 1)[0]?.toLowerCase() || "query"}`;
    const attributes = { "db.system.name": "postgresql", "db.query.text": text.slice(0, 500) };
    const callback = args.at(-1);
    if (typeof callback !== "function") return inChildSpan(name, attributes, () => call(...args) as Promise<unknown>);
    // The callback form (pg.Pool#query uses it): the span ends when the callback is called.
    const span = trace.getTracer("ctxpipe").startSpan(name, { kind: SpanKind.CLIENT, attributes });
    return call(...args.slice(0, -1), (err: unknown, result: unknown) => {
      if (err) span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).name });
      span.end();
      callback(err, result);
    });
  }
}

/** Transaction options. */
export interface TransactionOptions {
  /** One read-only snapshot for every statement (repeatable read). */
  snapshot?: boolean;
  /** statement_timeout of each statement in the transaction, in ms (unset: the server's). */
  statementTimeoutMs?: number;
}

/**
 * Runs `fn` inside a transaction on a client from `pool`, committing on success and
 * rolling back on any error (which is rethrown).
 * @throws AppError unavailable (503) when no connection can be had (the database is down, or
 *   the pool stayed full for its connection timeout), or the connection fails.
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    // Unreachable or busy: retryable. A wrong password or a missing database stays a 500, so
    // a misconfiguration is not hidden behind "try again".
    throw isDatabaseUnavailable(err) ? databaseUnavailable(err) : err;
  }
  // Set when the session cannot be trusted any more: the pool then closes it on release.
  let broken = false;
  try {
    await client.query(options.snapshot ? "begin isolation level repeatable read read only" : "begin");
    if (options.statementTimeoutMs) await client.query(`set local statement_timeout = ${Math.max(1, Math.round(options.statementTimeoutMs))}`);
    const result = await fn(client);
    await client.query("commit");
    return result;
  } catch (err) {
    const unavailable = isDatabaseUnavailable(err);
    // A connection that failed, or a transaction that could not be rolled back, never goes back to the pool.
    broken =
      unavailable ||
      !(await client.query("rollback").then(
        () => true,
        () => false,
      ));
    throw unavailable ? databaseUnavailable(err) : err;
  } finally {
    client.release(broken);
  }
}
