/**
 * Identifies the caller of /api and /mcp requests and provides the access guards that
 * routes declare. Credentials, in order: an API key (`x-api-key`, or `Authorization: Bearer
 * ctx_...`), then any other bearer token as an OAuth access token (only where the caller
 * allows it: /mcp, the token's audience, and GET /api/v1/me), then the browser session cookie. A presented but
 * invalid key or token is a 401; it never falls back to the cookie. Failed keys and tokens
 * count per client IP (`credentialFailures`): an IP over the limit gets 429 before its next
 * key is looked at. Cookie-authenticated mutations must come from an allowed Origin.
 */
import { createHash } from "node:crypto";
import { createMiddleware } from "hono/factory";
import { databaseAnswers, databaseUnavailable } from "../../platform/db/db-errors.js";
import type { Database } from "../../platform/db/database.js";
import { AppError, forbidden, notFound, unauthorized } from "../../platform/errors.js";
import type { AccessGuards } from "../../platform/http/api-route.js";
import type { AppEnv, Caller, OrgContext } from "../../platform/http/app-env.js";
import type { OrgRole } from "../../platform/org-roles.js";
import type { FailureLimit, RateLimit } from "../../platform/rate-limit.js";
import { hasRole } from "../roles.js";
import { createOAuthTokenVerifier } from "../oauth/oauth-token.js";
import type { Auth } from "./better-auth.js";

/**
 * Failed credentials per client IP: unknown API keys, refused bearer tokens, unknown
 * invitation tokens. Keys and tokens are 240 to 256 bits of randomness, so this is defence in
 * depth against noise more than against guessing.
 */
export const CREDENTIAL_FAILURES_PER_IP = { name: "bad-credential-ip", max: 30, windowSeconds: 600 } satisfies RateLimit;

/** The one /api route that also accepts OAuth access tokens (GET only). */
export const OAUTH_READABLE_API_PATH = "/api/v1/me";

/** Prefix of every ctxpipe API key. */
export const API_KEY_PREFIX = "ctx_";

const SLUG = /^[a-z0-9][a-z0-9-]{1,31}$/;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** sha256 hex of an API key, as stored. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Reads an API key from x-api-key or a Bearer header carrying the ctx_ prefix. */
export function readApiKey(headers: Headers): string | undefined {
  const header = headers.get("x-api-key")?.trim();
  if (header) return header;
  const bearer = headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
  return bearer?.startsWith(API_KEY_PREFIX) ? bearer : undefined;
}

async function callerFromApiKey(db: Database, key: string): Promise<Caller> {
  if (key.length > 200 || !key.startsWith(API_KEY_PREFIX)) throw new AppError("invalid_api_key", 401, "The API key is not valid.");
  const { rows } = await db.app.query<{ key_id: string; org_id: string; user_id: string; email: string; name: string }>(
    `select k.key_id, k.org_id, k.user_id, u."email" as email, u."name" as name
     from ctxpipe_authenticate_api_key($1) k join auth."user" u on u."id" = k.user_id`,
    [hashApiKey(key)],
  );
  const row = rows[0];
  if (!row) throw new AppError("invalid_api_key", 401, "The API key is not valid, expired or revoked.");
  return { type: "api_key", userId: row.user_id, email: row.email, name: row.name, apiKey: { id: row.key_id, orgId: row.org_id } };
}

/** What `identify` accepts beyond API keys and the session cookie. */
export interface IdentifyOptions {
  /** Accept OAuth access tokens (issued for the MCP resource): true on /mcp only. */
  oauth?: boolean;
  /** The client's IP, under which failed keys and tokens are counted. */
  clientIp?: string;
}

