/**
 * The zod schemas of the search routes' responses (search.route.ts): what the OpenAPI
 * document says each answers. Request schemas stay beside their routes.
 */
import { z } from "zod";
import { MAX_FACET_VALUES } from "./result-page.js";

const lineSchema = z.object({
  line: z.number(),
  text: z.string(),
  ranges: z.array(z.tuple([z.number(), z.number()])).optional(),
  context: z.literal(true).optional(),
});
const repoRef = z.object({ id: z.string(), name: z.string() });
const facetCount = z.object({ value: z.string().nullable().describe("Repository name or language id; null: no detected language"), count: z.number() });

/** GET /search: a page of files (or, for type:doc, documents). */
export const searchResponse = z.object({
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
  mode: z.enum(["query", "question"]).describe("Which mode ran: the query language, or a question in words (files ranked for it)"),
  notes: z.array(z.string()).optional().describe("Questions: what shaped the answer (a repository it was scoped to, embeddings unavailable)"),
});

/** GET /symbols. */
export const symbolsResponse = z.object({ symbols: z.array(z.record(z.string(), z.unknown())) });

/** GET /references. */
export const referencesResponse = z.object({ references: z.array(z.record(z.string(), z.unknown())), partial: z.boolean() });

/** GET .../files. */
export const fileListResponse = z.object({
  repository: z.record(z.string(), z.unknown()),
  files: z.array(z.object({ path: z.string(), language: z.string().nullable(), size: z.number() })),
  nextCursor: z.string().nullable(),
});

/** GET .../file. */
export const fileContentResponse = z.object({
  repository: z.object({ id: z.string(), name: z.string(), commit: z.string() }),
  path: z.string(),
  language: z.string().nullable(),
  totalLines: z.number(),
  startLine: z.number(),
  endLine: z.number(),
  lines: z.array(z.object({ line: z.number(), text: z.string() })),
});

/** GET .../outline. */
export const outlineResponse = z.object({
  repository: z.object({ id: z.string(), name: z.string(), commit: z.string() }),
  path: z.string(),
  symbols: z.array(z.object({ name: z.string(), kind: z.string(), container: z.string().nullable(), startLine: z.number(), endLine: z.number() })),
  partial: z.boolean(),
});
