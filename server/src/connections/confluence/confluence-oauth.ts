/**
 * Connecting a Confluence connection to Atlassian, and its tokens (docs/confluence.md): an
 * admin starts from ctxpipe (`startAuthorization`: a signed state naming connection,
 * organisation, admin and a nonce whose hash the row keeps; single use, valid 10 minutes),
 * Atlassian's consent page sends the browser back to the callback (`completeAuthorization`:
 * same admin, still an admin, nonce unused; the code exchanged, the site found), and the sync
 * and the spaces listing use `accessToken`, which refreshes the rotating refresh token under
 * the connection's lock. A refused refresh token marks the connection `error`.
 */
import { createHash, randomBytes } from "node:crypto";
import { hasRole, listOrgsOf, type OrgActor, recordAudit } from "../../accounts/index.js";
import type { Database } from "../../platform/db/database.js";
import { type TenantScope, withTenant } from "../../platform/db/tenant.js";
import { AppError, isAppError } from "../../platform/errors.js";
import { signState, verifyState } from "../../platform/signed-state.js";
import { GrantRevokedError } from "./atlassian-api.js";
import { ATLASSIAN_CALLBACK_PATH, type ConfluenceDependencies, type ConfluenceRow, findConfluenceRow, withSecretLock } from "./confluence.service.js";

/** How long an authorisation may take. */
const STATE_TTL_MS = 10 * 60_000;
/** The state's signing purpose (platform/signed-state.ts). */
const STATE_PURPOSE = "ctxpipe/atlassian-oauth-state/v1";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/**
 * Starts connecting: a fresh single-use state (replacing any earlier one) and Atlassian's
 * consent URL for the admin's browser.
 */
export async function startAuthorization(deps: ConfluenceDependencies, actor: OrgActor, id: string): Promise<{ authorizeUrl: string; expiresAt: string }> {
  const nonce = randomBytes(24).toString("base64url");
  const expiresAt = Date.now() + STATE_TTL_MS;
  const row = await withTenant(deps.db, actor, async (tx) => {
    const current = await findConfluenceRow(tx, id);
    await tx.query("update confluence_connections set pending_state = $2, pending_state_expires_at = $3 where id = $1", [
      id,
      sha256(nonce),
      new Date(expiresAt),
    ]);
    return current;
  });
  const state = signState(deps.authSecret, STATE_PURPOSE, { c: id, o: actor.orgId, u: actor.userId, n: nonce, e: expiresAt });
  return {
    authorizeUrl: deps.api.authorizeUrl({ clientId: row.config.clientId, redirectUri: `${deps.baseUrl}${ATLASSIAN_CALLBACK_PATH}`, state }),
    expiresAt: new Date(expiresAt).toISOString(),
  };
}

const invalidState = (why: string) => new AppError("invalid_oauth_state", 400, `The Atlassian authorisation ${why}: start connecting again from ctxpipe.`);

/** Checks the state's signature and expiry; answers what it carries. */
function verifyAuthorizationState(authSecret: string, raw: string): { connectionId: string; orgId: string; userId: string; nonce: string } {
  const checked = verifyState(authSecret, STATE_PURPOSE, raw);
  if (!checked.ok) throw invalidState(checked.reason === "expired" ? "has expired" : "is not valid");
  const { c, o, u, n } = checked.claims;
  if (typeof c !== "string" || typeof o !== "string" || typeof u !== "string" || typeof n !== "string") throw invalidState("is not valid");
  return { connectionId: c, orgId: o, userId: u, nonce: n };
}

/**
 * Finishes connecting, from Atlassian's redirect: the state must be this admin's, for an
 * organisation they still administer, and unused; then the code is exchanged and the site
 * found. Answers where the browser goes next (the web app's connection settings).
 * @throws invalid_oauth_state (400), forbidden (403), atlassian_* errors.
 */
