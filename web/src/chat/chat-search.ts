/**
 * The chat page's URL state (?c=<conversation id>&source=web|mcp), read by the router without
 * loading the page.
 */

/** The page's URL state: the open conversation and the list's filter. */
export interface ChatSearch {
  c?: string;
  source?: "web" | "mcp";
}

/** Reads the URL state, dropping what is not valid. */
export function validateChatSearch(search: Record<string, unknown>): ChatSearch {
  const c = typeof search.c === "string" && /^[0-9a-f-]{36}$/i.test(search.c) ? search.c : undefined;
  const source = search.source === "web" || search.source === "mcp" ? search.source : undefined;
  return { c, source };
}
