/**
 * /.auth/*: Better Auth's endpoints (sign-up, sign-in, sign-out, password reset, social
 * sign-in callbacks, session, and the OAuth authorisation server: register, authorize,
 * consent, token, revoke, device), behind ctxpipe's own rate limits, plus GET /.auth/config
 * which tells the web app which sign-in methods are on, and the RFC 8414 / OpenID discovery
 * documents under /.well-known. Browser navigations to the OAuth pages (/.auth/sign-in,
 * /.auth/consent, /.auth/device) fall through to the web app.
 */
import { oauthProviderAuthServerMetadata, oauthProviderOpenIdConfigMetadata } from "@better-auth/oauth-provider";
import { Hono, type Context, type Next } from "hono";
import type pg from "pg";
import type { SignUpRule } from "../../platform/config/config.js";
import { databaseAnswers, databaseUnavailable } from "../../platform/db/db-errors.js";
import { AppError, badRequest, isAppError, notFound } from "../../platform/errors.js";
import type { AppEnv } from "../../platform/http/app-env.js";
import { consumeRateLimit, type RateLimit } from "../../platform/rate-limit.js";
import { isSpaAuthPage } from "../../platform/http/static-web.js";
import type { Logger } from "../../platform/logging.js";
import { sweepUnusedOAuthClients } from "../oauth/oauth-app.service.js";
import { checkClientMetadata, preferNativeClient } from "../oauth/client-registration.js";
import { authorizationCodeOf, watchCodeExchange } from "../oauth/code-reuse.js";
import { authBodyOf, fieldKey } from "./auth-body.js";
import { CLIENT_IP_HEADER, MIN_PASSWORD_LENGTH, type Auth } from "./better-auth.js";

/** Limits on the endpoints that guess or send things. Per IP, and per account where known. */
export const AUTH_RATE_LIMITS = {
  signInPerIp: { name: "sign-in-ip", max: 30, windowSeconds: 600 },
  signInPerAccount: { name: "sign-in-account", max: 10, windowSeconds: 600 },
  signUpPerIp: { name: "sign-up-ip", max: 10, windowSeconds: 3600 },
  resetPerIp: { name: "reset-ip", max: 10, windowSeconds: 3600 },
  resetPerAccount: { name: "reset-account", max: 3, windowSeconds: 3600 },
  oauthRegisterPerIp: { name: "oauth-register-ip", max: 20, windowSeconds: 3600 },
  oauthTokenPerIp: { name: "oauth-token-ip", max: 120, windowSeconds: 60 },
  deviceCodePerIp: { name: "device-code-ip", max: 30, windowSeconds: 600 },
  deviceVerifyPerIp: { name: "device-verify-ip", max: 30, windowSeconds: 600 },
} satisfies Record<string, RateLimit>;

/**
 * Better Auth endpoints we do not expose: session-to-JWT minting (/token), the first-party
 * device grant that would turn a device code into a session (/device/token), and client
 * CRUD (clients register through /oauth2/register; users manage grants at /api/v1/me/oauth-apps).
 */
const BLOCKED_PATHS = new Set([
  "/.auth/token",
  "/.auth/device/token",
  "/.auth/oauth2/create-client",
  "/.auth/oauth2/get-client",
  "/.auth/oauth2/get-clients",
  "/.auth/oauth2/update-client",
  "/.auth/oauth2/delete-client",
  "/.auth/oauth2/client/rotate-secret",
]);

/** Discovery documents are public: any origin may read them (browser-based MCP clients). */
const METADATA_HEADERS = { "Access-Control-Allow-Origin": "*" };

/**
 * The request's JSON body passed through `rewrite`, as text to forward. A body that is not
 * JSON is returned unchanged (Better Auth answers it).
 * @throws bad_request for a body nested deeper than the stack (JSON.parse copes, JSON.stringify does not).
 */
