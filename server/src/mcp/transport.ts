/**
 * The MCP transport as ctxpipe serves it: the SDK's web-standard Streamable HTTP transport in
 * stateless mode with JSON responses (no sessions, no server-sent streams), one server per
 * request. Shared by the /mcp route and the conformance fixture, so both exercise the same
 * code path.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";

/**
 * Handles one POST: connects a fresh server to a fresh transport, answers, and closes both.
 * Notification-only requests are answered 202 by the transport.
 */
export async function handleMcpRequest(request: Request, server: McpServer): Promise<Response> {
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  await server.connect(transport);
  try {
    return await transport.handleRequest(request);
  } finally {
    await server.close().catch(() => {});
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
