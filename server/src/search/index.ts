/**
 * The search capability: the query language, code search, symbols, references and file
 * reading over the published index. `createSearch` builds the one service object that the REST
 * routes, the MCP tools and the chat all call, so every transport gives the same answer.
 */
export { parseOrThrow, type DocumentResult, type DocumentSearch, type SearchInput, type SearchResponse, type SearchResult } from "./search.service.js";
export { type LineMatch, matchLines } from "./line-matcher.js";
export { emptyQuery, type Pattern, type SearchQuery } from "./query-parser.js";
export { searchMode } from "./scan.sql.js";
export { compileTextPattern } from "./text-pattern.js";
export { filesCursorAfter, MAX_LINE_NUMBER, type FileContent, type FileList } from "./files.service.js";
export type { Reference, SymbolLocation } from "./symbols.service.js";
export { globToRegexSource } from "./glob.js";
export { looksLikeQuestion, readsAsProse, resolveMode, type SearchMode } from "./question-mode.js";
export type { SemanticRanker } from "./question.service.js";
export type { ContentIndex } from "./group-scan.js";

import type { Capability } from "../platform/capability.js";
import type { Database } from "../platform/db/database.js";
import type { TenantScope } from "../platform/db/tenant.js";
import type { ApiRouter } from "../platform/http/api-route.js";
import type { ContentIndex } from "./group-scan.js";
import * as files from "./files.service.js";
import * as symbols from "./symbols.service.js";
import { registerSearchRoutes } from "./search.route.js";
import { type DocumentSearch, type SearchInput, type SearchResponse, searchCode } from "./search.service.js";
import { readsAsProse, resolveMode } from "./question-mode.js";
import { searchQuestion, type SemanticRanker } from "./question.service.js";

/** What the search capability needs. */
export interface SearchDependencies {
  db: Database;
  /** The server's cap on a search's budgetMs (CTXPIPE_SEARCH_MAX_BUDGET_MS); larger requests are cut to it. */
  maxBudgetMs: number;
  /** Document search for `type:doc` and `space:` queries (the documents capability's `search`). */
  documents?: { search: DocumentSearch };
  /**
   * Candidates by meaning for questions in words (the embeddings capability), fused with the
   * lexical ranking by reciprocal rank; never asked for query-language searches.
   */
  semantic?: SemanticRanker;
  /**
   * The index that finds content matches (CTXPIPE_SEARCH_CONTENT_INDEX): pg_trgm (default) or
   * the byte-trigram lists of ADR 007, while the lists are proven to give the same matches.
   */
  contentIndex?: ContentIndex;
}

/** The search services, each in the caller's organisation; every transport calls these. */
export interface Search extends Capability {
  /**
   * Code search (or, for `type:doc`, document search) with the query language, or a question
   * in words (`mode`; `auto` reads the text). The response says which mode ran.
   */
  search(scope: TenantScope, input: SearchInput): Promise<SearchResponse>;
  /** The org's indexed repositories named `ref` (id or exact name), or all without one. */
  findRepositories(scope: TenantScope, ref: string | undefined): ReturnType<typeof files.findRepositories>;
  /** A page of one repository's indexed paths, optionally by glob. */
  listFiles(scope: TenantScope, input: Parameters<typeof files.listFiles>[2]): Promise<files.FileList>;
  /** A range of an indexed file's lines. */
  readFile(scope: TenantScope, input: Parameters<typeof files.readFile>[2]): Promise<files.FileContent>;
  /** The symbols an indexed file defines. */
  fileOutline(scope: TenantScope, input: Parameters<typeof files.fileOutline>[2]): ReturnType<typeof files.fileOutline>;
  /** Symbol definitions by name. */
  findSymbols(scope: TenantScope, input: Parameters<typeof symbols.findSymbols>[2]): Promise<symbols.SymbolLocation[]>;
  /** Whole-word uses of a name, definitions excluded. */
  findReferences(scope: TenantScope, input: Parameters<typeof symbols.findReferences>[2]): ReturnType<typeof symbols.findReferences>;
  registerRoutes(router: ApiRouter): void;
}

/** Builds the capability once per process (no I/O until used). */
export function createSearch(deps: SearchDependencies): Search {
  const { db } = deps;
  const search: Search = {
    search: async (scope, input) => {
      const budgeted = { ...input, budgetMs: Math.min(input.budgetMs, deps.maxBudgetMs) };
      if (resolveMode(input.mode, input.query) === "question") return searchQuestion(db, scope, budgeted, deps.semantic);
      const answer = await searchCode(db, scope, budgeted, deps.documents?.search, deps.contentIndex);
      // Prose that no file holds all of: answered as a question rather than with nothing.
      if ((input.mode ?? "auto") === "auto" && answer.results.length === 0 && !answer.documents && !answer.partial && readsAsProse(input.query)) {
        const asked = await searchQuestion(db, scope, budgeted, deps.semantic);
        return { ...asked, notes: ["no file holds all these words: answered as a question", ...(asked.notes ?? [])] };
      }
      return answer;
    },
    findRepositories: (scope, ref) => files.findRepositories(db, scope, ref),
    listFiles: (scope, input) => files.listFiles(db, scope, input),
    readFile: (scope, input) => files.readFile(db, scope, input),
    fileOutline: (scope, input) => files.fileOutline(db, scope, input),
    findSymbols: (scope, input) => symbols.findSymbols(db, scope, input),
    findReferences: (scope, input) => symbols.findReferences(db, scope, input),
    registerRoutes: (router) => registerSearchRoutes(router, search),
  };
  return search;
}