export async function completeAuthorization(
  deps: ConfluenceDependencies,
  caller: { userId: string; ip: string },
  input: { code?: string; state: string; error?: string },
): Promise<{ redirectTo: string }> {
  const state = verifyAuthorizationState(deps.authSecret, input.state);
  if (state.userId !== caller.userId)
    throw new AppError("forbidden", 403, "This authorisation was started by another user: start connecting again while signed in as yourself.");
  const org = (await listOrgsOf(deps.db, caller.userId)).find((o) => o.id === state.orgId);
  if (!org || !hasRole(org.role, "admin")) throw new AppError("forbidden", 403, "Only an admin of the organisation can connect Confluence.");
  const actor: OrgActor = { orgId: org.id, userId: caller.userId, role: org.role, actorType: "user", ip: caller.ip };
  // Single use: the nonce is consumed before anything else happens.
  const row = await withTenant(deps.db, actor, async (tx) => {
    const { rows } = await tx.query<ConfluenceRow>(
      `update confluence_connections set pending_state = null, pending_state_expires_at = null
       where id = $1 and pending_state = $2 and pending_state_expires_at > now() returning *`,
      [state.connectionId, sha256(state.nonce)],
    );
    return rows[0];
  });
  if (!row) throw invalidState("was already used or replaced");
  if (input.error || !input.code) {
    throw new AppError(
      "atlassian_denied",
      400,
      `Atlassian did not grant access (${input.error ?? "no code"}): start connecting again and accept the requested access.`,
    );
  }
  const code = input.code;
  const site = await withSecretLock(deps, actor, row.id, async (_tx, current, secret, save) => {
    const tokens = await deps.api.exchangeCode({
      clientId: current.config.clientId,
      clientSecret: secret.clientSecret,
      code,
      redirectUri: `${deps.baseUrl}${ATLASSIAN_CALLBACK_PATH}`,
    });
    const sites = await deps.api.sites(tokens.accessToken);
    // Connected before: the same site only (another would make the next sync delete every document).
    const connected = current.config.site;
    const chosen = connected ? sites.find((s) => s.cloudId === connected.cloudId) : sites[0];
    if (!chosen && connected) {
      throw new AppError(
        "atlassian_other_site",
        400,
        `The grant does not reach ${connected.url}, the site this connection syncs: choose it on Atlassian's consent page, or add a connection for the other site.`,
      );
    }
    if (!chosen)
      throw new AppError("atlassian_no_site", 400, "The grant reaches no Confluence site: choose a site with Confluence on Atlassian's consent page.");
    await save({ ...secret, ...tokens });
    return chosen;
  });
  const updated = await withTenant(deps.db, actor, async (tx) => {
    const { rows } = await tx.query<ConfluenceRow>(
      "update confluence_connections set config = $2, status = 'active', last_error = null, updated_at = now() where id = $1 returning *",
      [row.id, JSON.stringify({ ...row.config, site })],
    );
    await recordAudit(tx, actor, { action: "connection.authorized", targetType: "connection", targetId: row.id, details: { site: site.url } });
    return rows[0]!;
  });
  if (updated.config.spaces) await deps.requestSync(actor, row.id, false);
  return { redirectTo: `${deps.baseUrl}/${org.slug}/settings/connections?confluence=${row.id}` };
}

/**
 * A valid access token of a connected connection, refreshed (and the rotated refresh token
 * stored) when it is within a minute of expiring. Serialised per connection by an advisory
 * lock, so two processes never spend one refresh token twice.
 * @throws confluence_not_connected (409), atlassian_grant_revoked (409; the connection is then marked error).
 */
export async function accessToken(
  deps: ConfluenceDependencies,
  scope: TenantScope,
  id: string,
  forceRefresh = false,
): Promise<{ token: string; row: ConfluenceRow }> {
  try {
    return await withSecretLock(deps, scope, id, async (_tx, row, secret, save) => {
      if (!row.config.site || !secret.refreshToken || !secret.accessToken) {
        throw new AppError("confluence_not_connected", 409, "The connection is not connected to Atlassian yet.");
      }
      if (!forceRefresh && (secret.expiresAt ?? 0) > Date.now() + 60_000) return { token: secret.accessToken, row };
      const tokens = await deps.api.refresh({ clientId: row.config.clientId, clientSecret: secret.clientSecret, refreshToken: secret.refreshToken });
      await save({ ...secret, ...tokens });
      return { token: tokens.accessToken, row };
    });
  } catch (err) {
    if (err instanceof GrantRevokedError) await markError(deps.db, scope, id, "Atlassian refused the refresh token: the access was revoked");
    throw err;
  }
}

/**
 * Runs `fn` with the connection's access token; when Atlassian refuses it (revoked before its
 * expiry), refreshes once and runs `fn` again, so a revoked grant surfaces as such.
 */
export async function withAccessToken<T>(
  deps: ConfluenceDependencies,
  scope: TenantScope,
  id: string,
  fn: (token: string, row: ConfluenceRow) => Promise<T>,
): Promise<T> {
  const first = await accessToken(deps, scope, id);
  try {
    return await fn(first.token, first.row);
  } catch (err) {
    if (!(isAppError(err) && err.code === "atlassian_unauthorized")) throw err;
    const again = await accessToken(deps, scope, id, true);
    return fn(again.token, again.row);
  }
}

/** Marks a connection failed with a message (its own transaction). */
export async function markError(db: Database, scope: TenantScope, id: string, message: string): Promise<void> {
  await withTenant(db, scope, (tx) =>
    tx.query("update confluence_connections set status = 'error', last_error = $2, updated_at = now() where id = $1", [id, message]),
  );
}

/** The site's spaces, and whether each is selected. */
export async function availableSpaces(
  deps: ConfluenceDependencies,
  scope: TenantScope,
  id: string,
): Promise<{ spaces: { key: string; name: string; type: string; selected: boolean }[]; truncated: boolean }> {
  const { spaces, truncated, row } = await withAccessToken(deps, scope, id, async (token, row) => ({
    ...(await deps.api.spaces(token, row.config.site!.cloudId)),
    row,
  }));
  const selection = row.config.spaces;
  return {
    spaces: spaces
      .map((s) => ({ key: s.key, name: s.name, type: s.type, selected: selection === "all" || (Array.isArray(selection) && selection.includes(s.key)) }))
      .sort((a, b) => a.key.localeCompare(b.key)),
    truncated,
  };
}
