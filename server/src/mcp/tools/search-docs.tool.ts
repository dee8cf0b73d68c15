/**
 * search_docs: the organisation's documents (Confluence pages) matching a query, best first,
 * each cited by its URL and version with its matching lines; read_doc reads on.
 */
import { z } from "zod";
import { parseOrThrow } from "../../search/index.js";
import { clip, fitLines } from "../budget.js";
import type { ToolContext } from "./context.js";
import type { ToolDefinition } from "./tool.js";

const input = z.object({
  query: z.string().min(1).max(1000).describe('Words, "phrases", /regex/; -word excludes.'),
  space: z
    .string()
    .regex(/^~?[A-Za-z0-9_]{1,255}$/, "a Confluence space key")
    .optional()
    .describe("Space key."),
  limit: z.number().int().min(1).max(20).optional().describe("Default 8."),
});

/** The tool. */
export const searchDocsTool: ToolDefinition<z.infer<typeof input>> = {
  name: "search_docs",
  description: "Search documentation (Confluence pages), cited by URL and version; read one with read_doc.",
  inputSchema: input,
  async run(ctx: ToolContext, args) {
    const query = parseOrThrow(`type:doc ${args.space ? `space:${args.space} ` : ""}${args.query}`);
    const found = await ctx.documents.search(ctx.scope, query, args.limit ?? 8);
    const lines: string[] = [];
    for (const d of found.documents) {
      lines.push(`${d.id}  ${d.title} [${d.space.key}] ${d.citation}${d.author ? ` by ${d.author}` : ""}, updated ${d.updatedAt.slice(0, 10)}`);
      for (const l of d.lines) if (l.line > 1) lines.push(`  ${l.line}: ${clip(l.text.trim())}`);
    }
    const fitted = fitLines(lines);
    const none = `No documents match "${args.query}"${args.space ? ` in space ${args.space}` : ""}.`;
    return {
      text: [
        fitted.text || none,
        found.partial ? "More documents matched than were ranked: add words or space." : "",
        fitted.truncated ? "Output cut to fit the budget." : "",
      ]
        .filter(Boolean)
        .join("\n"),
      structured: {
        documents: found.documents.map((d) => ({ id: d.id, title: d.title, space: d.space.key, citation: d.citation })),
        partial: found.partial,
      },
      unanswered: found.documents.length === 0 ? args.query : undefined,
    };
  },
};
