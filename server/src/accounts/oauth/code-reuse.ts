/**
 * An authorization code used twice voids the tokens it was exchanged for (RFC 6749 section
 * 4.1.2): a second exchange means the code leaked, and either party may hold the tokens.
 * Better Auth refuses the second exchange (invalid_grant) and deletes the refresh and opaque
 * tokens it stored for the code, but JWT access tokens are verified without a lookup of the
 * token, so they would work on /mcp until they expire. The token route therefore records each
 * successful code exchange (the code's SHA-256, the user and the client) and, when that code
 * comes back refused, records the revocation marker that voids every JWT access token the user
 * holds for that client (oauth-token.ts). Records are kept until the code has expired and the
 * access tokens issued for it have too; both steps go through security-definer functions
 * (migration 20261204093100-void-tokens-of-reused-codes.sql).
 */
import { createHash } from "node:crypto";
import type pg from "pg";
import { OAUTH_ACCESS_TOKEN_TTL_SECONDS, OAUTH_CODE_TTL_SECONDS } from "../auth/better-auth.js";

/** How long an exchange is remembered: the code's lifetime plus its access token's. */
const KEEP_SECONDS = OAUTH_CODE_TTL_SECONDS + OAUTH_ACCESS_TOKEN_TTL_SECONDS;

/** Longest code we look at (Better Auth's are 32 characters). */
const MAX_CODE_LENGTH = 512;

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+$/;

function codeHash(code: string): string {
  return createHash("sha256").update(code).digest("hex");
}

/** The code of a token request body, if it is an authorization-code grant with a usable code. */
export function authorizationCodeOf(fields: ReadonlyMap<string, unknown>): string | undefined {
  const code = fields.get("code");
  if (fields.get("grant_type") !== "authorization_code" || typeof code !== "string") return undefined;
  return code.length > 0 && code.length <= MAX_CODE_LENGTH ? code : undefined;
}

/**
 * The user and client a JWT access token was issued to. The token comes straight from Better
 * Auth's answer in this process, so its claims are read without checking the signature.
 * Opaque tokens (no resource requested) answer undefined: Better Auth stores and deletes those.
 */
function subjectOf(accessToken: unknown): { userId: string; clientId: string } | undefined {
  if (typeof accessToken !== "string") return undefined;
  const payload = JWT_SHAPE.exec(accessToken)?.[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    const clientId = claims.azp ?? claims.client_id;
    return typeof claims.sub === "string" && typeof clientId === "string" ? { userId: claims.sub, clientId } : undefined;
  } catch {
    return undefined;
  }
}

/** A JSON answer's body, or null. */
async function jsonOf(response: Response): Promise<Record<string, unknown> | null> {
  const body: unknown = await response
    .clone()
    .json()
    .catch(() => null);
  return body && typeof body === "object" ? (body as Record<string, unknown>) : null;
}

/**
 * After Better Auth answered a token request for `code`: a successful exchange is recorded, a
 * refused one of a code that had been exchanged records the revocation marker.
 * @returns "recorded", "revoked" or "none" (for the log).
 */
export async function watchCodeExchange(pool: pg.Pool, code: string, response: Response): Promise<"recorded" | "revoked" | "none"> {
  if (response.status === 200) {
    const subject = subjectOf((await jsonOf(response))?.access_token);
    if (!subject) return "none";
    await pool.query("select ctxpipe_record_oauth_code_exchange($1, $2, $3, $4)", [codeHash(code), subject.userId, subject.clientId, KEEP_SECONDS]);
    return "recorded";
  }
  if (response.status !== 400) return "none";
  if ((await jsonOf(response))?.error !== "invalid_grant") return "none";
  const { rows } = await pool.query<{ revoked: boolean }>("select ctxpipe_revoke_oauth_code_reuse($1) as revoked", [codeHash(code)]);
  return rows[0]?.revoked ? "revoked" : "none";
}
