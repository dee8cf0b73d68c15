/**
 * find_references: whole-word uses of a name, definitions excluded.
 */
import { z } from "zod";
import { cite, clip, fitItems } from "../budget.js";
import type { ToolContext } from "./context.js";
import type { ToolDefinition } from "./tool.js";

const input = z.object({
  name: z.string().min(1).max(200).describe("Identifier to find uses of."),
  repo: z.string().max(200).optional().describe("Repository name or id."),
  limit: z.number().int().min(1).max(200).optional().describe("Most references (default 50)."),
});

/** The tool. */
export const findReferencesTool: ToolDefinition<z.infer<typeof input>> = {
  name: "find_references",
  description: "Find lines that use an identifier (whole word, case-sensitive), excluding its definitions.",
  inputSchema: input,
  async run(ctx: ToolContext, args) {
    const { references, partial } = await ctx.search.findReferences(ctx.scope, { name: args.name, repository: args.repo, limit: args.limit ?? 50 });
    const fitted = fitItems(
      references.map((r) => {
        const citation = cite(r.repository.name, r.repository.commit, r.path, r.line);
        return { text: `${citation}  ${clip(r.text.trim())}`, data: { citation } };
      }),
    );
    const notes = [];
    if (partial) notes.push("More references exist; pass repo or a higher limit.");
    if (fitted.truncated) notes.push("Output cut to fit the budget.");
    return {
      text: [fitted.text || `No references to "${args.name}" found.`, ...notes].join("\n"),
      structured: { references: fitted.data, partial },
      unanswered: references.length === 0 ? args.name : undefined,
    };
  },
};
