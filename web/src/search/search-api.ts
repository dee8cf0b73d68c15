/**
 * The search API as the page uses it: the query keys and the code (or document) search, fetched
 * a page of files at a time with the API's cursor.
 */
import { useInfiniteQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";

/** Files fetched per page (the "More results" button fetches the next page). */
export const PAGE_SIZE = 20;

/** Reads a page of PAGE_SIZE files matching `q`, after `cursor` (the previous page's `nextCursor`). */
export function searchPage(orgSlug: string, q: string, cursor: string | undefined) {
  return call(
    api.GET("/api/v1/orgs/{orgSlug}/search", {
      params: { path: { orgSlug }, query: { q, limit: PAGE_SIZE, context: 0, budgetMs: 5000, ...(cursor ? { cursor } : {}) } },
    }),
  );
}

/** A page of search results as the API answers it. */
export type SearchPageData = Awaited<ReturnType<typeof searchPage>>;

/** The query keys of the search feature. */
export const searchKeys = {
  results: (orgSlug: string, q: string) => ["search", orgSlug, q] as const,
};

/**
 * The results of `q`, in pages of PAGE_SIZE files, each fetched with the previous page's cursor
 * (`fetchNextPage`); nothing is fetched for an empty query, and a failure is not retried.
 */
export function useSearchResults(orgSlug: string, q: string) {
  return useInfiniteQuery({
    queryKey: searchKeys.results(orgSlug, q),
    queryFn: ({ pageParam }) => searchPage(orgSlug, q, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: q.trim().length > 0,
    retry: false,
  });
}
