/**
 * REST: GET /api/v1/orgs/{orgSlug}/mcp-usage: MCP tool calls per day and tool, and
 * …/mcp-usage/unanswered: the searches agents made that found nothing (admins).
 */
import { z } from "zod";
import { orgActorOf } from "../accounts/index.js";
import type { ApiRouter } from "../platform/http/api-route.js";
import { type McpUsage, UNANSWERED_DAYS } from "./usage.service.js";

/** Registers the usage routes. */
export function registerMcpUsageRoute(router: ApiRouter, usage: Pick<McpUsage, "read" | "unanswered">): void {
  router.add({
    method: "get",
    path: "/api/v1/orgs/{orgSlug}/mcp-usage/unanswered",
    summary: "Searches agents made that found nothing: the gaps in the indexed context (admins)",
    description: `search_code, find_symbol and find_references calls that returned no result, by query, most frequent first (at most 50). Kept ${UNANSWERED_DAYS} days.`,
    tags: ["MCP"],
    access: "org",
    minRole: "admin",
    params: z.object({ orgSlug: z.string() }),
    query: z.object({ days: z.coerce.number().int().min(1).max(UNANSWERED_DAYS).default(UNANSWERED_DAYS) }),
    responses: {
      200: {
        description: "Unanswered searches",
        schema: z.object({ unanswered: z.array(z.object({ tool: z.string(), query: z.string(), count: z.number(), lastAt: z.string() })) }),
      },
    },
    handler: async (c, { query }) => c.json({ unanswered: await usage.unanswered(orgActorOf(c), query.days) }),
  });
  router.add({
    method: "get",
    path: "/api/v1/orgs/{orgSlug}/mcp-usage",
    summary: "MCP tool calls per day, tool and client (admins)",
    tags: ["MCP"],
    access: "org",
    minRole: "admin",
    params: z.object({ orgSlug: z.string() }),
    query: z.object({ days: z.coerce.number().int().min(1).max(365).default(30) }),
    responses: {
      200: {
        description: "Usage",
        schema: z.object({
          usage: z.array(
            z.object({
              day: z.string(),
              tool: z.string(),
              client: z.string().describe('"API key: <name>", "<app name> (OAuth)", or "" for calls recorded before clients were'),
              calls: z.number(),
              errors: z.number(),
              avgMs: z.number(),
              maxMs: z.number(),
            }),
          ),
        }),
      },
    },
    handler: async (c, { query }) => c.json({ usage: await usage.read(orgActorOf(c), query.days) }),
  });
}
