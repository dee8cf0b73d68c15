/**
 * search_code: the query language of the REST search (literals, "phrases", /regex/, repo:,
 * file:, lang:, sym:, case:yes, -negation, or), compact results with citations.
 */
import { z } from "zod";
import { searchCode } from "../../search/index.js";
import { cite, clip, fitLines } from "../budget.js";
import { indexingNote, type ToolContext } from "./context.js";
import type { ToolDefinition } from "./tool.js";

const input = z.object({
  query: z
    .string()
    .min(1)
    .max(1000)
    .describe(
      'Search query. Literal text by default; "exact phrase"; /regex/; filters repo:NAME file:REGEX lang:LANG sym:NAME case:yes; -term excludes; "or" between alternatives.',
    ),
  limit: z.number().int().min(1).max(50).optional().describe("Files to return (default 10)."),
  cursor: z.string().max(200).optional().describe("nextCursor from a previous call, for more results."),
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
        citation: z.string(),
        repository: z.string(),
        commit: z.string(),
        path: z.string(),
        lines: z.array(z.object({ line: z.number(), text: z.string() })),
      }),
    ),
    nextCursor: z.string().nullable(),
    partial: z.boolean(),
  }),
  async run(ctx: ToolContext, args) {
    const response = await searchCode(ctx.db, ctx.scope, {
      query: args.query,
      limit: args.limit ?? 10,
      cursor: args.cursor,
      context: 0,
      budgetMs: ctx.searchBudgetMs,
    });
    const results = response.results.map((r) => ({
      citation: cite(r.repository.name, r.commit, r.path),
      repository: r.repository.name,
      commit: r.commit,
      path: r.path,
      lines: r.lines
        .filter((l) => !l.context)
        .slice(0, 8)
        .map((l) => ({ line: l.line, text: clip(l.text) })),
    }));
    const out: string[] = [];
    for (const r of results) {
      out.push(r.citation + (r.lines.length === 0 ? "  (path match)" : ""));
      for (const l of r.lines) out.push(`  ${l.line}: ${l.text.trim()}`);
    }
    if (results.length === 0) out.push(response.stats.searchedRepositories === 0 ? "No indexed repositories to search yet." : "No matches.");
    const fitted = fitLines(out);
    const tail: string[] = [];
    if (response.partial) tail.push(`Results are partial (${response.partialReason}); narrow the query with file:, lang: or repo:.`);
    if (response.nextCursor) tail.push(`More results: call again with cursor "${response.nextCursor}".`);
    if (fitted.truncated) tail.push("Output cut to fit the budget; use a smaller limit or a narrower query.");
    const note = await indexingNote(ctx);
    if (note) tail.push(note);
    return {
      text: [fitted.text, ...tail].filter(Boolean).join("\n"),
      structured: { results, nextCursor: response.nextCursor, partial: response.partial },
    };
  },
};
