/**
 * MCP usage counts: tool calls per organisation, day and tool (mcp_usage_daily), recorded after
 * each MCP request and read by the admins' usage report; and the searches that found nothing
 * (mcp_unanswered: the query only, 30 days), the gaps in the indexed context.
 */
import type { Database } from "../platform/db/database.js";
import type { Logger } from "../platform/logging.js";
import { scrubSecrets } from "../platform/logging.js";
import { withTenant, type TenantScope } from "../platform/db/tenant.js";

/** One finished tool call. */
export interface ToolCall {
  tool: string;
  ok: boolean;
  ms: number;
  /** The query of a search that found nothing. */
  unanswered?: string;
}

/** How long unanswered searches are kept, in days. */
export const UNANSWERED_DAYS = 30;
/** Longest query kept. */
const MAX_UNANSWERED_CHARS = 200;

/** One query that found nothing, counted over the period. */
export interface UnansweredRow {
  tool: string;
  query: string;
  count: number;
  lastAt: string;
}

/** Who made the calls of one MCP request: an API key (by id) or an OAuth app (by its name). */
export type UsageClient = { kind: "api_key"; keyId: string } | { kind: "oauth"; name: string | null } | { kind: "session" };

/** One day's count for one tool and client. */
export interface UsageRow {
  day: string;
  tool: string;
  /** "API key: <name>", "<app name> (OAuth)", or "" for calls recorded before clients were. */
  client: string;
  calls: number;
  errors: number;
  avgMs: number;
  /** The slowest call of the day. */
  maxMs: number;
}

/** Adds `calls` of `client` to the organisation's counts for today. */
export async function recordUsage(db: Database, orgId: string, calls: ToolCall[], client: UsageClient): Promise<void> {
  await withTenant(db, { orgId }, async (tx) => {
    let label = "Signed-in browser";
    if (client.kind === "oauth") label = `${client.name?.trim().slice(0, 80) || "An unnamed app"} (OAuth)`;
    if (client.kind === "api_key") {
      const { rows } = await tx.query<{ name: string }>("select name from api_keys where id = $1", [client.keyId]);
      label = `API key: ${rows[0]?.name ?? "deleted"}`;
    }
    for (const call of calls) {
      await tx.query(
        `insert into mcp_usage_daily (org_id, day, tool, client, calls, errors, total_ms, max_ms) values ($1, current_date, $2, $5, 1, $3, $4::int, $4::int)
         on conflict (org_id, day, tool, client) do update set calls = mcp_usage_daily.calls + 1, errors = mcp_usage_daily.errors + $3,
           total_ms = mcp_usage_daily.total_ms + $4::int, max_ms = greatest(mcp_usage_daily.max_ms, $4::int)`,
        [orgId, call.tool, call.ok ? 0 : 1, Math.round(call.ms), label],
      );
      const query = call.unanswered ? scrubSecrets(call.unanswered).trim().slice(0, MAX_UNANSWERED_CHARS) : "";
      if (query) {
        await tx.query(
          `insert into mcp_unanswered (org_id, day, tool, query) values ($1, current_date, $2, $3)
           on conflict (org_id, day, tool, query) do update set count = mcp_unanswered.count + 1, last_at = now()`,
          [orgId, call.tool, query],
        );
      }
    }
    // Retention: now and then, the days past the window go.
    if (Math.random() < 0.01) await tx.query("delete from mcp_unanswered where day <= current_date - $1::int", [UNANSWERED_DAYS]);
  });
}

/** The organisation's most frequent searches that found nothing in the last `days` days (at most 50). */
export async function readUnanswered(db: Database, scope: TenantScope, days: number): Promise<UnansweredRow[]> {
  return withTenant(db, scope, async (tx) => {
    const { rows } = await tx.query<{ tool: string; query: string; count: number; last_at: Date }>(
      `select tool, query, sum(count)::int as count, max(last_at) as last_at from mcp_unanswered
       where day > current_date - $1::int group by tool, query order by count desc, max(last_at) desc limit 50`,
      [Math.min(days, UNANSWERED_DAYS)],
    );
    return rows.map((r) => ({ tool: r.tool, query: r.query, count: r.count, lastAt: r.last_at.toISOString() }));
  });
}

/** The organisation's counts of the last `days` days, newest first. */
export async function readUsage(db: Database, scope: TenantScope, days: number): Promise<UsageRow[]> {
  const rows = await withTenant(
    db,
    scope,
    async (tx) =>
      (
        await tx.query<{ day: string; tool: string; client: string; calls: number; errors: number; total_ms: string; max_ms: number }>(
          `select to_char(day, 'YYYY-MM-DD') as day, tool, client, calls, errors, total_ms, max_ms from mcp_usage_daily
           where day > current_date - $1::int order by day desc, tool, client`,
          [days],
        )
      ).rows,
  );
  return rows.map((r) => ({
    day: r.day,
    tool: r.tool,
    client: r.client,
    calls: r.calls,
    errors: r.errors,
    avgMs: r.calls ? Math.round(Number(r.total_ms) / r.calls) : 0,
    maxMs: r.max_ms,
  }));
}

/** The usage of one MCP request: its tool calls are counted once its answer is sent. */
export interface UsageRecorder {
  /** Called after each tool call: logged, and kept until `flush` (or recorded at once after it). */
  observe(call: ToolCall): void;
  /** Records the calls kept so far (never throws: a failure is logged). */
  flush(): Promise<void>;
}

/** The usage report's services, in the caller's organisation. */
export interface McpUsage {
  /** The recorder of one request of `client` in `orgId`, logging to `log`. */
  recorder(orgId: string, client: UsageClient, log: Logger): UsageRecorder;
  read(scope: TenantScope, days: number): Promise<UsageRow[]>;
  unanswered(scope: TenantScope, days: number): Promise<UnansweredRow[]>;
}

/** Builds the usage services over `db`. */
export function createUsage(db: Database): McpUsage {
  return {
    recorder(orgId, client, log) {
      const record = async (calls: ToolCall[]) => {
        for (const call of calls) log.info({ tool: call.tool, ok: call.ok, ms: Math.round(call.ms) }, "mcp tool call");
        if (calls.length > 0) await recordUsage(db, orgId, calls, client).catch((err: unknown) => log.warn({ err }, "could not record MCP usage"));
      };
      // Calls that finish after their answer was sent (a stream whose client left) are recorded as they finish.
      const calls: ToolCall[] = [];
      let flushed = false;
      return {
        observe(call) {
          if (flushed) void record([call]);
          else calls.push(call);
        },
        flush() {
          flushed = true;
          return record(calls.splice(0));
        },
      };
    },
    read: (scope, days) => readUsage(db, scope, days),
    unanswered: (scope, days) => readUnanswered(db, scope, days),
  };
}