/** The authentication middleware and the guards built on it. */
export function createAuthentication(deps: { auth: Auth; db: Database; allowedOrigins: string[]; baseUrl: string; credentialFailures: FailureLimit }) {
  const { auth, db } = deps;
  const verifyOAuthAccessToken = createOAuthTokenVerifier({ auth, db, baseUrl: deps.baseUrl });

  /**
   * The caller of a request, or undefined without credentials.
   * @throws AppError 401 (invalid key or token), 403 csrf_failed.
   */
  const identify = async (request: Request, options: IdentifyOptions = {}): Promise<Caller | undefined> => {
    const key = readApiKey(request.headers);
    const authorization = request.headers.get("authorization");
    if (!key && !authorization) return fromCookie(request);
    const ip = options.clientIp ?? "";
    await deps.credentialFailures.assertAllowed(ip);
    try {
      return await fromCredential(key, authorization, options);
    } catch (err) {
      // A refused key or token counts against the IP; an expired token of ours is no guess.
      if (err instanceof AppError && err.status === 401 && !(err.details as { expired?: boolean } | undefined)?.expired) {
        await deps.credentialFailures.recordFailure(ip);
      }
      throw err;
    }
  };

  /** The caller behind an API key or bearer token. */
  const fromCredential = async (key: string | undefined, authorization: string | null, options: IdentifyOptions): Promise<Caller> => {
    if (key) return callerFromApiKey(db, key);
    // A bearer credential that is not an API key: an OAuth access token where allowed,
    // otherwise refused. Never fall back to the cookie.
    const token = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (token && options.oauth) return verifyOAuthAccessToken(token);
    throw new AppError(
      "invalid_token",
      401,
      options.oauth ? "The bearer token is not valid." : "The bearer token is not valid here: OAuth access tokens are for /mcp; use an API key.",
    );
  };

  /** The signed-in user of the session cookie, if any. */
  const fromCookie = async (request: Request): Promise<Caller | undefined> => {
    if (request.headers.get("cookie")) {
      const session = await auth.api.getSession({ headers: request.headers }).catch(async (err: unknown) => {
        // Better Auth wraps a failed database call in its own error, without the cause.
        throw (await databaseAnswers(db.unsafeSystem)) ? err : databaseUnavailable(err);
      });
      if (session) {
        if (!SAFE_METHODS.has(request.method)) assertSameOrigin(request.headers, deps.allowedOrigins);
        return { type: "session", userId: session.user.id, email: session.user.email, name: session.user.name };
      }
    }
    return undefined;
  };

  const authenticate = createMiddleware<AppEnv>(async (c, next) => {
    // GET /api/v1/me also takes an OAuth access token: who you are and your organisations, read
    // only, which a device-flow client (`ctxpipe-connect init`) needs to pick an organisation.
    const oauth = c.req.method === "GET" && c.req.path === OAUTH_READABLE_API_PATH;
    const caller = await identify(c.req.raw, { clientIp: c.get("clientIp"), oauth });
    if (caller) c.set("caller", caller);
    return next();
  });

  const requireCaller = createMiddleware<AppEnv>(async (c, next) => {
    if (!c.get("caller")) throw unauthorized();
    return next();
  });

  const requireSession = createMiddleware<AppEnv>(async (c, next) => {
    const caller = c.get("caller");
    if (!caller) throw unauthorized();
    if (caller.type !== "session") throw new AppError("session_required", 403, "This action needs a signed-in user, not an API key.");
    return next();
  });

  /**
   * The caller's membership in the org `slug`.
   * @throws not_found when there is no such org, the caller is not a member, or an API key
   *   belongs to another org (all look the same).
   */
  const resolveOrg = async (caller: Caller, slug: string): Promise<OrgContext> => {
    if (!SLUG.test(slug)) throw notFound("organization");
    const { rows } = await db.app.query<{ org_id: string; org_slug: string; org_name: string; role: OrgRole }>(
      "select * from ctxpipe_find_membership($1, $2)",
      [slug, caller.userId],
    );
    const membership = rows[0];
    if (!membership || (caller.apiKey && caller.apiKey.orgId !== membership.org_id)) throw notFound("organization");
    return { orgId: membership.org_id, slug: membership.org_slug, name: membership.org_name, role: membership.role };
  };

  /**
   * The caller of a request and their membership in the org `slug`: the REST org guard (with
   * the caller the authentication middleware found) and the MCP endpoint both resolve an
   * org-scoped request here.
   * @throws AppError unauthorized (401, no credentials), invalid_api_key / invalid_token (401),
   *   not_found (404, no such org for this caller), csrf_failed (403).
   */
  const resolveOrgScope = async (request: Request, slug: string, options: IdentifyOptions & { caller?: Caller } = {}) => {
    const caller = options.caller ?? (await identify(request, options));
    if (!caller) throw unauthorized();
    return { caller, org: await resolveOrg(caller, slug) };
  };

  const requireOrg = (minRole: OrgRole) =>
    createMiddleware<AppEnv>(async (c, next) => {
      const caller = c.get("caller");
      if (!caller) throw unauthorized();
      const { org } = await resolveOrgScope(c.req.raw, c.req.param("orgSlug") ?? "", { caller });
      if (!hasRole(org.role, minRole)) throw forbidden(`This needs the ${minRole} role or higher.`);
      c.set("org", org);
      return next();
    });

  const guards: AccessGuards = { requireCaller, requireSession, requireOrg };
  return { authenticate, guards, identify, resolveOrg, resolveOrgScope };
}

/** CSRF defence for cookie-authenticated mutations: the Origin must be one of ours. */
function assertSameOrigin(headers: Headers, allowedOrigins: string[]): void {
  const origin = headers.get("origin");
  if (origin ? allowedOrigins.includes(origin) : headers.get("sec-fetch-site") === "same-origin") return;
  throw new AppError("csrf_failed", 403, "Cross-site request refused: send it from the ctxpipe origin, or use an API key.");
}
