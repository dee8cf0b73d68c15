/**
 * The MCP transport as ctxpipe serves it: the SDK's web-standard Streamable HTTP transport in
 * stateless mode (no sessions), one server per request. Answers are JSON, except for a call
 * that reports progress (ctx_advisor with a progress token), which answers with a server-sent
 * stream of its notifications and result. Shared by the /mcp route and the conformance
 * fixture, so both exercise the same code path.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { isEventStream, whenBodyEnds } from "../platform/http/event-stream.js";

/** Tools that report progress while they work, and so may answer with a stream. */
const PROGRESS_TOOLS = new Set(["ctx_advisor"]);

/** What the routing needs to know of one JSON-RPC message. */
export interface MessageSummary {
  /** The request's id, if it is a request. */
  id?: string | number;
  /** True when it calls a progress-reporting tool with a progress token (it may answer with a stream). */
  streams: boolean;
  /** The request id a `notifications/cancelled` message cancels. */
  cancels?: string | number;
}

/** Reads what the routing needs from a JSON-RPC message (a body that is not one gives an empty summary). */
export function summarise(body: string): MessageSummary {
  let message: { id?: unknown; method?: unknown; params?: { name?: unknown; requestId?: unknown; _meta?: { progressToken?: unknown } } } | undefined;
  try {
    message = JSON.parse(body);
  } catch {
    return { streams: false };
  }
  const idOf = (v: unknown) => (typeof v === "string" || typeof v === "number" ? v : undefined);
  return {
    id: idOf(message?.id),
    streams:
      message?.method === "tools/call" &&
      typeof message.params?.name === "string" &&
      PROGRESS_TOOLS.has(message.params.name) &&
      message.params._meta?.progressToken !== undefined,
    cancels: message?.method === "notifications/cancelled" ? idOf(message.params?.requestId) : undefined,
  };
}

/**
 * Handles one POST: connects a fresh server to a fresh transport, answers, and closes both
 * (a streamed answer closes them when its stream ends). Notification-only requests are
 * answered 202 by the transport.
 */
export async function handleMcpRequest(request: Request, server: McpServer, options: { stream?: boolean } = {}): Promise<Response> {
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: !options.stream });
  await server.connect(transport);
  let response: Response | undefined;
  try {
    response = await transport.handleRequest(request);
    return isEventStream(response) ? whenBodyEnds(response, () => void server.close().catch(() => {})) : response;
  } finally {
    if (!response || !isEventStream(response)) await server.close().catch(() => {});
  }
}

/** The answer to GET/DELETE on an MCP endpoint: 405, as this server keeps no streams or sessions. */
export function methodNotAllowed(): Response {
  return new Response(
    JSON.stringify({
      jsonrpc: "2.0",
      error: { code: -32000, message: "Method not allowed: this server answers POST only (no server-sent streams, no sessions)." },
      id: null,
    }),
    { status: 405, headers: { "content-type": "application/json", allow: "POST" } },
  );
}
