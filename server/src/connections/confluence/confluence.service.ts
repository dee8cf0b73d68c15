/**
 * Confluence connections of an organisation (docs/confluence.md): created with the operator's
 * Atlassian OAuth app (client id, and the client secret stored encrypted), connected by an
 * admin through Atlassian's consent page (`state` bound to that admin's user and
 * organisation, single use, valid 10 minutes), then told which spaces to sync. The tokens
 * (rotating refresh token) live encrypted beside the client secret; `accessToken` refreshes
 * them under a per-connection lock. A refused refresh token marks the connection `error`.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { hasRole, listOrgsOf, type OrgActor, recordAudit } from "../../accounts/index.js";
import type { SecretBox } from "../../platform/crypto/secret-box.js";
import type { Database } from "../../platform/db/database.js";
import { type Queryable, type TenantScope, withTenant } from "../../platform/db/tenant.js";
import { AppError, conflict, isAppError, notFound } from "../../platform/errors.js";
import { deleteSecret, readSecret, replaceSecret, storeSecret } from "../../secrets/index.js";
import { newConnectionId } from "../connection.service.js";
import { ATLASSIAN_SCOPES, type AtlassianApi, GrantRevokedError } from "./atlassian-api.js";

/** The callback Atlassian sends the admin's browser back to (the contract's fixed path). */
export const ATLASSIAN_CALLBACK_PATH = "/api/v1/integrations/atlassian/callback";
/** How long an authorisation may take. */
const STATE_TTL_MS = 10 * 60_000;

/** Which spaces a connection syncs. */
export type SpaceSelection = "all" | string[];

