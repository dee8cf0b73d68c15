/**
 * The shape of an MCP tool: zod schemas for input and (when a client program needs its
 * fields) output, and a run function that returns compact text plus structured content
 * (matching the output schema when there is one).
 */
import type { z } from "zod";
import type { ToolContext } from "./context.js";

/** One tool. `unanswered` is the query of a search that found nothing (kept for the admins' gap report). */
export interface ToolDefinition<I> {
  name: string;
  description: string;
  inputSchema: z.ZodType<I>;
  /**
   * Declared only when a client program needs the structured fields (a cursor, the next line,
   * a conversation id): every schema is paid for in each agent's context (tools/list).
   */
  outputSchema?: z.ZodObject<z.ZodRawShape>;
  run(ctx: ToolContext, input: I): Promise<{ text: string; structured: Record<string, unknown>; unanswered?: string }>;
}
