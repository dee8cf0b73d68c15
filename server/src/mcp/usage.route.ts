/**
 * REST: GET /api/v1/orgs/{orgSlug}/mcp-usage: MCP tool calls per day and tool (admins).
 */
import { z } from "zod";
import { orgActorOf } from "../accounts/index.js";
import type { Database } from "../platform/db/database.js";
import type { ApiRouter } from "../platform/http/api-route.js";
import { readUsage } from "./usage.service.js";

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
    responses: {
      200: {
        description: "Usage",
        schema: z.object({ usage: z.array(z.object({ day: z.string(), tool: z.string(), calls: z.number(), errors: z.number(), avgMs: z.number() })) }),
      },
    },
    handler: async (c, { query }) => c.json({ usage: await readUsage(db, orgActorOf(c), query.days) }),
  });
}
