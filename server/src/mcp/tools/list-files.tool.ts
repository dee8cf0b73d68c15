/**
 * list_files: paths of indexed files, by glob, in one repository or all.
 */
import { z } from "zod";
import { filesCursorAfter } from "../../search/index.js";
import { fitItems } from "../budget.js";
import type { ToolContext } from "./context.js";
import type { ToolDefinition } from "./tool.js";

const input = z.object({
  repo: z.string().min(1).max(200).optional().describe("Repository name or id (default: all)."),
  glob: z.string().max(300).optional().describe('Glob such as "src/**/*.ts" or "*.md".'),
  limit: z.number().int().min(1).max(1000).optional().describe("Paths to return (default 200)."),
  cursor: z.string().max(2000).optional().describe("nextCursor from a previous call (one repository only)."),
});

/** The tool. */
export const listFilesTool: ToolDefinition<z.infer<typeof input>> = {
  name: "list_files",
  description: "List indexed file paths, optionally filtered by a glob.",
  inputSchema: input,
  outputSchema: z.object({ files: z.array(z.object({ repository: z.string(), path: z.string() })), nextCursor: z.string().nullable() }),
  async run(ctx: ToolContext, args) {
    const repos = await ctx.search.findRepositories(ctx.scope, args.repo);
    const limit = args.limit ?? 200;
    const files: { repository: string; path: string }[] = [];
    let nextCursor: string | null = null;
    for (const repo of repos) {
      if (files.length >= limit) break;
      const page = await ctx.search.listFiles(ctx.scope, {
        repository: repo.id,
        glob: args.glob,
        limit: limit - files.length,
        cursor: repos.length === 1 ? args.cursor : undefined,
      });
      files.push(...page.files.map((f) => ({ repository: repo.name, path: f.path })));
      if (repos.length === 1) nextCursor = page.nextCursor;
    }
    const multi = repos.length > 1;
    const fitted = fitItems(files.map((f) => ({ text: multi ? `${f.repository}:${f.path}` : f.path, data: f })));
    const notes = [];
    // Cut to fit: one repository continues after the last path shown.
    const lastShown = fitted.data.at(-1);
    if (fitted.truncated && repos.length === 1 && lastShown) nextCursor = filesCursorAfter(lastShown.path);
    if (nextCursor) notes.push(`More: call again with cursor "${nextCursor}".`);
    if (fitted.truncated && repos.length > 1) notes.push("Output cut to fit the budget; pass repo (then a cursor continues) or a narrower glob.");
    if (files.length === 0) notes.push(repos.length === 0 ? "No indexed repositories yet." : "No files match.");
    return { text: [fitted.text, ...notes].filter(Boolean).join("\n"), structured: { files: fitted.data, nextCursor } };
  },
};
