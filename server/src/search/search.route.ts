/**
 * REST for code search and navigation: /api/v1/orgs/{orgSlug}/search, .../symbols,
 * .../references, and a repository's files (list and read).
 */
import { z } from "zod";
import { orgActorOf } from "../accounts/index.js";
import type { Database } from "../platform/db/database.js";
import type { ApiRouter } from "../platform/http/api-route.js";
import { fileOutline, findReferences, findSymbols, listFiles, MAX_LINE_NUMBER, MAX_LIST_FILES, MAX_READ_LINES, readFile } from "./code-nav.service.js";
import { type DocumentSearch, MAX_FACET_VALUES } from "./result-page.js";
import { searchCode } from "./search.service.js";

const orgParams = z.object({ orgSlug: z.string() });
const repoParams = orgParams.extend({
  repository: z.string().min(1).max(200).describe("The repository's id (UUID) or name; percent-encode a `/` in a name as %2F"),
});
const lineSchema = z.object({
  line: z.number(),
  text: z.string(),
  ranges: z.array(z.tuple([z.number(), z.number()])).optional(),
  context: z.literal(true).optional(),
});
const repoRef = z.object({ id: z.string(), name: z.string() });
const facetCount = z.object({ value: z.string().nullable().describe("Repository name or language id; null: no detected language"), count: z.number() });

/** Default time budget of one search, and the most a request may ask for, in ms (the server's cap may be lower). */
export const SEARCH_BUDGET_MS = { default: 5_000, max: 60_000 };

/** What the search routes need. */
export interface SearchRouteDeps {
  db: Database;
  /** The server's cap on budgetMs (CTXPIPE_SEARCH_MAX_BUDGET_MS); larger requests are cut to it. */
  maxBudgetMs: number;
  /** Document search, for `type:doc` and `space:` queries (the documents capability). */
  searchDocuments?: DocumentSearch;
}

/** Registers the search routes; each runs within the caller's fair share. */
export function registerSearchRoutes(router: ApiRouter, { db, maxBudgetMs, searchDocuments }: SearchRouteDeps): void {
  router
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/search",
      summary: "Search code across the organisation's indexed repositories, or documents with type:doc",
      description:
        'Query language: docs/search-syntax.md (literals, "phrases", /regex/, repo: file: lang: sym: case:yes, -negation, or). `type:doc` (or `space:KEY`) searches Confluence pages instead: `documents` holds them, cited by URL and version.',
      tags: ["Search"],
      access: "org",
      fairShare: true,
      params: orgParams,
      query: z.object({
        q: z.string().min(1).max(1000).describe("The query"),
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
          schema: z.object({
            results: z.array(
              z.object({
                repository: repoRef,
                commit: z.string(),
                path: z.string(),
                language: z.string().nullable(),
                score: z.number(),
                pathMatch: z.boolean(),
                definitions: z.array(z.object({ name: z.string(), kind: z.string(), line: z.number(), container: z.string().nullable() })),
                lines: z.array(lineSchema),
                moreLines: z.number(),
              }),
            ),
            documents: z
              .array(
                z.object({
                  id: z.string(),
                  title: z.string(),
                  space: z.object({ key: z.string(), name: z.string() }),
                  url: z.string(),
                  version: z.number(),
                  author: z.string().nullable(),
                  updatedAt: z.string(),
                  citation: z.string().describe("<url> (version N)"),
                  lines: z.array(lineSchema),
                }),
              )
              .optional()
              .describe("type:doc queries: matching documents, best first"),
            facets: z
              .object({
                repositories: z.array(facetCount),
                languages: z.array(facetCount),
              })
              .optional()
              .describe(
                `Code queries: how many of the matching files (stats.matchedFiles, every page) are in each repository and language, most first (at most ${MAX_FACET_VALUES} values each)`,
              ),
            nextCursor: z.string().nullable(),
            partial: z.boolean(),
            partialReason: z.enum(["too_many_matches", "timeout"]).optional(),
            stats: z.object({ matchedFiles: z.number(), searchedRepositories: z.number(), durationMs: z.number() }),
          }),
        },
      },
      handler: async (c, { query }) =>
        c.json(
          await searchCode(
            db,
            orgActorOf(c),
            {
              query: query.q,
              limit: query.limit,
              cursor: query.cursor,
              context: query.context,
              budgetMs: Math.min(query.budgetMs, maxBudgetMs),
            },
            searchDocuments,
          ),
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
      responses: { 200: { description: "Definitions", schema: z.object({ symbols: z.array(z.record(z.string(), z.unknown())) }) } },
      handler: async (c, { query }) =>
        c.json({
          symbols: await findSymbols(db, orgActorOf(c), {
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
      responses: { 200: { description: "References", schema: z.object({ references: z.array(z.record(z.string(), z.unknown())), partial: z.boolean() }) } },
      handler: async (c, { query }) => c.json(await findReferences(db, orgActorOf(c), { name: query.name, repository: query.repo, limit: query.limit })),
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
          schema: z.object({
            repository: z.record(z.string(), z.unknown()),
            files: z.array(z.object({ path: z.string(), language: z.string().nullable(), size: z.number() })),
            nextCursor: z.string().nullable(),
          }),
        },
      },
      handler: async (c, { params, query }) =>
        c.json(await listFiles(db, orgActorOf(c), { repository: params.repository, glob: query.glob, limit: query.limit, cursor: query.cursor })),
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
          schema: z.object({
            repository: z.object({ id: z.string(), name: z.string(), commit: z.string() }),
            path: z.string(),
            language: z.string().nullable(),
            totalLines: z.number(),
            startLine: z.number(),
            endLine: z.number(),
            lines: z.array(z.object({ line: z.number(), text: z.string() })),
          }),
        },
      },
      handler: async (c, { params, query }) =>
        c.json(await readFile(db, orgActorOf(c), { repository: params.repository, path: query.path, startLine: query.startLine, endLine: query.endLine })),
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
          schema: z.object({
            repository: z.object({ id: z.string(), name: z.string(), commit: z.string() }),
            path: z.string(),
            symbols: z.array(z.object({ name: z.string(), kind: z.string(), container: z.string().nullable(), startLine: z.number(), endLine: z.number() })),
            partial: z.boolean(),
          }),
        },
      },
      handler: async (c, { params, query }) => c.json(await fileOutline(db, orgActorOf(c), { repository: params.repository, path: query.path })),
    });
}
