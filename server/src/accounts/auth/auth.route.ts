/**
 * /.auth/*: Better Auth's endpoints (sign-up, sign-in, sign-out, password reset, social
 * sign-in callbacks, session), behind ctxpipe's own rate limits, plus GET /.auth/config
 * which tells the web app which sign-in methods are on.
 */
import { Hono, type Context } from "hono";
import type pg from "pg";
import { AppError } from "../../platform/errors.js";
import type { AppEnv } from "../../platform/http/app-env.js";
import { consumeRateLimit, type RateLimit } from "../../platform/http/rate-limit.js";
import { CLIENT_IP_HEADER, MIN_PASSWORD_LENGTH, type Auth } from "./better-auth.js";

/** Limits on the endpoints that guess or send things. Per IP, and per account where known. */
export const AUTH_RATE_LIMITS = {
  signInPerIp: { name: "sign-in-ip", max: 30, windowSeconds: 600 },
  signInPerAccount: { name: "sign-in-account", max: 10, windowSeconds: 600 },
  signUpPerIp: { name: "sign-up-ip", max: 10, windowSeconds: 3600 },
  resetPerIp: { name: "reset-ip", max: 10, windowSeconds: 3600 },
  resetPerAccount: { name: "reset-account", max: 3, windowSeconds: 3600 },
} satisfies Record<string, RateLimit>;

/** Reads `email` from a JSON body without consuming the request. */
async function peekEmail(c: Context<AppEnv>): Promise<string> {
  try {
    const body = (await c.req.raw.clone().json()) as { email?: unknown };
    return typeof body.email === "string" ? body.email.trim().toLowerCase() : "";
  } catch {
    return "";
  }
}

/** The /.auth route group. */
export function authRoutes(deps: { auth: Auth; pool: pg.Pool; emailEnabled: boolean; socialProviders: string[] }) {
  const { auth, pool } = deps;
  const forward = (c: Context<AppEnv>) => {
    // Better Auth reads the client IP only from our header, which we overwrite here.
    const headers = new Headers(c.req.raw.headers);
    headers.set(CLIENT_IP_HEADER, c.get("clientIp"));
    return auth.handler(new Request(c.req.raw, { headers }));
  };

  return new Hono<AppEnv>()
    .get("/.auth/config", (c) =>
      c.json({
        emailAndPassword: { enabled: true, minPasswordLength: MIN_PASSWORD_LENGTH },
        passwordReset: deps.emailEnabled,
        invitationEmails: deps.emailEnabled,
        socialProviders: deps.socialProviders,
      }),
    )
    .post("/.auth/sign-in/email", async (c) => {
      const ip = c.get("clientIp");
      await consumeRateLimit(pool, AUTH_RATE_LIMITS.signInPerIp, [ip]);
      await consumeRateLimit(pool, AUTH_RATE_LIMITS.signInPerAccount, [await peekEmail(c)]);
      return forward(c);
    })
    .post("/.auth/sign-up/email", async (c) => {
      await consumeRateLimit(pool, AUTH_RATE_LIMITS.signUpPerIp, [c.get("clientIp")]);
      return forward(c);
    })
    .post("/.auth/request-password-reset", async (c) => {
      if (!deps.emailEnabled) {
        throw new AppError("password_reset_unavailable", 503, "Password reset by e-mail is not available: this server has no e-mail configured. Ask an administrator.", { expose: true });
      }
      await consumeRateLimit(pool, AUTH_RATE_LIMITS.resetPerIp, [c.get("clientIp")]);
      await consumeRateLimit(pool, AUTH_RATE_LIMITS.resetPerAccount, [await peekEmail(c)]);
      return forward(c);
    })
    .on(["GET", "POST"], "/.auth/*", forward);
}
