/**
 * Builds an MCP server (official SDK) for one request: the tools bound to the caller's org
 * scope, advertising only the tools capability (no listChanged: nothing could be sent). Tool failures become MCP tool errors with a message an agent can act on; internal
 * errors are masked and logged.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ListToolsRequestSchema, type Tool } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { toAppError } from "../platform/errors.js";
import { nulFieldOf } from "../platform/input-text.js";
import type { Logger } from "../platform/logging.js";
import { VERSION } from "../platform/version.js";
import type { ToolContext } from "./tools/context.js";
import { TOOLS } from "./tools/index.js";
import { inSpan } from "../platform/telemetry/spans.js";

/** Called after each tool call, for logs and usage counts. */
export type ToolCallObserver = (call: { tool: string; ok: boolean; ms: number; unanswered?: string }) => void;

const INSTRUCTIONS =
  "ctxpipe serves this organisation's indexed source code. Start with list_repositories, then search_code " +
  "(literal text, /regex/, sym:NAME, file:, lang:, repo:), read_file for more lines, find_symbol and " +
  "find_references to navigate. For the organisation's context use get_context (packages, services, APIs, " +
  "decisions, owners), graph_neighbors (dependencies and dependents across repositories) and, before " +
  "editing a path, get_instructions. Cite results as repo@commit:path:line.";

/** Every tool only reads the organisation's own index. */
const TOOL_ANNOTATIONS = { readOnlyHint: true, openWorldHint: false };

/** JSON Schema of a zod schema, as the SDK would list it, without `$schema` (MCP's default dialect is 2020-12). */
function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): Tool["inputSchema"] {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: "draft-2020-12", io }) as Record<string, unknown>;
  return rest as Tool["inputSchema"];
}

/** What tools/list answers, computed once: it only changes with a release. */
let listing: Tool[] | undefined;

/**
 * The tool list: names, descriptions, schemas and annotations, without what is a default
 * anyway (`$schema` 2020-12, `execution.taskSupport` forbidden). Every character is in each
 * agent's context (server/test/mcp/tool-list-size.test.ts keeps it under 10,000).
 */
export function toolListing(): Tool[] {
  listing ??= TOOLS.map((tool) => ({
    name: tool.name,
    description: tool.description,
    inputSchema: jsonSchemaOf(tool.inputSchema, "input"),
    ...(tool.outputSchema ? { outputSchema: jsonSchemaOf(tool.outputSchema, "output") } : {}),
    annotations: TOOL_ANNOTATIONS,
  }));
  return listing;
}

/** A server exposing the tools for `ctx`. */
export function buildMcpServer(ctx: ToolContext, logger: Logger, observe: ToolCallObserver): McpServer {
  const server = new McpServer({ name: "ctxpipe", version: VERSION }, { instructions: INSTRUCTIONS, capabilities: { tools: {} } });
  for (const tool of TOOLS) {
    server.registerTool(
      tool.name,
      {
        description: tool.description,
        inputSchema: tool.inputSchema,
        outputSchema: tool.outputSchema,
        annotations: TOOL_ANNOTATIONS,
      },
      async (args: unknown, extra) => {
        const started = performance.now();
        const token = extra._meta?.progressToken;
        const callCtx: ToolContext = {
          ...ctx,
          // The request's own signal, and the route's for a streamed call a client cancels.
          signal: ctx.signal ? AbortSignal.any([extra.signal, ctx.signal]) : extra.signal,
          progress:
            token === undefined
              ? undefined
              : (progress, message) => extra.sendNotification({ method: "notifications/progress", params: { progressToken: token, progress, message } }),
        };
        const nul = nulFieldOf(args);
        if (nul !== undefined) {
          observe({ tool: tool.name, ok: false, ms: 0 });
          return { isError: true, content: [{ type: "text" as const, text: `Invalid arguments: ${nul || "input"} must not contain NUL characters.` }] };
        }
        try {
          const result = await inSpan(`mcp.tool ${tool.name}`, { "mcp.tool.name": tool.name }, () => tool.run(callCtx, args ?? {}));
          observe({ tool: tool.name, ok: true, ms: performance.now() - started, unanswered: result.unanswered });
          return { content: [{ type: "text" as const, text: result.text }], structuredContent: result.structured };
        } catch (err) {
          observe({ tool: tool.name, ok: false, ms: performance.now() - started });
          const known = toAppError(err);
          const message = known?.expose ? known.message : "The tool failed because of an internal error; try again later.";
          if (!known?.expose) logger.error({ err, tool: tool.name }, "MCP tool failed");
          return { isError: true, content: [{ type: "text" as const, text: message }] };
        }
      },
    );
  }
  // The SDK's tools/list lists the same tools with their defaults spelled out; ours leaves
  // those out (they cost every agent context).
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: toolListing() }));
  // The SDK advertises tools.listChanged on the first registerTool, but this server is
  // stateless (one per request, no stream a notification could travel on) and its tool list
  // never changes while it runs: advertise only what it does.
  server.server.registerCapabilities({ tools: { listChanged: false } });
  return server;
}
