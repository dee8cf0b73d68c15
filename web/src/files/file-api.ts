/**
 * The file view's API: the query keys, an indexed file's lines (the first 2000), its outline,
 * and the exact-name symbol lookup behind "Go to definition".
 */
import { useQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";

/** The query keys of the file view (`highlight` holds the lines' tokens, computed here, per commit). */
export const fileKeys = {
  file: (orgSlug: string, repository: string, path: string) => ["file", orgSlug, repository, path] as const,
  highlight: (orgSlug: string, repository: string, path: string, commit: string | undefined) => ["highlight", orgSlug, repository, path, commit] as const,
  outline: (orgSlug: string, repository: string, path: string) => ["outline", orgSlug, repository, path] as const,
};

/** Lines 1 to 2000 of `path` in `repository` (by name), with its language and commit. A failure is not retried. */
export function useFile(orgSlug: string, repository: string, path: string) {
  return useQuery({
    queryKey: fileKeys.file(orgSlug, repository, path),
    queryFn: () =>
      call(
        api.GET("/api/v1/orgs/{orgSlug}/repositories/{repository}/file", {
          params: { path: { orgSlug, repository }, query: { path, startLine: 1, endLine: 2000 } },
        }),
      ),
    retry: false,
  });
}

/** The symbols of `path`, in line order. A failure is not retried. */
export function useOutline(orgSlug: string, repository: string, path: string) {
  return useQuery({
    queryKey: fileKeys.outline(orgSlug, repository, path),
    queryFn: () => call(api.GET("/api/v1/orgs/{orgSlug}/repositories/{repository}/outline", { params: { path: { orgSlug, repository }, query: { path } } })),
    retry: false,
  });
}

/** Where a symbol named exactly `name` is defined, at most 20 places. */
export async function findDefinitions(orgSlug: string, name: string) {
  const { symbols } = await call(api.GET("/api/v1/orgs/{orgSlug}/symbols", { params: { path: { orgSlug }, query: { name, match: "exact", limit: 20 } } }));
  return symbols;
}
