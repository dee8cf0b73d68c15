/**
 * The agents' MCP usage as the pages use it (admins only; the home checklist, the connect page
 * and the activity page): the query keys, the usage records per day, tool and client, and the
 * searches that found nothing.
 */
import { useQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";
import type { paths } from "../api/schema";

/** One row of GET …/mcp-usage, as the generated API types say. */
export type UsageRow = paths["/api/v1/orgs/{orgSlug}/mcp-usage"]["get"]["responses"][200]["content"]["application/json"]["usage"][number];

/** The query keys of the activity feature (`usage` without days is the server's default window). */
export const activityKeys = {
  usage: (orgSlug: string, days?: number) => (days === undefined ? (["mcp-usage", orgSlug] as const) : (["mcp-usage", orgSlug, days] as const)),
  unanswered: (orgSlug: string) => ["mcp-unanswered", orgSlug] as const,
};

/** The MCP usage records of the last `days` (the server's default when omitted); `refetchInterval` polls. */
export function useMcpUsage(orgSlug: string, options: { days?: number; enabled: boolean; refetchInterval?: number }) {
  const { days, enabled, refetchInterval } = options;
  return useQuery({
    queryKey: activityKeys.usage(orgSlug, days),
    queryFn: () => call(api.GET("/api/v1/orgs/{orgSlug}/mcp-usage", { params: { path: { orgSlug }, ...(days === undefined ? {} : { query: { days } }) } })),
    enabled,
    refetchInterval,
  });
}

/** The searches agents made in the last 30 days that found nothing. */
export function useUnansweredSearches(orgSlug: string, enabled: boolean) {
  return useQuery({
    queryKey: activityKeys.unanswered(orgSlug),
    queryFn: () => call(api.GET("/api/v1/orgs/{orgSlug}/mcp-usage/unanswered", { params: { path: { orgSlug }, query: { days: 30 } } })),
    enabled,
  });
}

/** The number of tool calls in usage records. */
export function totalCalls(rows: readonly { calls: number }[] | undefined): number {
  return (rows ?? []).reduce((n, u) => n + u.calls, 0);
}
