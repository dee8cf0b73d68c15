/**
 * The URL's parameters, typed, for the pages under /$orgSlug, so a page never casts
 * `useParams` or `useSearch`. A path parameter is read from the route it belongs to (`from`);
 * used outside that route, the hook throws (TanStack Router's strict match), which is a bug in
 * the page, not a state to render. Search parameters are read as the routes' `validateSearch`
 * left them (router.tsx, chat-search.ts, graph-search.ts).
 */
import { useParams, useSearch } from "@tanstack/react-router";
import type { ChatSearch } from "../chat/chat-search";
import type { GraphSearch } from "../graph/graph-search";

/** The organisation slug of every page under /$orgSlug. */
export function useOrgSlug(): string {
  return useParams({ from: "/$orgSlug", select: (params) => params.orgSlug });
}

/** The connection of /$orgSlug/settings/connections/$connectionId. */
export function useConnectionId(): string {
  return useParams({ from: "/$orgSlug/settings/connections/$connectionId", select: (params) => params.connectionId });
}

/** The repository (by name) and the file path of /$orgSlug/files/$repository/<path>. */
export function useFileParams(): { repository: string; path: string } {
  const { repository, _splat } = useParams({ from: "/$orgSlug/files/$repository/$" });
  return { repository, path: _splat ?? "" };
}

/** The search page's query (`?q=`), empty when there is none. */
export function useSearchQuery(): string {
  return useSearch({ strict: false }).q ?? "";
}

/** The graph page's state (`?q=&kind=&node=`). */
export function useGraphSearch(): GraphSearch {
  const { q, kind, node } = useSearch({ strict: false });
  return { q, kind, node };
}

/** The chat page's state (`?c=&source=`). */
export function useChatSearch(): ChatSearch {
  const { c, source } = useSearch({ strict: false });
  return { c, source };
}
