/**
 * The MCP endpoint, POST {AUTH_BASE_URL}/mcp?orgSlug=<slug>: Streamable HTTP (stateless; JSON
 * responses, or a stream for ctx_advisor's progress) with the official SDK's web-standard
 * transport. This file holds only the JSON-RPC specifics: Origin (DNS-rebinding defence),
 * orgSlug, refusals as JSON-RPC errors (401 with WWW-Authenticate pointing at the
 * protected-resource metadata, 404, 429 and 503 with Retry-After, mapped by `toAppError`),
 * one message per POST (no batches), streaming and cancellation. The caller and membership come
 * from accounts' `resolveOrgScope`, as for REST's org routes; the tools get the capabilities'
 * service objects. GET and DELETE answer 405: no server-sent streams and no sessions.
 */
import { Hono, type Context } from "hono";
import { mcpResource, OAUTH_SCOPES, oauthIssuer, type Accounts } from "../accounts/index.js";
import { type AppError, toAppError } from "../platform/errors.js";
import type { FairShare } from "../platform/fair-share.js";
import { callerKey, type AppEnv } from "../platform/http/app-env.js";
import { isEventStream, whenBodyEnds } from "../platform/http/event-stream.js";
import type { ToolServices } from "./tools/context.js";
import { buildMcpServer } from "./mcp-server.js";
import { handleMcpRequest, methodNotAllowed, summarise } from "./transport.js";
import type { McpUsage, UsageClient } from "./usage.service.js";

/** Path of the RFC 9728 protected-resource metadata for /mcp. */
export const PROTECTED_RESOURCE_PATH = "/.well-known/oauth-protected-resource/mcp";

function rpcError(c: Context<AppEnv>, status: 400 | 401 | 403 | 404 | 429 | 503, code: number, message: string, headers: Record<string, string> = {}) {
  for (const [k, v] of Object.entries(headers)) c.header(k, v);
  return c.json({ jsonrpc: "2.0", error: { code, message }, id: null }, status);
}

/** Dependencies of the MCP route. */
export interface McpDependencies {
  accounts: Pick<Accounts, "resolveOrgScope">;
  baseUrl: string;
  allowedOrigins: string[];
  /** Each request runs within the caller's and organisation's fair share. */
  share: FairShare;
  /** The services the tools call (and the agent loop, for ctx_advisor). */
  tools: ToolServices;
  /** Counts each request's tool calls. */
  usage: Pick<McpUsage, "recorder">;
}

