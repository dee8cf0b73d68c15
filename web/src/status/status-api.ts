/**
 * The platform's health as the pages read it: GET /.status (outside the OpenAPI document), with
 * the query key of the model's state that the chat page shows. /.status answers 503 with the same
 * body while degraded or down: that is a status to show, not a failed request.
 */
import { useQuery } from "@tanstack/react-query";
import { apiErrorOf, jsonOf, networkError } from "../api/client";

/** One check of /.status. */
export interface StatusCheck {
  status: string;
  latencyMs?: number;
  message?: string;
}

/** What /.status reports. */
export interface PlatformStatus {
  status: "ok" | "degraded" | "down";
  version: string;
  checks: Record<string, StatusCheck>;
  /** The chat model: configured or not, and whether its provider answers. */
  model?: { configured: boolean; reachable?: boolean; message?: string };
}

/** The query keys of the status feature. */
export const statusKeys = {
  model: () => ["status-model"] as const,
};

/** Reads /.status; rejects with ApiError only when it cannot be reached or answers something else. */
export async function fetchStatus(): Promise<PlatformStatus> {
  let res: Response;
  try {
    res = await fetch("/.status", { credentials: "same-origin", headers: { accept: "application/json" } });
  } catch {
    throw networkError();
  }
  const body = await jsonOf(res);
  if (typeof (body as { status?: unknown } | undefined)?.status !== "string") throw apiErrorOf(res.status, body);
  return body as PlatformStatus;
}

/** The chat model's state (null when /.status says nothing of it), fresh for a minute. */
export function useModelStatus() {
  return useQuery({ queryKey: statusKeys.model(), queryFn: async () => (await fetchStatus()).model ?? null, staleTime: 60_000 });
}
