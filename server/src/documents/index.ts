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
  saveDocument,
  storedPages,
} from "./document.service.js";
export { storageToText, type PageText } from "./storage-format.js";

import type { Capability } from "../platform/capability.js";
import type { Database } from "../platform/db/database.js";
import type { TenantScope } from "../platform/db/tenant.js";
import type { ApiRouter } from "../platform/http/api-route.js";
import type { SearchQuery } from "../search/index.js";
import { registerDocumentRoutes } from "./document.route.js";
import { type DocumentRead, type DocumentSearchResponse, readDocument, searchDocuments } from "./document.service.js";

/** The documents' read services, in the caller's organisation; REST, search and MCP call these. */
export interface Documents extends Capability {
  /** Documents matching a parsed `type:doc` query, best first. */
  search(scope: TenantScope, query: SearchQuery, limit: number): Promise<DocumentSearchResponse>;
  /** A range of a document's lines. @throws not_found. */
  read(scope: TenantScope, input: { id: string; startLine: number; endLine: number }): Promise<DocumentRead>;
  registerRoutes(router: ApiRouter): void;
}

/** Builds the capability once per process (no I/O until used). */
export function createDocuments(deps: { db: Database }): Documents {
  const documents: Documents = {
    search: (scope, query, limit) => searchDocuments(deps.db, scope, query, limit),
    read: (scope, input) => readDocument(deps.db, scope, input),
    registerRoutes: (router) => registerDocumentRoutes(router, documents),
  };
  return documents;
}
