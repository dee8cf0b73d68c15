/**
 * read_file: numbered lines of an indexed file, bounded; says how to read on. The lines are in
 * the text only; the structured content says which range it holds.
 */
import { z } from "zod";
import { MAX_LINE_NUMBER } from "../../search/index.js";
import { cite, clip, fitLines } from "../budget.js";
import type { ToolContext } from "./context.js";
import type { ToolDefinition } from "./tool.js";

/** Most lines per call. */
const MAX_LINES = 400;

const input = z.object({
  repo: z.string().min(1).max(200).describe("Repository name (from list_repositories) or id."),
  path: z.string().min(1).max(4096).describe("File path inside the repository."),
  startLine: z.number().int().min(1).max(MAX_LINE_NUMBER).optional().describe("First line (1-based, default 1)."),
  endLine: z.number().int().min(1).max(MAX_LINE_NUMBER).optional().describe(`Last line (at most ${MAX_LINES} lines per call).`),
});

/** The tool. */
export const readFileTool: ToolDefinition<z.infer<typeof input>> = {
  name: "read_file",
  description: `Read an indexed file with line numbers, up to ${MAX_LINES} lines per call.`,
  inputSchema: input,
  outputSchema: z.object({
    citation: z.string(),
    totalLines: z.number(),
    startLine: z.number(),
    endLine: z.number(),
    nextStartLine: z.number().nullable(),
  }),
  async run(ctx: ToolContext, args) {
    const [repo] = await ctx.search.findRepositories(ctx.scope, args.repo);
    const start = args.startLine ?? 1;
    const end = Math.min(args.endLine ?? start + MAX_LINES - 1, start + MAX_LINES - 1);
    const file = await ctx.search.readFile(ctx.scope, { repository: repo!.id, path: args.path, startLine: start, endLine: end });
    const width = String(file.endLine).length;
    const fitted = fitLines(file.lines.map((l) => `${String(l.line).padStart(width)}  ${clip(l.text, 1000)}`));
    const shownEnd = file.lines[fitted.text.split("\n").length - 1]?.line ?? file.endLine;
    const lastShown = fitted.truncated ? shownEnd : file.endLine;
    const next = lastShown < file.totalLines ? lastShown + 1 : null;
    const header = `${cite(file.repository.name, file.repository.commit, file.path, file.startLine)}-${lastShown} of ${file.totalLines} lines`;
    const footer = next ? `More: read_file with startLine ${next}.` : "";
    return {
      text: [header, fitted.text, footer].filter(Boolean).join("\n"),
      structured: {
        citation: cite(file.repository.name, file.repository.commit, file.path),
        totalLines: file.totalLines,
        startLine: file.startLine,
        endLine: lastShown,
        nextStartLine: next,
      },
    };
  },
};
