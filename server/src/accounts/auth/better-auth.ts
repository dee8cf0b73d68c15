/**
 * The Better Auth instance: e-mail + password accounts, optional GitHub/Google sign-in,
 * password reset by e-mail and sessions in Postgres (schema `auth`, tables created by our own
 * migration). Organisations, memberships and API keys are ours (RLS-protected tables), not the
 * library's plugins: see docs/adr/005-identity-with-better-auth.md.
 *
 * It is also the OAuth 2.1 authorisation server for MCP clients (issuer `{baseUrl}/.auth`):
 * dynamic client registration, authorisation code + PKCE, refresh-token rotation, the device
 * grant, and EdDSA-signed JWT access tokens for the one resource `{baseUrl}/mcp`. See
 * docs/adr/006-oauth-for-mcp.md.
 *
 * Create it only after migrations ran: Better Auth caches a failed schema check.
 */
import { oauthDeviceAuthorization, oauthProvider } from "@better-auth/oauth-provider";
import { betterAuth } from "better-auth";
import { jwt } from "better-auth/plugins";
import { PostgresDialect } from "kysely";
import type { ResolvedConfig } from "../../platform/config/config.js";
import type { Database } from "../../platform/db/database.js";
import type { Mailer } from "../../platform/email/mailer.js";
import type { Logger } from "../../platform/logging.js";
import { revokeAllOAuthApps } from "../oauth/oauth-app.service.js";
import type { SignUpPolicy } from "./sign-up-policy.js";

/** Header through which the HTTP layer passes the resolved client IP to Better Auth. */
export const CLIENT_IP_HEADER = "x-ctxpipe-client-ip";

/** Minimum password length for e-mail accounts. */
export const MIN_PASSWORD_LENGTH = 10;

/** Scopes an OAuth client may request. `offline_access` yields a (rotating) refresh token. */
export const OAUTH_SCOPES = ["openid", "profile", "email", "offline_access"] as const;

/** Lifetime of an OAuth access token: short, because a JWT stays valid until it expires. */
export const OAUTH_ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

/** Lifetime of an OAuth authorization code (it can be exchanged once). */
export const OAUTH_CODE_TTL_SECONDS = 300;

/** Lifetime of an OAuth refresh token (each use rotates it). */
export const OAUTH_REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

/** Pages of the web app that take part in OAuth flows: the same paths as SPA_AUTH_PAGES in platform/http/static-web.ts. */
export const OAUTH_PAGES = { signIn: "/.auth/sign-in", consent: "/.auth/consent", device: "/.auth/device" } as const;

/** The OAuth issuer: Better Auth's base URL. */
export function oauthIssuer(baseUrl: string): string {
  return `${baseUrl}/.auth`;
}

/** The one OAuth protected resource (RFC 8707 resource indicator, the JWT audience). */
export function mcpResource(baseUrl: string): string {
  return `${baseUrl}/mcp`;
}

export interface AuthDependencies {
  config: Pick<ResolvedConfig, "baseUrl" | "allowedOrigins" | "socialProviders" | "authSecret">;
  db: Database;
  mailer: Mailer;
  logger: Logger;
  /** Who may create an account; without one (the admin CLI), anyone. */
  signUpPolicy?: SignUpPolicy;
  /** Called after every new session (sign-in or sign-up), for the audit log. */
  onSessionCreated?: (session: { userId: string; ipAddress?: string | null }) => Promise<void>;
}

