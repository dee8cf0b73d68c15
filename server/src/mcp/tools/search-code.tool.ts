/**
 * search_code: the query language of the REST search (literals, "phrases", /regex/, repo:,
 * file:, lang:, sym:, case:yes, -negation, or), compact results with citations. The text
 * carries the matching lines; the structured content only their numbers.
 */
import { z } from "zod";
import { compileTextPattern, parseOrThrow, type SearchResponse } from "../../search/index.js";
import { cite, clip, fitItems } from "../budget.js";
import { indexingNote, type ToolContext } from "./context.js";
import type { ToolDefinition } from "./tool.js";

const input = z.object({
  query: z
    .string()
    .min(1)
    .max(1000)
    .describe(
      'Literal text by default; "exact phrase"; /regex/; filters repo:NAME file:REGEX lang:LANG sym:NAME case:yes; -term excludes; "or" between alternatives.',
    ),
  limit: z.number().int().min(1).max(50).optional().describe("Files to return (default 10)."),
  cursor: z.string().max(200).optional().describe("nextCursor from a previous call, for more results."),
  // The enum says it all (every character of the tool list costs each agent): auto detects prose.
  mode: z.enum(["auto", "query", "question"]).optional().describe("question: rank files for a question in words; auto (default) detects prose."),
});

/** The tool. */
export const searchCodeTool: ToolDefinition<z.infer<typeof input>> = {
  name: "search_code",
  description:
    "Search code in all indexed repositories. Returns files with matching lines as repo@commit:path:line. Use sym: to find definitions, file:/lang:/repo: to narrow.",
  inputSchema: input,
  outputSchema: z.object({
    results: z.array(
      z.object({
        citation: z.string().describe("repo@commit:path"),
        lines: z.array(z.number()).describe("Matching line numbers; their text is in the text content."),
      }),
    ),
    nextCursor: z.string().nullable(),
    partial: z.boolean(),
  }),
  async run(ctx: ToolContext, args) {
    const response = await ctx.search.search(ctx.scope, {
      query: args.query,
      limit: args.limit ?? 10,
      cursor: args.cursor,
      mode: args.mode,
      context: 0,
      budgetMs: ctx.searchBudgetMs,
      withIndexing: true,
    });
    if (response.documents) return presentDocuments(args.query, response);
    const fitted = fitItems(
      response.results.map((r) => {
        const citation = cite(r.repository.name, r.commit, r.path);
        const lines = r.lines.filter((l) => !l.context).slice(0, 8);
        return {
          text: [citation + (lines.length === 0 ? "  (path match)" : ""), ...lines.map((l) => `  ${l.line}: ${clip(l.text.trim())}`)].join("\n"),
          data: { citation, lines: lines.map((l) => l.line) },
        };
      }),
    );
    const results = fitted.data;
    const empty = response.results.length === 0 ? (response.stats.searchedRepositories === 0 ? "No indexed repositories to search yet." : "No matches.") : "";
    const tail: string[] = [];
    if (response.notes) tail.push(...response.notes.map((n) => `Note: ${n}.`));
    if (response.partial && response.mode === "query")
      tail.push(`Results are partial (${response.partialReason}); narrow the query with file:, lang: or repo:.`);
    if (response.nextCursor) tail.push(`More results: call again with cursor "${response.nextCursor}".`);
    if (fitted.truncated) tail.push("Output cut to fit the budget; use a smaller limit or a narrower query.");
    // Failed repositories are named only when they could matter: nothing was found, or the
    // query's repo: filter names one (not on every answer).
    const repoFilters = response.mode === "query" ? parseOrThrow(args.query).repos : [];
    const failed = (name: string) => response.results.length === 0 || repoFilters.some((r) => repoFilterMatches(r, name));
    const note = await indexingNote(ctx, { failed, listed: response.indexing });
    if (note) tail.push(note);
    return {
      text: [fitted.text || empty, ...tail].filter(Boolean).join("\n"),
      structured: { results, nextCursor: response.nextCursor, partial: response.partial },
      unanswered: response.results.length === 0 && response.stats.searchedRepositories > 0 ? args.query : undefined,
    };
  },
};

/** Whether a `repo:` value (a case-insensitive regex, as the search applies it; run by RE2, linear time) names `name`. */
function repoFilterMatches(filter: string, name: string): boolean {
  try {
    let found = false;
    compileTextPattern({ kind: "regex", value: filter }, false).scan(name, 1, () => {
      found = true;
    });
    return found;
  } catch {
    return name.toLowerCase().includes(filter.toLowerCase());
  }
}

/**
 * A `type:doc` answer: each document cited by URL and version with its matching lines, as
 * search_docs shows them (its id, for read_doc, in the text); `results` holds the citations.
 */
function presentDocuments(query: string, response: SearchResponse) {
  const documents = response.documents ?? [];
  const fitted = fitItems(
    documents.map((d) => {
      const lines = d.lines.filter((l) => l.line > 1).slice(0, 8);
      return {
        text: [`${d.id}  ${d.title} [${d.space.key}] ${d.citation}`, ...lines.map((l) => `  ${l.line}: ${clip(l.text.trim())}`)].join("\n"),
        data: { citation: d.citation, lines: d.lines.map((l) => l.line) },
      };
    }),
  );
  const tail: string[] = [];
  if (response.partial) tail.push("More documents matched than were ranked: add words or space:.");
  if (fitted.truncated) tail.push("Output cut to fit the budget; use a smaller limit or a narrower query.");
  return {
    text: [fitted.text || "No documents match.", ...tail].join("\n"),
    structured: { results: fitted.data, nextCursor: response.nextCursor, partial: response.partial },
    unanswered: documents.length === 0 ? query : undefined,
  };
}
