/**
 * MCP usage counts: tool calls per organisation, day and tool (mcp_usage_daily), recorded after
 * each MCP request and read by the admins' usage report.
 */
import type { Database } from "../platform/db/database.js";
import { withTenant, type TenantScope } from "../platform/db/tenant.js";

/** One finished tool call. */
export interface ToolCall {
  tool: string;
  ok: boolean;
  ms: number;
}

/** One day's count for one tool. */
export interface UsageRow {
  day: string;
  tool: string;
  calls: number;
  errors: number;
  avgMs: number;
}

/** Adds `calls` to the organisation's counts for today. */
export async function recordUsage(db: Database, orgId: string, calls: ToolCall[]): Promise<void> {
  await withTenant(db, { orgId }, async (tx) => {
    for (const call of calls) {
      await tx.query(
        `insert into mcp_usage_daily (org_id, day, tool, calls, errors, total_ms) values ($1, current_date, $2, 1, $3, $4)
         on conflict (org_id, day, tool) do update set calls = mcp_usage_daily.calls + 1, errors = mcp_usage_daily.errors + $3, total_ms = mcp_usage_daily.total_ms + $4`,
        [orgId, call.tool, call.ok ? 0 : 1, Math.round(call.ms)],
      );
    }
  });
}

/** The organisation's counts of the last `days` days, newest first. */
export async function readUsage(db: Database, scope: TenantScope, days: number): Promise<UsageRow[]> {
  const rows = await withTenant(
    db,
    scope,
    async (tx) =>
      (
        await tx.query<{ day: string; tool: string; calls: number; errors: number; total_ms: string }>(
          "select to_char(day, 'YYYY-MM-DD') as day, tool, calls, errors, total_ms from mcp_usage_daily where day > current_date - $1::int order by day desc, tool",
          [days],
        )
      ).rows,
  );
  return rows.map((r) => ({ day: r.day, tool: r.tool, calls: r.calls, errors: r.errors, avgMs: r.calls ? Math.round(Number(r.total_ms) / r.calls) : 0 }));
}
