/**
 * The repositories API as the pages use it: the query keys, the list (polled while any
 * repository is being indexed or removed), adding one by clone URL, re-indexing and removal.
 * Other features (the home checklist, a connection's deletion) read the list through here.
 */
import { useQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";

/** The query keys of the repositories feature (invalidate `all` after any change). */
export const repositoryKeys = {
  all: (orgSlug: string) => ["repositories", orgSlug] as const,
};

/** Reads the organisation's repositories. */
export function listRepositories(orgSlug: string) {
  return call(api.GET("/api/v1/orgs/{orgSlug}/repositories", { params: { path: { orgSlug } } })).then((r) => r.repositories);
}

/** A repository with its source, status, step and last index, as the list answers it. */
export type Repository = Awaited<ReturnType<typeof listRepositories>>[number];

/** The statuses during which a repository changes by itself (the list polls while one has them). */
export const BUSY_STATUSES: ReadonlySet<string> = new Set(["queued", "running", "unindexing"]);

/**
 * The organisation's repositories. `pollWhileBusy` refetches every second and a half while any
 * is queued, running or being removed; `enabled: false` waits until it is needed.
 */
export function useRepositories(orgSlug: string, options: { pollWhileBusy?: boolean; enabled?: boolean } = {}) {
  return useQuery({
    queryKey: repositoryKeys.all(orgSlug),
    queryFn: () => listRepositories(orgSlug),
    refetchInterval: options.pollWhileBusy ? (query) => (query.state.data?.some((r) => BUSY_STATUSES.has(r.status)) ? 1500 : false) : undefined,
    enabled: options.enabled,
  });
}

/** Adds a repository by clone URL (with a token for a private one); indexing starts at once. */
export function addRepository(orgSlug: string, input: { url: string; token?: string }) {
  return call(
    api.POST("/api/v1/orgs/{orgSlug}/repositories", {
      params: { path: { orgSlug } },
      body: { url: input.url, ...(input.token ? { credentials: { token: input.token } } : {}) },
    }),
  );
}

/** Queues a new index run of a repository. */
export function reindexRepository(orgSlug: string, repositoryId: string) {
  return call(api.POST("/api/v1/orgs/{orgSlug}/repositories/{repository}/reindex", { params: { path: { orgSlug, repository: repositoryId } } }));
}

/** Removes a repository (unindexed in the background). */
export function removeRepository(orgSlug: string, repositoryId: string) {
  return call(api.DELETE("/api/v1/orgs/{orgSlug}/repositories/{repository}", { params: { path: { orgSlug, repository: repositoryId } } }));
}
