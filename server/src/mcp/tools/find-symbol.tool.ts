/**
 * find_symbol: definitions by name with kind, container and signature.
 */
import { z } from "zod";
import { cite, clip, fitItems } from "../budget.js";
import type { ToolContext } from "./context.js";
import type { ToolDefinition } from "./tool.js";

const input = z.object({
  name: z.string().min(1).max(200).describe("Symbol name."),
  match: z.enum(["exact", "prefix", "fuzzy"]).optional().describe("Name matching (default exact, case-insensitive)."),
  kind: z.string().max(50).optional().describe("function, method, class, interface, type, enum, struct, trait, module, constant..."),
  repo: z.string().max(200).optional().describe("Repository name or id."),
  language: z.string().max(50).optional().describe("e.g. typescript, python, go."),
});

/** The tool. */
export const findSymbolTool: ToolDefinition<z.infer<typeof input>> = {
  name: "find_symbol",
  description: "Find where a function, class, type or other symbol is defined. Returns signatures with repo@commit:path:line.",
  inputSchema: input,
  async run(ctx: ToolContext, args) {
    const hits = await ctx.search.findSymbols(ctx.scope, {
      name: args.name,
      match: args.match ?? "exact",
      kinds: args.kind ? [args.kind] : undefined,
      repository: args.repo,
      language: args.language,
      limit: 50,
    });
    const fitted = fitItems(
      hits.map((h) => {
        const citation = cite(h.repository.name, h.repository.commit, h.path, h.startLine);
        return {
          text: `${citation}  ${h.kind}${h.container ? ` in ${h.container}` : ""}  ${clip(h.signature)}`,
          data: { citation, name: h.name, kind: h.kind, container: h.container, endLine: h.endLine },
        };
      }),
    );
    const notes = fitted.truncated ? ["Output cut to fit the budget; pass repo, kind or language."] : [];
    return {
      text: [fitted.text || `No definition of "${args.name}" found.${args.match ? "" : ' Try match: "prefix" or "fuzzy".'}`, ...notes].join("\n"),
      structured: { symbols: fitted.data },
      unanswered: hits.length === 0 ? args.name : undefined,
    };
  },
};
