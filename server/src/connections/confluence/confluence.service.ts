/**
 * Confluence connections of an organisation (docs/confluence.md): created with the operator's
 * Atlassian OAuth app (client id, and the client secret stored encrypted), read, changed,
 * deleted, told which spaces to sync, and synced on request. Connecting to Atlassian (the
 * OAuth state and callback) and the tokens are confluence-oauth.ts's; both change the stored
 * secret only through `withSecretLock` here, so a rotated refresh token is never overwritten.
 */
import { type OrgActor, recordAudit } from "../../accounts/index.js";
import type { SecretBox } from "../../platform/crypto/secret-box.js";
import type { Database } from "../../platform/db/database.js";
import { type Queryable, type TenantScope, withTenant } from "../../platform/db/tenant.js";
import { AppError, conflict, notFound } from "../../platform/errors.js";
import { deleteSecret, readSecret, replaceSecret, storeSecret } from "../../secrets/index.js";
import { newConnectionId } from "../connection-ids.js";
import { ATLASSIAN_SCOPES, type AtlassianApi } from "./atlassian-api.js";

/** The callback Atlassian sends the admin's browser back to (the contract's fixed path). */
export const ATLASSIAN_CALLBACK_PATH = "/api/v1/integrations/atlassian/callback";

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

/** The stored secret: the OAuth client's, and the tokens once connected. */
export interface StoredSecret {
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
export async function withSecretLock<T>(
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
