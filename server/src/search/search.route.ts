/**
 * REST for code search and navigation: /api/v1/orgs/{orgSlug}/search, .../symbols,
 * .../references, and a repository's files (list and read).
 */
import { z } from "zod";
import { orgActorOf } from "../accounts/index.js";
import type { ApiRouter } from "../platform/http/api-route.js";
import { MAX_LINE_NUMBER, MAX_LIST_FILES, MAX_READ_LINES } from "./files.service.js";
import type { Search } from "./index.js";
import { fileContentResponse, fileListResponse, outlineResponse, referencesResponse, searchResponse, symbolsResponse } from "./search.schemas.js";

const orgParams = z.object({ orgSlug: z.string() });
const repoParams = orgParams.extend({
  repository: z.string().min(1).max(200).describe("The repository's id (UUID) or name; percent-encode a `/` in a name as %2F"),
});
/** Default time budget of one search, and the most a request may ask for, in ms (the server's cap may be lower). */
export const SEARCH_BUDGET_MS = { default: 5_000, max: 60_000 };

/** Registers the search routes; each runs within the caller's fair share. */
export function registerSearchRoutes(router: ApiRouter, search: Omit<Search, "registerRoutes">): void {
  router
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/search",
      summary: "Search code across the organisation's indexed repositories, or documents with type:doc",
      description:
        'Query language: docs/search-syntax.md (literals, "phrases", /regex/, repo: file: lang: sym: case:yes, -negation, or). `type:doc` (or `space:KEY`) searches Confluence pages instead: `documents` holds them, cited by URL and version. A question in words (`mode=question`, or `auto` when q reads as prose) ranks files for it, each with its best lines; `mode` in the response says which ran.',
      tags: ["Search"],
      access: "org",
      fairShare: true,
      params: orgParams,
      query: z.object({
        q: z.string().min(1).max(1000).describe("The query, or a question in words"),
        mode: z
          .enum(["auto", "query", "question"])
          .default("auto")
          .describe("query: the query language; question: a question in words, files ranked for it; auto: a question when q reads as prose with no operator"),
        limit: z.coerce.number().int().min(1).max(100).default(20),
        cursor: z.string().max(200).optional(),
        context: z.coerce.number().int().min(0).max(10).default(0).describe("Context lines around each match"),
        budgetMs: z.coerce
          .number()
          .int()
          .min(100)
          .max(SEARCH_BUDGET_MS.max)
          .default(SEARCH_BUDGET_MS.default)
          .describe("Time budget in ms; the server cuts it to its maximum (default 10000)"),
      }),
      responses: {
        200: {
          description: "Matching files, best first",
          schema: searchResponse,
        },
      },
      handler: async (c, { query }) =>
        c.json(
          await search.search(orgActorOf(c), {
            query: query.q,
            mode: query.mode,
            limit: query.limit,
            cursor: query.cursor,
            context: query.context,
            budgetMs: query.budgetMs,
          }),
        ),
    })
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/symbols",
      summary: "Find symbol definitions by name",
      tags: ["Search"],
      access: "org",
      fairShare: true,
      params: orgParams,
      query: z.object({
        name: z.string().min(1).max(200),
        match: z.enum(["exact", "prefix", "fuzzy"]).default("exact"),
        kind: z.string().max(200).optional().describe("Comma-separated kinds, e.g. function,class"),
        repo: z.string().max(200).optional().describe("Repository id or name"),
        lang: z.string().max(50).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
      responses: { 200: { description: "Definitions", schema: symbolsResponse } },
      handler: async (c, { query }) =>
        c.json({
          symbols: await search.findSymbols(orgActorOf(c), {
            name: query.name,
            match: query.match,
            kinds: query.kind
              ?.split(",")
              .map((k) => k.trim())
              .filter(Boolean),
            repository: query.repo,
            language: query.lang,
            limit: query.limit,
          }),
        }),
    })
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/references",
      summary: "Find whole-word uses of a name (definitions excluded)",
      tags: ["Search"],
      access: "org",
      fairShare: true,
      params: orgParams,
      query: z.object({ name: z.string().min(1).max(200), repo: z.string().max(200).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
      responses: { 200: { description: "References", schema: referencesResponse } },
      handler: async (c, { query }) => c.json(await search.findReferences(orgActorOf(c), { name: query.name, repository: query.repo, limit: query.limit })),
    })
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/repositories/{repository}/files",
      summary: "List a repository's indexed files, optionally by glob",
      tags: ["Files"],
      access: "org",
      fairShare: true,
      params: repoParams,
      query: z.object({
        glob: z.string().max(300).optional(),
        limit: z.coerce.number().int().min(1).max(MAX_LIST_FILES).default(200),
        cursor: z.string().max(2000).optional(),
      }),
      responses: {
        200: {
          description: "Files in path order",
          schema: fileListResponse,
        },
      },
      handler: async (c, { params, query }) =>
        c.json(await search.listFiles(orgActorOf(c), { repository: params.repository, glob: query.glob, limit: query.limit, cursor: query.cursor })),
    })
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/repositories/{repository}/file",
      summary: `Read an indexed file or a line range (at most ${MAX_READ_LINES} lines)`,
      tags: ["Files"],
      access: "org",
      fairShare: true,
      params: repoParams,
      query: z.object({
        path: z.string().min(1).max(4096),
        startLine: z.coerce.number().int().min(1).max(MAX_LINE_NUMBER).optional(),
        endLine: z.coerce.number().int().min(1).max(MAX_LINE_NUMBER).optional(),
      }),
      responses: {
        200: {
          description: "Numbered lines",
          schema: fileContentResponse,
        },
      },
      handler: async (c, { params, query }) =>
        c.json(await search.readFile(orgActorOf(c), { repository: params.repository, path: query.path, startLine: query.startLine, endLine: query.endLine })),
    })
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/repositories/{repository}/outline",
      summary: "The symbols an indexed file defines, in line order",
      tags: ["Files"],
      access: "org",
      fairShare: true,
      params: repoParams,
      query: z.object({ path: z.string().min(1).max(4096) }),
      responses: {
        200: {
          description: "The outline (at most 2000 symbols; partial when there are more)",
          schema: outlineResponse,
        },
      },
      handler: async (c, { params, query }) => c.json(await search.fileOutline(orgActorOf(c), { repository: params.repository, path: query.path })),
    });
}
