/**
 * The MCP endpoint, POST {AUTH_BASE_URL}/mcp?orgSlug=<slug>: Streamable HTTP (stateless; JSON
 * responses, or a stream for ctx_advisor's progress) with the official SDK's web-standard transport. Checks, in order: Origin
 * (DNS-rebinding defence), orgSlug, credentials (401 with WWW-Authenticate pointing at the
 * protected-resource metadata), membership (404). GET and DELETE answer 405: no server-sent
 * streams and no sessions.
 */
import { Hono, type Context } from "hono";
import { mcpResource, OAUTH_SCOPES, oauthIssuer, type Accounts } from "../accounts/index.js";
import type { Database } from "../platform/db/database.js";
import { databaseUnavailable, isDatabaseUnavailable } from "../platform/db/db-errors.js";
import { isAppError } from "../platform/errors.js";
import type { FairShare } from "../platform/fair-share.js";
import { callerKey, type AppEnv, type Caller } from "../platform/http/app-env.js";
import type { Advise } from "./tools/context.js";
import { buildMcpServer } from "./mcp-server.js";
import { isEventStream, whenBodyEnds } from "../platform/http/event-stream.js";
import { handleMcpRequest, methodNotAllowed, summarise } from "./transport.js";
import { recordUsage, type ToolCall, type UsageClient } from "./usage.service.js";

/** Path of the RFC 9728 protected-resource metadata for /mcp. */
export const PROTECTED_RESOURCE_PATH = "/.well-known/oauth-protected-resource/mcp";

function rpcError(c: Context<AppEnv>, status: 400 | 401 | 403 | 404 | 429 | 503, code: number, message: string, headers: Record<string, string> = {}) {
  for (const [k, v] of Object.entries(headers)) c.header(k, v);
  return c.json({ jsonrpc: "2.0", error: { code, message }, id: null }, status);
}

/** Dependencies of the MCP route. */
export interface McpDependencies {
  db: Database;
  accounts: Pick<Accounts, "identify" | "resolveOrg">;
  baseUrl: string;
  allowedOrigins: string[];
  /** Each request runs within the caller's and organisation's fair share. */
  share: FairShare;
  /** Time budget of a search_code call, in ms. */
  searchBudgetMs: number;
  /** The chat's agent loop, for ctx_advisor (conversations of source "mcp"). */
  advise?: Advise;
}

/**
 * A refusal the client can wait out (429 fair share, 503 database unavailable) as a JSON-RPC
 * error with Retry-After; undefined for any other error.
 */
function retryableRpcError(c: Context<AppEnv>, caught: unknown) {
  const err = isAppError(caught) ? caught : isDatabaseUnavailable(caught) ? databaseUnavailable(caught) : undefined;
  if (!err || (err.status !== 429 && err.status !== 503)) return undefined;
  const retryAfter = (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds ?? 1;
  if (err.status === 503) c.get("logger").warn({ err }, "MCP request while the database is unavailable");
  return rpcError(c, err.status, -32000, err.message, { "Retry-After": String(retryAfter) });
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
          const answer = retryableRpcError(c, err);
          if (answer) return answer;
          throw err;
        }
      })
  );

  async function serve(c: Context<AppEnv>) {
    const origin = c.req.header("origin");
    if (origin && !deps.allowedOrigins.includes(origin)) {
      return rpcError(c, 403, -32000, `Origin ${origin} is not allowed to use this MCP endpoint.`);
    }
    const slug = c.req.query("orgSlug");
    if (!slug) {
      return rpcError(c, 400, -32600, `Missing orgSlug: connect to ${deps.baseUrl}/mcp?orgSlug=<your organisation's slug>.`);
    }
    let caller: Caller | undefined;
    try {
      caller = await deps.accounts.identify(c.req.raw, { oauth: true, clientIp: c.get("clientIp") });
    } catch (err) {
      if (isAppError(err) && err.status === 401) return rpcError(c, 401, -32001, err.message, challenge("invalid_token"));
      throw err;
    }
    if (!caller)
      return rpcError(c, 401, -32001, "Authentication required: send an API key (Authorization: Bearer ctx_...) or sign in with OAuth.", challenge());
    let org: Awaited<ReturnType<typeof deps.accounts.resolveOrg>>;
    try {
      org = await deps.accounts.resolveOrg(caller, slug);
    } catch (err) {
      if (isAppError(err) && err.status === 404) return rpcError(c, 404, -32001, `No organisation "${slug}" for this account.`);
      throw err;
    }
    const log = c.get("logger").child({ orgId: org.orgId, authType: caller.type });
    const scope = { orgId: org.orgId, userId: caller.userId };
    const client: UsageClient = caller.apiKey
      ? { kind: "api_key", keyId: caller.apiKey.id }
      : caller.oauth
        ? { kind: "oauth", name: caller.oauth.clientName ?? null }
        : { kind: "session" };
    const record = async (calls: ToolCall[]) => {
      for (const call of calls) log.info({ tool: call.tool, ok: call.ok, ms: Math.round(call.ms) }, "mcp tool call");
      if (calls.length > 0) await recordUsage(deps.db, org.orgId, calls, client).catch((err: unknown) => log.warn({ err }, "could not record MCP usage"));
    };
    // Calls that finish after their stream ended (the client left) are recorded as they finish.
    const calls: ToolCall[] = [];
    let answered = false;
    const observe = (call: ToolCall) => {
      if (answered) void record([call]);
      else calls.push(call);
    };
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
    const server = buildMcpServer({ db: deps.db, scope, searchBudgetMs: deps.searchBudgetMs, advise: deps.advise, signal: cancel?.signal }, log, observe);
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
      answered = true;
      return record(calls.splice(0));
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