/** A Confluence connection as the API shows it (no secret). */
export interface ConfluenceConnection {
  id: string;
  type: "confluence";
  name: string;
  status: "pending" | "active" | "error";
  clientId: string;
  /** The Atlassian site, once connected. */
  site: { cloudId: string; url: string; name: string } | null;
  /** Space keys, "all", or null until picked. */
  spaces: SpaceSelection | null;
  includeRestricted: boolean;
  /** What to enter in the Atlassian OAuth app. */
  registration: { callbackUrl: string; scopes: string[] };
  lastSync: SyncSummary | null;
  lastError: string | null;
  nextStep: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The outcome of one sync. */
export interface SyncSummary {
  at: string;
  result: "ok" | "failed";
  spaces: number;
  pages: number;
  added: number;
  updated: number;
  deleted: number;
  unchanged: number;
  restrictedSkipped: number;
  attachmentsSkipped: number;
  failedPages: number;
  truncated: boolean;
}

/** The stored configuration (no secret). */
export interface StoredConfig {
  clientId: string;
  site?: { cloudId: string; url: string; name: string };
  spaces?: SpaceSelection;
  includeRestricted: boolean;
}

/** The stored secret. */
interface StoredSecret {
  clientSecret: string;
  accessToken?: string;
  refreshToken?: string;
  expiresAt?: number;
}

/** A confluence_connections row. */
export interface ConfluenceRow {
  id: string;
  org_id: string;
  name: string;
  config: StoredConfig;
  secret_id: string | null;
  status: ConfluenceConnection["status"];
  last_sync: SyncSummary | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
}

/** What the service needs. */
export interface ConfluenceDependencies {
  db: Database;
  secretBox: SecretBox | undefined;
  baseUrl: string;
  authSecret: string;
  api: AtlassianApi;
  /** Queues a sync of the connection (after connecting or picking spaces). */
  requestSync: (scope: TenantScope, connectionId: string, full: boolean) => Promise<void>;
}

function nextStepOf(r: ConfluenceRow): string | null {
  if (r.status === "error") return `Connect again (Connect to Atlassian): ${r.last_error ?? "the access was refused"}.`;
  if (!r.config.site) return "Connect to Atlassian, and grant access to the Confluence site.";
  if (!r.config.spaces) return "Pick the spaces to sync.";
  if (r.last_error) return `Fix the problem the last sync reported: ${r.last_error}`;
  return null;
}

/** Presents a row as the API shows it. */
export function presentConfluence(baseUrl: string, r: ConfluenceRow): ConfluenceConnection {
  return {
    id: r.id,
    type: "confluence",
    name: r.name,
    status: r.status,
    clientId: r.config.clientId,
    site: r.config.site ?? null,
    spaces: r.config.spaces ?? null,
    includeRestricted: r.config.includeRestricted,
    registration: { callbackUrl: `${baseUrl}${ATLASSIAN_CALLBACK_PATH}`, scopes: ATLASSIAN_SCOPES },
    lastSync: r.last_sync,
    lastError: r.last_error,
    nextStep: nextStepOf(r),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** The connection `id` in the transaction's organisation. @throws not_found. */
export async function findConfluenceRow(tx: Queryable, id: string): Promise<ConfluenceRow> {
  const { rows } = await tx.query<ConfluenceRow>("select * from confluence_connections where id = $1", [id]);
  if (!rows[0]) throw notFound("connection");
  return rows[0];
}

/** Creates a connection from the OAuth app's credentials (status pending). */
export async function createConfluenceConnection(
  deps: ConfluenceDependencies,
  actor: OrgActor,
  input: { name: string; clientId: string; clientSecret: string; includeRestricted?: boolean },
): Promise<ConfluenceConnection> {
  const id = newConnectionId();
  const row = await withTenant(deps.db, actor, async (tx) => {
    const secret = await storeSecret(
      deps.db,
      deps.secretBox,
      actor,
      { purpose: "atlassian-oauth", plaintext: JSON.stringify({ clientSecret: input.clientSecret }) },
      tx,
    );
    const config: StoredConfig = { clientId: input.clientId, includeRestricted: input.includeRestricted ?? false };
    const { rows } = await tx
      .query<ConfluenceRow>("insert into confluence_connections (id, org_id, name, config, secret_id) values ($1, $2, $3, $4, $5) returning *", [
        id,
        actor.orgId,
        input.name,
        JSON.stringify(config),
        secret.id,
      ])
      .catch((err: unknown) => {
        if ((err as { code?: string }).code === "23505") throw conflict(`A Confluence connection named "${input.name}" already exists.`);
        throw err;
      });
    await recordAudit(tx, actor, { action: "connection.created", targetType: "connection", targetId: id, details: { name: input.name, type: "confluence" } });
    return rows[0]!;
  });
  return presentConfluence(deps.baseUrl, row);
}

/** The organisation's Confluence connections, oldest first. */
export async function listConfluenceConnections(deps: Pick<ConfluenceDependencies, "db" | "baseUrl">, scope: TenantScope): Promise<ConfluenceConnection[]> {
  return withTenant(deps.db, scope, async (tx) => {
    const { rows } = await tx.query<ConfluenceRow>("select * from confluence_connections order by created_at, id");
    return rows.map((r) => presentConfluence(deps.baseUrl, r));
  });
}

/** One connection (404 when not the organisation's). */
export async function getConfluenceConnection(
  deps: Pick<ConfluenceDependencies, "db" | "baseUrl">,
  scope: TenantScope,
  id: string,
): Promise<ConfluenceConnection> {
  return withTenant(deps.db, scope, async (tx) => presentConfluence(deps.baseUrl, await findConfluenceRow(tx, id)));
}

/** Changes the name, the OAuth client secret or whether restricted pages are included. */
export async function updateConfluenceConnection(
  deps: ConfluenceDependencies,
  actor: OrgActor,
  id: string,
  input: { name?: string; clientSecret?: string; includeRestricted?: boolean },
): Promise<ConfluenceConnection> {
  const row = await withTenant(deps.db, actor, async (tx) => {
    const current = await findConfluenceRow(tx, id);
    const config = { ...current.config, ...(input.includeRestricted !== undefined ? { includeRestricted: input.includeRestricted } : {}) };
    const { rows } = await tx
      .query<ConfluenceRow>("update confluence_connections set name = coalesce($2, name), config = $3, updated_at = now() where id = $1 returning *", [
        id,
        input.name ?? null,
        JSON.stringify(config),
      ])
      .catch((err: unknown) => {
        if ((err as { code?: string }).code === "23505") throw conflict(`A Confluence connection named "${input.name}" already exists.`);
        throw err;
      });
    await recordAudit(tx, actor, {
      action: "connection.updated",
      targetType: "connection",
      targetId: id,
      details: { fields: Object.keys(input).filter((k) => input[k as keyof typeof input] !== undefined) },
    });
    return rows[0]!;
  });
  if (input.clientSecret !== undefined && row.secret_id) {
    const clientSecret = input.clientSecret;
    await withSecretLock(deps, actor, id, (_tx, _row, stored, save) => save({ ...stored, clientSecret }));
  }
  // Including or leaving out restricted pages changes what is indexed: a full sync applies it.
  if (input.includeRestricted !== undefined && row.config.spaces && row.config.site) await deps.requestSync(actor, id, true);
  return presentConfluence(deps.baseUrl, row);
}

/** Deletes a connection, its documents and its secret. */
export async function deleteConfluenceConnection(deps: ConfluenceDependencies, actor: OrgActor, id: string): Promise<void> {
  const secretId = await withTenant(deps.db, actor, async (tx) => {
    const row = await findConfluenceRow(tx, id);
    await tx.query("delete from confluence_connections where id = $1", [id]);
    await recordAudit(tx, actor, { action: "connection.deleted", targetType: "connection", targetId: id, details: { name: row.name, type: "confluence" } });
    return row.secret_id;
  });
  if (secretId) await deleteSecret(deps.db, actor, secretId);
}

/**
 * Runs `fn` holding the connection's token lock, with its row and stored secret read in the
 * same transaction: every change to the secret (refresh, reconnect, new client secret) goes
 * through here, so a rotated refresh token is never overwritten by a stale copy.
 */
async function withSecretLock<T>(
  deps: ConfluenceDependencies,
  scope: TenantScope,
  id: string,
  fn: (tx: Queryable, row: ConfluenceRow, secret: StoredSecret, save: (next: StoredSecret) => Promise<void>) => Promise<T>,
): Promise<T> {
  return withTenant(deps.db, scope, async (tx) => {
    await tx.query("select pg_advisory_xact_lock(hashtext('confluence-token:' || $1))", [id]);
    const row = await findConfluenceRow(tx, id);
    if (!row.secret_id) throw new AppError("confluence_not_connected", 409, "The connection has no stored credentials: add it again.");
    const secretId = row.secret_id;
    const secret = JSON.parse(await readSecret(deps.db, deps.secretBox, scope, secretId, tx)) as StoredSecret;
    return fn(tx, row, secret, (next) => replaceSecret(deps.db, deps.secretBox, scope, secretId, JSON.stringify(next), tx));
  });
}

const stateKey = (authSecret: string) => createHmac("sha256", authSecret).update("ctxpipe/atlassian-oauth-state/v1").digest();
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
  const payload = Buffer.from(JSON.stringify({ c: id, o: actor.orgId, u: actor.userId, n: nonce, e: expiresAt })).toString("base64url");
  const state = `${payload}.${createHmac("sha256", stateKey(deps.authSecret)).update(payload).digest("base64url")}`;
  return {
    authorizeUrl: deps.api.authorizeUrl({ clientId: row.config.clientId, redirectUri: `${deps.baseUrl}${ATLASSIAN_CALLBACK_PATH}`, state }),
    expiresAt: new Date(expiresAt).toISOString(),
  };
}

const invalidState = (why: string) => new AppError("invalid_oauth_state", 400, `The Atlassian authorisation ${why}: start connecting again from ctxpipe.`);

/** Checks the state's signature and expiry; answers what it carries. */
function verifyState(authSecret: string, raw: string): { connectionId: string; orgId: string; userId: string; nonce: string } {
  const [payload, mac, extra] = raw.split(".");
  if (!payload || !mac || extra !== undefined || raw.length > 1000) throw invalidState("is not valid");
  const expected = createHmac("sha256", stateKey(authSecret)).update(payload).digest();
  const given = Buffer.from(mac, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidState("is not valid");
  let parsed: { c?: unknown; o?: unknown; u?: unknown; n?: unknown; e?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    throw invalidState("is not valid");
  }
  const { c, o, u, n, e } = parsed;
  if (typeof c !== "string" || typeof o !== "string" || typeof u !== "string" || typeof n !== "string" || typeof e !== "number")
    throw invalidState("is not valid");
  if (e < Date.now()) throw invalidState("has expired");
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
  const state = verifyState(deps.authSecret, input.state);
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

/** Picks the spaces to sync and queues a sync (documents of spaces left out are deleted by it). */
export async function selectSpaces(deps: ConfluenceDependencies, actor: OrgActor, id: string, spaces: SpaceSelection): Promise<ConfluenceConnection> {
  const row = await withTenant(deps.db, actor, async (tx) => {
    const current = await findConfluenceRow(tx, id);
    if (!current.config.site) throw new AppError("confluence_not_connected", 409, "Connect to Atlassian before picking spaces.");
    const { rows } = await tx.query<ConfluenceRow>("update confluence_connections set config = $2, updated_at = now() where id = $1 returning *", [
      id,
      JSON.stringify({ ...current.config, spaces: spaces === "all" ? "all" : [...new Set(spaces)].sort() }),
    ]);
    await recordAudit(tx, actor, { action: "connection.spaces_selected", targetType: "connection", targetId: id, details: { spaces } });
    return rows[0]!;
  });
  await deps.requestSync(actor, id, false);
  return presentConfluence(deps.baseUrl, row);
}

/** Queues a sync now. @throws not_found, confluence_not_connected (409). */
export async function requestSyncNow(deps: ConfluenceDependencies, scope: TenantScope, id: string, full: boolean): Promise<void> {
  const row = await withTenant(deps.db, scope, (tx) => findConfluenceRow(tx, id));
  if (!row.config.site) throw new AppError("confluence_not_connected", 409, "Connect to Atlassian before syncing.");
  await deps.requestSync(scope, id, full);
}
