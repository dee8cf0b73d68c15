/**
 * The documents capability: pages from docs sources (Confluence, docs/confluence.md) stored as
 * line-chunked text with their metadata, searched with the query language (`type:doc`,
 * `space:`) and read by line range. The connections capability's sync writes them; search
 * (REST) and the MCP tools (search_docs, read_doc, get_context) read them.
 */
export {
  deleteDocuments,
  type DocumentHit,
  type DocumentInput,
  type DocumentRead,
  type DocumentSearchResponse,
  isDocumentId,
  MAX_DOCUMENT_LINES,
  readDocument,
  saveDocument,
  searchDocuments,
  storedPages,
} from "./document.service.js";
export { storageToText, type PageText } from "./storage-format.js";

import type { Capability } from "../platform/capability.js";
import type { Database } from "../platform/db/database.js";
import { registerDocumentRoutes } from "./document.route.js";

/** The documents capability for a process: its REST route. */
export function createDocuments(deps: { db: Database }): Capability {
  return { registerRoutes: (router) => registerDocumentRoutes(router, deps.db) };
}
