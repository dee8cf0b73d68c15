/**
 * Typed request variables shared by every route and middleware, including who is calling
 * (set by the accounts capability's authentication middleware) and, on org routes, which
 * organisation the request acts in.
 */
import type { Logger } from "../logging.js";
import type { OrgRole } from "../org-roles.js";

/** The authenticated principal of a request. */
export interface Caller {
  /** How the request authenticated: a browser session cookie, an API key, or an OAuth access token (MCP only). */
  type: "session" | "api_key" | "oauth";
  userId: string;
  email: string;
  name: string;
  /** Set for API keys: the one organisation the key is valid for. */
  apiKey?: { id: string; orgId: string };
  /** Set for OAuth access tokens: the client (app) the user authorised and the granted scopes. */
  oauth?: { clientId: string; scopes: string[]; clientName?: string | null };
}

/**
 * A stable key for the caller's fair share (platform/fair-share.ts): each API key, each OAuth
 * client of a user, and each user's browser sessions count on their own.
 */
export function callerKey(caller: Caller): string {
  if (caller.apiKey) return `api_key:${caller.apiKey.id}`;
  if (caller.oauth) return `oauth:${caller.oauth.clientId}:${caller.userId}`;
  return `user:${caller.userId}`;
}

/** The organisation an org-scoped request acts in, and the caller's role there. */
export interface OrgContext {
  orgId: string;
  slug: string;
  name: string;
  role: OrgRole;
}

/** Hono environment of the public app. */
export interface AppEnv {
  Variables: {
    /** Correlation id, echoed in `x-request-id` and in error bodies. */
    requestId: string;
    /** Request-scoped logger carrying the request id. */
    logger: Logger;
    /** Client IP (socket address, or the forwarded one behind a trusted proxy). */
    clientIp: string;
    /** Set when the request carries valid credentials. */
    caller?: Caller;
    /** Set on /api/v1/orgs/{orgSlug}/... routes after the membership check. */
    org?: OrgContext;
  };
}
