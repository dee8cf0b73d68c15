/**
 * The OAuth apps (MCP clients) a user authorised: list them, and revoke one (its consents,
 * refresh tokens, pending device codes and, through a revocation marker, the JWT access tokens
 * already issued). Better Auth's tables are not readable by the app role: both go through
 * security-definer functions (migration 20261127150000-create-oauth-provider.sql).
 */
import type { Database } from "../../platform/db/database.js";
import { notFound } from "../../platform/errors.js";

/** An app as returned by the API. */
export interface OAuthApp {
  clientId: string;
  clientName: string | null;
  scopes: string[];
  /** When the user first authorised it. */
  authorizedAt: string;
  /** When it last obtained a refresh token (each refresh rotates one), or consent was renewed. */
  lastTokenAt: string;
}

/** Lists the user's authorised apps, newest first (at most 200). */
export async function listOAuthApps(db: Database, userId: string): Promise<OAuthApp[]> {
  const { rows } = await db.app.query<{ client_id: string; client_name: string | null; scopes: string[]; authorized_at: Date; last_token_at: Date }>(
    "select * from ctxpipe_list_oauth_apps($1)",
    [userId],
  );
  return rows.map((r) => ({
    clientId: r.client_id,
    clientName: r.client_name,
    scopes: r.scopes,
    authorizedAt: r.authorized_at.toISOString(),
    lastTokenAt: r.last_token_at.toISOString(),
  }));
}

/**
 * Revokes everything the user granted `clientId`; its next MCP call answers 401.
 * @throws not_found when the user had granted this client nothing.
 */
export async function revokeOAuthApp(db: Database, userId: string, clientId: string): Promise<void> {
  const { rows } = await db.app.query<{ revoked: boolean }>("select ctxpipe_revoke_oauth_app($1, $2) as revoked", [userId, clientId]);
  if (!rows[0]?.revoked) throw notFound("OAuth app");
}

/** Revokes every app the user authorised (after a password reset: a thief's apps must go too). */
export async function revokeAllOAuthApps(db: Database, userId: string): Promise<number> {
  const apps = await listOAuthApps(db, userId);
  for (const app of apps) await revokeOAuthApp(db, userId, app.clientId).catch(() => {});
  return apps.length;
}

/** Deletes dynamically registered clients never used within 24 hours (see the migration). */
export async function sweepUnusedOAuthClients(db: Pick<Database, "app">): Promise<number> {
  const { rows } = await db.app.query<{ n: number }>("select ctxpipe_sweep_oauth_clients() as n");
  return rows[0]?.n ?? 0;
}