/** Builds the Better Auth instance. */
export function createAuth(deps: AuthDependencies) {
  const { config, mailer } = deps;
  const log = deps.logger.child({ module: "auth" });
  const resource = mcpResource(config.baseUrl);
  const social: Record<string, { clientId: string; clientSecret: string }> = {};
  if (config.socialProviders.github) social.github = config.socialProviders.github;
  if (config.socialProviders.google) social.google = config.socialProviders.google;

  return betterAuth({
    appName: "ctxpipe",
    baseURL: config.baseUrl,
    basePath: "/.auth",
    secret: config.authSecret,
    database: { dialect: new PostgresDialect({ pool: deps.db.unsafeSystem }), type: "postgres", schemaName: "auth" },
    telemetry: { enabled: false },
    trustedOrigins: config.allowedOrigins,
    emailAndPassword: {
      enabled: true,
      minPasswordLength: MIN_PASSWORD_LENGTH,
      maxPasswordLength: 128,
      revokeSessionsOnPasswordReset: true,
      // Whoever knew the old password may have authorised OAuth apps: those go with the sessions.
      onPasswordReset: async ({ user }) => {
        await revokeAllOAuthApps(deps.db, user.id).catch((err: unknown) => log.error({ err }, "could not revoke OAuth apps after a password reset"));
      },
      resetPasswordTokenExpiresIn: 3600,
      sendResetPassword: async ({ user, url }) => {
        await mailer.send({
          to: user.email,
          subject: "Reset your ctx| password",
          text: `Someone asked to reset the password of your ctx| account.\n\nSet a new password: ${url}\n\nThe link is valid for one hour. If it was not you, ignore this message.`,
        });
      },
    },
    socialProviders: social,
    user: {
      // Every new account passes here (e-mail sign-up, first social sign-in). Calls without a
      // request are the operator's own (ctxpipe admin create-user).
      validateUserInfo: async ({ user, source }, ctx) => {
        if (source.action !== "create-user" || !deps.signUpPolicy || !ctx?.request) return;
        const body = (ctx.body ?? {}) as { invitationToken?: unknown };
        const refusal = await deps.signUpPolicy.check({
          email: String(user.email ?? ""),
          invitationToken: typeof body.invitationToken === "string" ? body.invitationToken : undefined,
          emailVerified: source.method === "oauth" && user.emailVerified === true,
          ip: ctx.request.headers.get(CLIENT_IP_HEADER) ?? "",
        });
        return refusal ? { error: refusal.code, errorDescription: refusal.message } : undefined;
      },
    },
    session: { expiresIn: 7 * 24 * 3600, updateAge: 24 * 3600 },
    advanced: {
      cookiePrefix: "ctxpipe",
      useSecureCookies: config.baseUrl.startsWith("https:"),
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
    },
    // ctxpipe's own Postgres-backed limits apply instead (per IP and per account).
    rateLimit: { enabled: false },
    logger: {
      level: "warn",
      log: (level, message) => {
        if (level === "error") log.error(message);
        else log.warn(message);
      },
    },
    plugins: [
      // Signs access tokens (EdDSA, keys in auth.jwks) and serves /.auth/jwks. The header
      // option stops it from signing a JWT on every get-session.
      jwt({ disableSettingJwtHeader: true }),
      oauthProvider({
        loginPage: OAUTH_PAGES.signIn,
        consentPage: OAUTH_PAGES.consent,
        scopes: [...OAUTH_SCOPES],
        resources: [{ identifier: resource, name: "ctxpipe MCP" }],
        clientRegistrationDefaultResources: [resource],
        allowDynamicClientRegistration: true,
        allowUnauthenticatedClientRegistration: true,
        grantTypes: ["authorization_code", "refresh_token"],
        accessTokenExpiresIn: OAUTH_ACCESS_TOKEN_TTL_SECONDS,
        refreshTokenExpiresIn: OAUTH_REFRESH_TOKEN_TTL_SECONDS,
        codeExpiresIn: OAUTH_CODE_TTL_SECONDS,
        // Clients are managed by their users through /api/v1/me/oauth-apps, not Better Auth's
        // client CRUD; registration itself stays open (DCR), everything else is refused.
        clientPrivileges: ({ action }) => action === "create",
      }),
      // RFC 8628 for agents without a browser; user codes are approved at /.auth/device.
      oauthDeviceAuthorization({ verificationUri: OAUTH_PAGES.device, expiresIn: "10m", interval: "5s" }),
    ],
    databaseHooks: {
      session: {
        create: {
          after: async (session) => {
            await deps.onSessionCreated?.({ userId: session.userId, ipAddress: session.ipAddress }).catch((err: unknown) => {
              log.warn({ err }, "could not record the sign-in");
            });
          },
        },
      },
    },
  });
}

/** The Better Auth instance type. */
export type Auth = ReturnType<typeof createAuth>;
