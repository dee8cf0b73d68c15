/**
 * The Better Auth instance: e-mail + password accounts, optional GitHub/Google sign-in,
 * password reset by e-mail and sessions in Postgres (schema `auth`, tables created by our own
 * migration). Organisations, memberships and API keys are ours (RLS-protected tables), not the
 * library's plugins: see docs/adr/005-identity-with-better-auth.md.
 *
 * Create it only after migrations ran: Better Auth caches a failed schema check.
 */
import { betterAuth } from "better-auth";
import { PostgresDialect } from "kysely";
import type { Config } from "../../platform/config/config.js";
import type { Database } from "../../platform/db/database.js";
import type { Mailer } from "../../platform/email/mailer.js";
import type { Logger } from "../../platform/logging.js";

/** Header through which the HTTP layer passes the resolved client IP to Better Auth. */
export const CLIENT_IP_HEADER = "x-ctxpipe-client-ip";

/** Minimum password length for e-mail accounts. */
export const MIN_PASSWORD_LENGTH = 10;

export interface AuthDependencies {
  config: Pick<Config, "baseUrl" | "allowedOrigins" | "socialProviders"> & { authSecret: string };
  db: Database;
  mailer: Mailer;
  logger: Logger;
  /** Called after every new session (sign-in or sign-up), for the audit log. */
  onSessionCreated?: (session: { userId: string; ipAddress?: string | null }) => Promise<void>;
}

/** Builds the Better Auth instance. */
export function createAuth(deps: AuthDependencies) {
  const { config, mailer } = deps;
  const log = deps.logger.child({ module: "auth" });
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
