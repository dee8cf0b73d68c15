/**
 * The connections API as the pages use it: the query keys of GitHub App and Confluence
 * connections (one factory), their reads (the lists, one connection, the repositories its
 * installation can read, a Confluence connection's spaces) and changes, the Connection type from
 * the generated API types, and how GitHub's web pages are reached from a connection's API URL.
 */
import { useQuery } from "@tanstack/react-query";
import { api, call, type JsonBody } from "../api/client";

/**
 * The query keys of the connections feature. `one` and `available` sit under `all`, so
 * invalidating the list refreshes them too (`exact: true` refreshes the list only); a Confluence
 * connection's spaces sit under `confluence` likewise.
 */
export const connectionKeys = {
  all: (orgSlug: string) => ["connections", orgSlug] as const,
  one: (orgSlug: string, connectionId: string) => ["connections", orgSlug, connectionId] as const,
  available: (orgSlug: string, connectionId: string) => ["connections", orgSlug, connectionId, "available"] as const,
  confluence: (orgSlug: string) => ["confluence", orgSlug] as const,
  confluenceOne: (orgSlug: string, connectionId: string) => ["confluence", orgSlug, connectionId] as const,
  confluenceSpaces: (orgSlug: string, connectionId: string) => ["confluence", orgSlug, connectionId, "spaces"] as const,
};

/** Reads one connection (404 for another organisation's). */
export function fetchConnection(orgSlug: string, connectionId: string) {
  return call(api.GET("/api/v1/orgs/{orgSlug}/connections/{connectionId}", { params: { path: { orgSlug, connectionId } } }));
}

/** A connection with its health, as GET …/connections/{connectionId} answers it. */
export type Connection = Awaited<ReturnType<typeof fetchConnection>>;

/** The organisation's connections. */
export function useConnections(orgSlug: string) {
  return useQuery({
    queryKey: connectionKeys.all(orgSlug),
    queryFn: () => call(api.GET("/api/v1/orgs/{orgSlug}/connections", { params: { path: { orgSlug } } })).then((r) => r.connections),
  });
}

/** One connection; `refetchInterval` polls (the smallest interval of all observers wins). */
export function useConnection(orgSlug: string, connectionId: string, refetchInterval: number | false = false) {
  return useQuery({ queryKey: connectionKeys.one(orgSlug, connectionId), queryFn: () => fetchConnection(orgSlug, connectionId), refetchInterval });
}

/** Connects an existing GitHub App by hand; answers the connection and its webhook secret (shown once). */
export function createGithubConnection(orgSlug: string, body: JsonBody<"/api/v1/orgs/{orgSlug}/connections", "post">) {
  return call(api.POST("/api/v1/orgs/{orgSlug}/connections", { params: { path: { orgSlug } }, body }));
}

/** Starts creating a GitHub App from a manifest: answers where to post it on GitHub, and the manifest. */
export function createAppManifest(orgSlug: string, body: JsonBody<"/api/v1/orgs/{orgSlug}/connections/github-manifest", "post">) {
  return call(api.POST("/api/v1/orgs/{orgSlug}/connections/github-manifest", { params: { path: { orgSlug } }, body }));
}

/** Finishes a manifest: GitHub's one-time `code` and our signed `state` become a connection. */
export function convertManifest(orgSlug: string, code: string, state: string) {
  return call(api.POST("/api/v1/orgs/{orgSlug}/connections/github-manifest/conversions", { params: { path: { orgSlug } }, body: { code, state } }));
}

/** Binds the installation GitHub returned (with our signed `state`) to its connection. */
export function bindInstallation(orgSlug: string, connectionId: string, installationId: number, state: string) {
  return call(
    api.POST("/api/v1/orgs/{orgSlug}/connections/{connectionId}/installation", {
      params: { path: { orgSlug, connectionId } },
      body: { installationId, state },
    }),
  );
}

/** Changes a connection's name, App slug or private key (only the fields given). */
export function updateConnection(orgSlug: string, connectionId: string, body: JsonBody<"/api/v1/orgs/{orgSlug}/connections/{connectionId}", "patch">) {
  return call(api.PATCH("/api/v1/orgs/{orgSlug}/connections/{connectionId}", { params: { path: { orgSlug, connectionId } }, body }));
}

/** The App's install link on GitHub (valid an hour). */
export function installUrl(orgSlug: string, connectionId: string) {
  return call(api.GET("/api/v1/orgs/{orgSlug}/connections/{connectionId}/install-url", { params: { path: { orgSlug, connectionId } } }));
}

