/**
 * The search capability: the query language, code search, symbols, references and file
 * reading over the published index. REST routes here; the MCP tools call the same services.
 */
export {
  parseOrThrow,
  searchCode,
  type DocumentResult,
  type DocumentSearch,
  type SearchInput,
  type SearchResponse,
  type SearchResult,
} from "./search.service.js";
export { type LineMatch, matchLines } from "./line-matcher.js";
export { emptyQuery, type Pattern, type SearchQuery } from "./query-parser.js";
export { searchMode } from "./search.sql.js";
export { compileTextPattern } from "./text-pattern.js";
export { filesCursorAfter, findReferences, findRepositories, findSymbols, listFiles, MAX_LINE_NUMBER, readFile } from "./code-nav.service.js";
export { registerSearchRoutes } from "./search.route.js";
export { globToRegexSource } from "./glob.js";

import type { Capability } from "../platform/capability.js";
import { registerSearchRoutes, type SearchRouteDeps } from "./search.route.js";

/** The search capability for a process: its REST routes (each within the fair share). */
export function createSearch(deps: SearchRouteDeps): Capability {
  return { registerRoutes: (router) => registerSearchRoutes(router, deps) };
}
