/**
 * The graph page's URL state (?q=&kind=&node=), read by the router without loading the page.
 */

/** The page's URL state. */
export interface GraphSearch {
  q?: string;
  kind?: string;
  node?: string;
}

/** Reads the URL state, dropping what is not a string. */
export function validateGraphSearch(search: Record<string, unknown>): GraphSearch {
  const pick = (k: string) => (typeof search[k] === "string" && search[k] !== "" ? (search[k] as string) : undefined);
  return { q: pick("q"), kind: pick("kind"), node: pick("node") };
}
