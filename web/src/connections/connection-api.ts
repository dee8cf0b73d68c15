/**
 * The connections API as the pages use it: query keys, the reads (the list, one connection,
 * the repositories its installation can read), the Connection type from the generated API
 * types, and how GitHub's web pages are reached from a connection's API URL.
 */
import { useQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";

/** The key of every connection query of an organisation (invalidate it after a change). */
export const connectionsKey = (orgSlug: string) => ["connections", orgSlug] as const;

/** The key of one connection (under connectionsKey, so invalidating the list refreshes it). */
export const connectionKey = (orgSlug: string, connectionId: string) => ["connections", orgSlug, connectionId] as const;

/** Reads one connection (404 for another organisation's). */
export function fetchConnection(orgSlug: string, connectionId: string) {
  return call(api.GET("/api/v1/orgs/{orgSlug}/connections/{connectionId}", { params: { path: { orgSlug, connectionId } } }));
}

/** A connection with its health, as GET …/connections/{connectionId} answers it. */
export type Connection = Awaited<ReturnType<typeof fetchConnection>>;

/** The organisation's connections. */
export function useConnections(orgSlug: string) {
  return useQuery({
    queryKey: connectionsKey(orgSlug),
    queryFn: () => call(api.GET("/api/v1/orgs/{orgSlug}/connections", { params: { path: { orgSlug } } })).then((r) => r.connections),
  });
}

/** One connection; `refetchInterval` polls (the smallest interval of all observers wins). */
export function useConnection(orgSlug: string, connectionId: string, refetchInterval: number | false = false) {
  return useQuery({ queryKey: connectionKey(orgSlug, connectionId), queryFn: () => fetchConnection(orgSlug, connectionId), refetchInterval });
}

/** What each status means to a person. */
export const STATUS_TEXT: Record<Connection["status"], string> = {
  pending: "Not installed",
  active: "Active",
  suspended: "Suspended",
  error: "Error",
};

/**
 * GitHub's web origin for an API URL, as the server computes it: api.github.com → github.com,
 * Enterprise Server's https://host/api/v3 → https://host.
 */
export function githubWebUrl(apiUrl: string): string {
  const url = new URL(apiUrl);
  return url.hostname === "api.github.com" ? "https://github.com" : url.origin;
}

/** The installation's settings page on GitHub (where repositories are granted or taken back). */
export function installationSettingsUrl(connection: Connection): string | undefined {
  const installation = connection.installation;
  if (!installation) return undefined;
  const web = githubWebUrl(connection.config.apiUrl);
  return installation.accountType === "Organization"
    ? `${web}/organizations/${encodeURIComponent(installation.account)}/settings/installations/${installation.id}`
    : `${web}/settings/installations/${installation.id}`;
}
