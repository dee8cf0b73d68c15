/**
 * Verifies OAuth access tokens presented to /mcp. They are JWTs (typ at+jwt) that Better Auth
 * signs with the jwt plugin's EdDSA keys; we check them locally (signature against the JWKS
 * read in-process through auth.api, issuer, audience = the MCP resource, expiry), then ask
 * Postgres, through one security-definer lookup, whether the user and the client still exist
 * and the user has not revoked the client since the token was issued. Opaque tokens (issued
 * without `resource`) are refused: they are not meant for this resource.
 */
import { verifyJwsAccessToken } from "@better-auth/core/oauth2";
import type { Database } from "../../platform/db/database.js";
import { AppError } from "../../platform/errors.js";
import type { Caller } from "../../platform/http/app-env.js";
import { mcpResource, oauthIssuer, type Auth } from "../auth/better-auth.js";

/** Longest token we look at; ours are ~600 characters. */
const MAX_TOKEN_LENGTH = 4096;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const invalidToken = (message: string) => new AppError("invalid_token", 401, message);

/** Turns a jose verification error into a message for the client (never the token). */
function describe(err: unknown): string {
  const code = (err as { code?: string }).code ?? "";
  const claim = (err as { claim?: string }).claim;
  if (code === "ERR_JWT_EXPIRED") return "The access token has expired: refresh it or authorise again.";
  if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED" && claim === "aud") {
    return "The access token is not for this resource (audience): request it with resource set to the MCP URL.";
  }
  if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED") return `The access token's ${claim ?? "claims"} do not match this server.`;
  return "The access token is not valid.";
}

/**
 * Builds the verifier. The JWKS comes from Better Auth in-process (no HTTP to ourselves) and
 * is cached for five minutes, refetched early when a token names an unknown key id.
 */
export function createOAuthTokenVerifier(deps: { auth: Auth; db: Database; baseUrl: string }) {
  const issuer = oauthIssuer(deps.baseUrl);
  const audience = mcpResource(deps.baseUrl);
  const jwksCacheKey = {};

  /**
   * The caller behind an access token for the MCP resource.
   * @throws AppError invalid_token (401) for anything but a live token for this resource.
   */
  return async function verifyOAuthAccessToken(token: string): Promise<Caller> {
    if (token.length > MAX_TOKEN_LENGTH || !JWT_SHAPE.test(token)) {
      // Opaque tokens come from clients that did not ask for this resource: say so after "invalid".
      throw invalidToken(
        `The bearer token is not a valid access token for this server. OAuth access tokens here are JWTs issued for the resource ${audience}: if your client received an opaque token, request it with resource set to that URL.`,
      );
    }
    let payload: Record<string, unknown>;
    try {
      payload = await verifyJwsAccessToken(token, {
        jwksFetch: () => deps.auth.api.getJwks(),
        jwksCacheKey,
        verifyOptions: { issuer, audience, typ: "at+jwt", algorithms: ["EdDSA"], requiredClaims: ["sub", "iat", "exp"] },
      });
    } catch (err) {
      // An expired token was signed by us (jose checks the signature first): not a guess, so
      // marked for the failure count to skip.
      const expired = (err as { code?: string }).code === "ERR_JWT_EXPIRED";
      throw new AppError("invalid_token", 401, describe(err), expired ? { details: { expired: true } } : {});
    }
    // Sender-constrained (DPoP) tokens need a proof we do not check: refuse rather than accept as bearer.
    if (payload.cnf !== undefined) throw invalidToken("DPoP-bound access tokens are not supported here.");
    const userId = payload.sub;
    const clientId = payload.azp ?? payload.client_id;
    const issuedAt = payload.iat;
    if (typeof userId !== "string" || typeof clientId !== "string" || typeof issuedAt !== "number" || userId === clientId) {
      throw invalidToken("The access token does not name a user.");
    }
    const scopes = typeof payload.scope === "string" ? payload.scope.split(" ").filter(Boolean) : [];
    const { rows } = await deps.db.app.query<{ user_id: string; email: string; name: string; client_name: string | null }>(
      "select user_id, email, name, client_name from ctxpipe_oauth_token_subject($1, $2, to_timestamp($3))",
      [userId, clientId, issuedAt],
    );
    const row = rows[0];
    if (!row) throw invalidToken("The access token was revoked, or its app or user no longer exists.");
    return { type: "oauth", userId: row.user_id, email: row.email, name: row.name, oauth: { clientId, scopes, clientName: row.client_name } };
  };
}
