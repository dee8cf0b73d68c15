/**
 * read_doc: numbered lines of a document (a Confluence page, as text with headings, code
 * blocks and links kept), bounded; says how to read on and how to cite it.
 */
import { z } from "zod";
import { MAX_DOCUMENT_LINES } from "../../documents/index.js";
import { clip, fitLines } from "../budget.js";
import type { ToolContext } from "./context.js";
import type { ToolDefinition } from "./tool.js";

/** Most lines per call. */
const MAX_LINES = 400;

const input = z.object({
  id: z.string().regex(/^doc_[a-z0-9]{20}$/, "a document id from search_docs"),
  startLine: z.number().int().min(1).max(MAX_DOCUMENT_LINES).optional().describe("Default 1."),
  endLine: z.number().int().min(1).max(MAX_DOCUMENT_LINES).optional(),
});

/** The tool. */
export const readDocTool: ToolDefinition<z.infer<typeof input>> = {
  name: "read_doc",
  description: `Read a document from search_docs, numbered, up to ${MAX_LINES} lines per call.`,
  inputSchema: input,
  outputSchema: z.object({ citation: z.string(), totalLines: z.number(), startLine: z.number(), endLine: z.number(), nextStartLine: z.number().nullable() }),
  async run(ctx: ToolContext, args) {
    const start = args.startLine ?? 1;
    const end = Math.min(args.endLine ?? start + MAX_LINES - 1, start + MAX_LINES - 1);
    const doc = await ctx.documents.read(ctx.scope, { id: args.id, startLine: start, endLine: end });
    const width = String(doc.endLine).length;
    const fitted = fitLines(doc.lines.map((l) => `${String(l.line).padStart(width)}  ${clip(l.text, 1000)}`));
    const shown = fitted.text ? fitted.text.split("\n").length : 0;
    const lastShown = fitted.truncated ? (doc.lines[shown - 1]?.line ?? doc.endLine) : doc.endLine;
    const next = lastShown < doc.totalLines ? lastShown + 1 : null;
    const header = `${doc.title} [${doc.space.key}] ${doc.citation}, lines ${doc.startLine}-${lastShown} of ${doc.totalLines}`;
    return {
      text: [header, fitted.text, next ? `More: read_doc with startLine ${next}.` : ""].filter(Boolean).join("\n"),
      structured: { citation: doc.citation, totalLines: doc.totalLines, startLine: doc.startLine, endLine: lastShown, nextStartLine: next },
    };
  },
};
