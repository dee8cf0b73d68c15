/**
 * The shape of an MCP tool: zod schemas for input and output, and a run function that
 * returns compact text plus structured content matching the output schema.
 */
import type { z } from "zod";
import type { ToolContext } from "./context.js";

/** One tool. `unanswered` is the query of a search that found nothing (kept for the admins' gap report). */
export interface ToolDefinition<I> {
  name: string;
  description: string;
  inputSchema: z.ZodType<I>;
  outputSchema: z.ZodObject<z.ZodRawShape>;
  run(ctx: ToolContext, input: I): Promise<{ text: string; structured: Record<string, unknown>; unanswered?: string }>;
}
