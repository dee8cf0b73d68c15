/**
 * REST: GET /api/v1/orgs/{orgSlug}/mcp-usage: MCP tool calls per day and tool (admins).
 */
import { z } from "zod";
import { orgActorOf } from "../accounts/index.js";
import type { Database } from "../platform/db/database.js";
import { withTenant } from "../platform/db/tenant.js";
import type { ApiRouter } from "../platform/http/api-route.js";

/** Registers the usage route. */
export function registerMcpUsageRoute(router: ApiRouter, db: Database): void {
  router.add({
    method: "get",
    path: "/api/v1/orgs/{orgSlug}/mcp-usage",
    summary: "MCP tool calls per day and tool (admins)",
    tags: ["MCP"],
    access: "org",
    minRole: "admin",
    params: z.object({ orgSlug: z.string() }),
    query: z.object({ days: z.coerce.number().int().min(1).max(365).default(30) }),
    responses: { 200: { description: "Usage", schema: z.object({ usage: z.array(z.object({ day: z.string(), tool: z.string(), calls: z.number(), errors: z.number(), avgMs: z.number() })) }) } },
    handler: async (c, { query }) => {
      const actor = orgActorOf(c);
      const rows = await withTenant(db, actor, async (tx) =>
        (
          await tx.query<{ day: string; tool: string; calls: number; errors: number; total_ms: string }>(
            "select to_char(day, 'YYYY-MM-DD') as day, tool, calls, errors, total_ms from mcp_usage_daily where day > current_date - $1::int order by day desc, tool",
            [query.days],
          )
        ).rows,
      );
      return c.json({ usage: rows.map((r) => ({ day: r.day, tool: r.tool, calls: r.calls, errors: r.errors, avgMs: r.calls ? Math.round(Number(r.total_ms) / r.calls) : 0 })) });
    },
  });
}