/** The /mcp route group and its protected-resource metadata. */
export function mcpRoutes(deps: McpDependencies) {
  const resourceMetadata = `${deps.baseUrl}${PROTECTED_RESOURCE_PATH}`;
  // Streamed calls running in this process, by organisation, caller and JSON-RPC id: the
  // client's notifications/cancelled (a separate POST, as the transport is stateless) aborts one.
  const streamed = new Map<string, AbortController>();
  const streamKey = (orgId: string, caller: string, id: string | number) => JSON.stringify([orgId, caller, id]);
  const challenge = (error?: string) => ({
    "WWW-Authenticate": `Bearer resource_metadata="${resourceMetadata}"${error ? `, error="${error}"` : ""}`,
  });
  // RFC 9728: clients discover the authorisation server (and the scopes to ask for) here.
  const metadata = {
    resource: mcpResource(deps.baseUrl),
    resource_name: "ctxpipe",
    authorization_servers: [oauthIssuer(deps.baseUrl)],
    scopes_supported: [...OAUTH_SCOPES],
    bearer_methods_supported: ["header"],
    resource_documentation: `${deps.baseUrl}/api/v1/docs`,
  };

  return (
    new Hono<AppEnv>()
      // Public discovery documents: any origin may read them (browser-based MCP clients), as the
      // authorisation server's metadata.
      .get(PROTECTED_RESOURCE_PATH, (c) => c.json(metadata, 200, { "Access-Control-Allow-Origin": "*" }))
      .get("/.well-known/oauth-protected-resource", (c) => c.json(metadata, 200, { "Access-Control-Allow-Origin": "*" }))
      .on(["GET", "DELETE", "PUT", "PATCH"], "/mcp", () => methodNotAllowed())
      .post("/mcp", async (c) => {
        try {
          return await serve(c);
        } catch (err) {
          const known = toAppError(err);
          const answer = known && refusal(c, known);
          if (answer) return answer;
          throw err;
        }
      })
  );

  /**
   * A refusal before any tool runs (credentials 401, organisation 404, fair share 429, database
   * 503), as a JSON-RPC error; 429 and 503 with Retry-After. Undefined for any other error.
   */
  function refusal(c: Context<AppEnv>, err: AppError) {
    if (err.status === 401) {
      if (err.code === "unauthorized")
        return rpcError(c, 401, -32001, "Authentication required: send an API key (Authorization: Bearer ctx_...) or sign in with OAuth.", challenge());
      return rpcError(c, 401, -32001, err.message, challenge("invalid_token"));
    }
    if (err.status === 404) return rpcError(c, 404, -32001, `No organisation "${c.req.query("orgSlug")}" for this account.`);
    if (err.status !== 429 && err.status !== 503) return undefined;
    const retryAfter = (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds ?? 1;
    if (err.status === 503) c.get("logger").warn({ err }, "MCP request while the database is unavailable");
    return rpcError(c, err.status, -32000, err.message, { "Retry-After": String(retryAfter) });
  }

  async function serve(c: Context<AppEnv>) {
    const origin = c.req.header("origin");
    if (origin && !deps.allowedOrigins.includes(origin)) {
      return rpcError(c, 403, -32000, `Origin ${origin} is not allowed to use this MCP endpoint.`);
    }
    const slug = c.req.query("orgSlug");
    if (!slug) {
      return rpcError(c, 400, -32600, `Missing orgSlug: connect to ${deps.baseUrl}/mcp?orgSlug=<your organisation's slug>.`);
    }
    // The same caller and membership checks as REST's org routes (accounts' resolveOrgScope).
    const { caller, org } = await deps.accounts.resolveOrgScope(c.req.raw, slug, { oauth: true, clientIp: c.get("clientIp") });
    const log = c.get("logger").child({ orgId: org.orgId, authType: caller.type });
    const client: UsageClient = caller.apiKey
      ? { kind: "api_key", keyId: caller.apiKey.id }
      : caller.oauth
        ? { kind: "oauth", name: caller.oauth.clientName ?? null }
        : { kind: "session" };
    const usage = deps.usage.recorder(org.orgId, client, log);
    // The body is read before a slot is taken (a slow upload holds none), and a JSON-RPC batch
    // is refused: one POST is one message, so one slot bounds one tool call (MCP 2025-06-18
    // dropped batching too).
    const body = await c.req.text();
    if (body.trimStart().startsWith("[")) {
      return rpcError(c, 400, -32600, "JSON-RPC batches are not supported: send one message per request.");
    }
    const message = summarise(body);
    const key = callerKey(caller);
    if (message.cancels !== undefined) {
      // A cancellation takes no slot: it only frees one.
      streamed.get(streamKey(org.orgId, key, message.cancels))?.abort();
      return c.body(null, 202);
    }
    const cancel = message.streams && message.id !== undefined ? new AbortController() : undefined;
    const server = buildMcpServer({ ...deps.tools, scope: { orgId: org.orgId, userId: caller.userId }, signal: cancel?.signal }, log, usage.observe);
    const request = new Request(c.req.raw.url, { method: "POST", headers: c.req.raw.headers, body });
    // A call streaming its progress keeps its slot until the stream ends.
    const release = await deps.share.hold({ orgId: org.orgId, caller: key });
    let response: Response;
    try {
      response = await handleMcpRequest(request, server, { stream: message.streams });
    } catch (err) {
      release();
      throw err;
    }
    const finish = () => {
      release();
      return usage.flush();
    };
    if (isEventStream(response)) {
      const id = streamKey(org.orgId, key, message.id!);
      if (cancel) streamed.set(id, cancel);
      return whenBodyEnds(response, () => {
        if (streamed.get(id) === cancel) streamed.delete(id);
        void finish();
      });
    }
    await finish();
    return response;
  }
}