async function rewriteJsonBody(c: Context<AppEnv>, rewrite: (body: unknown) => unknown): Promise<string> {
  const text = await c.req.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return text;
  }
  try {
    return JSON.stringify(rewrite(body));
  } catch (err) {
    if (isAppError(err)) throw err; // the rewrite refused the body
    throw badRequest("The request body is nested too deeply.");
  }
}

/** The /.auth route group. */
export function authRoutes(deps: {
  auth: Auth;
  pool: pg.Pool;
  emailEnabled: boolean;
  socialProviders: string[];
  signUp: SignUpRule;
  /** Whether any account exists yet (the sign-up policy's). */
  hasUsers: () => Promise<boolean>;
  /** The MCP resource (RFC 8707): the default `resource` of a device-code request. */
  mcpResource: string;
  logger: Logger;
}) {
  const { auth, pool } = deps;
  const log = deps.logger.child({ module: "auth" });
  const forward = async (c: Context<AppEnv>, body?: string) => {
    // Better Auth reads the client IP only from our header, which we overwrite here.
    const headers = new Headers(c.req.raw.headers);
    headers.set(CLIENT_IP_HEADER, c.get("clientIp"));
    // Better Auth parses the body as the type we checked it as (auth-body.ts), in its plain form.
    if (c.req.method === "POST") {
      const contentType = (await authBodyOf(c)).contentType;
      if (contentType) headers.set("content-type", contentType);
    }
    if (body !== undefined) headers.delete("content-length");
    const response = await auth.handler(body === undefined ? new Request(c.req.raw, { headers }) : new Request(c.req.raw, { headers, body }));
    // Better Auth answers a failed database call with its own 500: tell the client to retry
    // when the database is what failed.
    if (response.status >= 500 && !(await databaseAnswers(pool))) throw databaseUnavailable();
    return response;
  };
  const authServerMetadata = oauthProviderAuthServerMetadata(auth, { headers: METADATA_HEADERS });
  const openIdMetadata = oauthProviderOpenIdConfigMetadata(auth, { headers: METADATA_HEADERS });

  return (
    new Hono<AppEnv>()
      // Every body is checked before a limit or Better Auth reads it (auth-body.ts): one of the
      // three media types Better Auth reads, each field once, no NUL character (Postgres cannot
      // store one).
      .post("/.auth/*", async (c, next) => {
        await authBodyOf(c);
        return next();
      })
      // RFC 8414 (issuer {base}/.auth: the path-suffixed form first, then the lenient ones) and OIDC discovery.
      .get("/.well-known/oauth-authorization-server/.auth", (c) => authServerMetadata(c.req.raw))
      .get("/.well-known/oauth-authorization-server", (c) => authServerMetadata(c.req.raw))
      .get("/.auth/.well-known/oauth-authorization-server", (c) => authServerMetadata(c.req.raw))
      .get("/.well-known/openid-configuration/.auth", (c) => openIdMetadata(c.req.raw))
      .get("/.well-known/openid-configuration", (c) => openIdMetadata(c.req.raw))
      .get("/.auth/.well-known/openid-configuration", (c) => openIdMetadata(c.req.raw))
      .get("/.auth/config", async (c) => {
        // An empty instance (no user yet) sends its first visitor to sign up, not to sign in.
        return c.json({
          emailAndPassword: { enabled: true, minPasswordLength: MIN_PASSWORD_LENGTH },
          passwordReset: deps.emailEnabled,
          invitationEmails: deps.emailEnabled,
          socialProviders: deps.socialProviders,
          // For the sign-up page: "first-user" and "invite-only" both need an invitation once a user exists.
          signUp: deps.signUp,
          hasUsers: await deps.hasUsers(),
        });
      })
      .post("/.auth/sign-in/email", async (c) => {
        const ip = c.get("clientIp");
        await consumeRateLimit(pool, AUTH_RATE_LIMITS.signInPerIp, [ip]);
        await consumeRateLimit(pool, AUTH_RATE_LIMITS.signInPerAccount, [fieldKey(await authBodyOf(c), "email")]);
        return forward(c);
      })
      .post("/.auth/sign-up/email", async (c) => {
        await consumeRateLimit(pool, AUTH_RATE_LIMITS.signUpPerIp, [c.get("clientIp")]);
        return forward(c);
      })
      .post("/.auth/request-password-reset", async (c) => {
        if (!deps.emailEnabled) {
          throw new AppError(
            "password_reset_unavailable",
            503,
            "Password reset by e-mail is not available: this server has no e-mail configured. Ask an administrator.",
            { expose: true },
          );
        }
        await consumeRateLimit(pool, AUTH_RATE_LIMITS.resetPerIp, [c.get("clientIp")]);
        await consumeRateLimit(pool, AUTH_RATE_LIMITS.resetPerAccount, [fieldKey(await authBodyOf(c), "email")]);
        return forward(c);
      })
      .post("/.auth/oauth2/register", async (c) => {
        await consumeRateLimit(pool, AUTH_RATE_LIMITS.oauthRegisterPerIp, [c.get("clientIp")]);
        // Housekeeping rides on registration: unused clients expire after 24 h.
        await sweepUnusedOAuthClients({ app: pool }).then(
          (n) => n > 0 && log.info({ deleted: n }, "expired unused OAuth clients"),
          (err: unknown) => log.warn({ err }, "could not sweep unused OAuth clients"),
        );
        // MCP clients are native apps that often omit application_type (client-registration.ts).
        if ((await authBodyOf(c)).kind !== "json") return forward(c);
        return forward(c, await rewriteJsonBody(c, (body) => preferNativeClient(checkClientMetadata(body))));
      })
      .post("/.auth/oauth2/token", async (c) => {
        await consumeRateLimit(pool, AUTH_RATE_LIMITS.oauthTokenPerIp, [c.get("clientIp")]);
        const code = authorizationCodeOf((await authBodyOf(c)).fields);
        const response = await forward(c);
        if (code === undefined) return response;
        // A code used twice voids the JWT access tokens it was exchanged for (code-reuse.ts).
        // A failure here does not change the answer: the exchange itself is Better Auth's.
        await watchCodeExchange(pool, code, response).then(
          (outcome) => outcome === "revoked" && log.warn("authorization code used again: its tokens were revoked"),
          (err: unknown) => log.error({ err }, "could not track an authorization code exchange"),
        );
        return response;
      })
      .post("/.auth/device/code", async (c) => {
        await consumeRateLimit(pool, AUTH_RATE_LIMITS.deviceCodePerIp, [c.get("clientIp")]);
        // The MCP endpoint is the one resource here: a device client that names none gets a
        // token for it rather than one the endpoint refuses.
        const { kind } = await authBodyOf(c);
        if (kind === "form") {
          const form = new URLSearchParams(await c.req.text());
          if (!form.has("resource")) form.set("resource", deps.mcpResource);
          return forward(c, form.toString());
        }
        if (kind === "json") {
          return forward(
            c,
            await rewriteJsonBody(c, (body) =>
              body && typeof body === "object" && !Array.isArray(body) && !("resource" in body) ? { ...body, resource: deps.mcpResource } : body,
            ),
          );
        }
        return forward(c);
      })
      .get("/.auth/device", async (c, next) => {
        if (isSpaAuthPage(c.req.method, c.req.path, c.req.header("accept"))) return next();
        // The JSON lookup by user code (which also claims it for the signed-in user): guessable codes, so limited.
        await consumeRateLimit(pool, AUTH_RATE_LIMITS.deviceVerifyPerIp, [c.get("clientIp")]);
        return forward(c);
      })
      .on(["GET", "POST"], "/.auth/*", (c: Context<AppEnv>, next: Next) => {
        if (BLOCKED_PATHS.has(c.req.path)) throw notFound("endpoint");
        // The web app's OAuth pages (sign-in, consent, device): on to the SPA fallback.
        if (isSpaAuthPage(c.req.method, c.req.path, c.req.header("accept"))) return next();
        return forward(c);
      })
  );
}