/** Queues a check of the connection with GitHub (its outcome shows as `lastReconcile`). */
export function reconcileConnection(orgSlug: string, connectionId: string) {
  return call(api.POST("/api/v1/orgs/{orgSlug}/connections/{connectionId}/reconcile", { params: { path: { orgSlug, connectionId } } }));
}

/** Replaces the webhook secret; answers the new one, shown once. */
export function rotateWebhookSecret(orgSlug: string, connectionId: string) {
  return call(api.POST("/api/v1/orgs/{orgSlug}/connections/{connectionId}/webhook-secret", { params: { path: { orgSlug, connectionId } } }));
}

/** Deletes a connection; the repositories it brought are unindexed. */
export function deleteConnection(orgSlug: string, connectionId: string) {
  return call(api.DELETE("/api/v1/orgs/{orgSlug}/connections/{connectionId}", { params: { path: { orgSlug, connectionId } } }));
}

/** The repositories the connection's installation can read, each saying whether it is indexed. */
export function useAvailableRepositories(orgSlug: string, connectionId: string) {
  return useQuery({
    queryKey: connectionKeys.available(orgSlug, connectionId),
    queryFn: () => call(api.GET("/api/v1/orgs/{orgSlug}/connections/{connectionId}/available-repositories", { params: { path: { orgSlug, connectionId } } })),
  });
}

/** Sets which of the installation's repositories are indexed; answers what changed and the connection. */
export function saveSelection(orgSlug: string, connectionId: string, body: JsonBody<"/api/v1/orgs/{orgSlug}/connections/{connectionId}/selection", "put">) {
  return call(api.PUT("/api/v1/orgs/{orgSlug}/connections/{connectionId}/selection", { params: { path: { orgSlug, connectionId } }, body }));
}

/** Reads the organisation's Confluence connections. */
function listConfluence(orgSlug: string) {
  return call(api.GET("/api/v1/orgs/{orgSlug}/connections/confluence", { params: { path: { orgSlug } } })).then((r) => r.connections);
}

/** A Confluence connection as the list answers it. */
export type ConfluenceConnection = Awaited<ReturnType<typeof listConfluence>>[number];

/** The organisation's Confluence connections. */
export function useConfluenceConnections(orgSlug: string) {
  return useQuery({ queryKey: connectionKeys.confluence(orgSlug), queryFn: () => listConfluence(orgSlug) });
}

/** Adds a Confluence connection from an OAuth app's client id and secret. */
export function createConfluence(orgSlug: string, body: JsonBody<"/api/v1/orgs/{orgSlug}/connections/confluence", "post">) {
  return call(api.POST("/api/v1/orgs/{orgSlug}/connections/confluence", { params: { path: { orgSlug } }, body }));
}

/** Atlassian's consent page for the connection (`authorizeUrl`). */
export function authorizeConfluence(orgSlug: string, connectionId: string) {
  return call(api.POST("/api/v1/orgs/{orgSlug}/connections/confluence/{connectionId}/authorize", { params: { path: { orgSlug, connectionId } } }));
}

/** Queues a sync of the connection's spaces. */
export function syncConfluence(orgSlug: string, connectionId: string) {
  return call(api.POST("/api/v1/orgs/{orgSlug}/connections/confluence/{connectionId}/sync", { params: { path: { orgSlug, connectionId } }, body: {} }));
}

/** Includes or withholds pages with view restrictions (a full sync follows). */
export function setConfluenceRestricted(orgSlug: string, connectionId: string, includeRestricted: boolean) {
  return call(
    api.PATCH("/api/v1/orgs/{orgSlug}/connections/confluence/{connectionId}", { params: { path: { orgSlug, connectionId } }, body: { includeRestricted } }),
  );
}

/** Deletes a Confluence connection and its documents. */
export function deleteConfluence(orgSlug: string, connectionId: string) {
  return call(api.DELETE("/api/v1/orgs/{orgSlug}/connections/confluence/{connectionId}", { params: { path: { orgSlug, connectionId } } }));
}

/** The spaces the Confluence site offers, each saying whether it is synced. */
export function useConfluenceSpaces(orgSlug: string, connectionId: string) {
  return useQuery({
    queryKey: connectionKeys.confluenceSpaces(orgSlug, connectionId),
    queryFn: () => call(api.GET("/api/v1/orgs/{orgSlug}/connections/confluence/{connectionId}/spaces", { params: { path: { orgSlug, connectionId } } })),
  });
}

/** Sets the spaces to sync. */
export function saveConfluenceSpaces(orgSlug: string, connectionId: string, spaces: string[]) {
  return call(
    api.PUT("/api/v1/orgs/{orgSlug}/connections/confluence/{connectionId}/spaces", { params: { path: { orgSlug, connectionId } }, body: { spaces } }),
  );
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
