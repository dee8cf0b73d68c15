/**
 * The search capability: the query language, code search, symbols, references and file
 * reading over the published index. REST routes here; the MCP tools call the same services.
 */
export { searchCode, type SearchInput, type SearchResponse, type SearchResult } from "./search.service.js";
export { findReferences, findRepositories, findSymbols, listFiles, MAX_LINE_NUMBER, readFile } from "./code-nav.service.js";
export { registerSearchRoutes } from "./search.route.js";
