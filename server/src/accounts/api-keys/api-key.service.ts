/**
 * Organisation API keys: a key acts for one user in one organisation. Only the sha256 of a
 * key is stored (verification: auth/authenticate.ts); the key itself is returned once, at
 * creation. Members manage their own keys; admins and owners see and revoke all of the org's.
 */
import { randomBytes } from "node:crypto";
import type { Database } from "../../platform/db/database.js";
import { withTenant } from "../../platform/db/tenant.js";
import { AppError, notFound } from "../../platform/errors.js";
import type { OrgActor } from "../actor.js";
import { recordAudit } from "../audit/audit.service.js";
import { API_KEY_PREFIX, hashApiKey } from "../auth/authenticate.js";
import { hasRole } from "../roles.js";

/** Active (not revoked, not expired) keys one user may hold in one organisation. */
export const MAX_ACTIVE_KEYS_PER_USER = 50;
/** Lists show at most this many keys, newest first. */
export const MAX_LISTED_KEYS = 500;
/** Characters of the key kept for display (`ctx_` and 8 more). */
const DISPLAY_PREFIX_LENGTH = 12;

/** An API key as the API shows it: never the key or its hash. */
export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  userId: string;
  /** The key's user; listed for admins and owners only. */
  user?: { email: string; name: string };
}

interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  user_id: string;
  email?: string;
  user_name?: string;
}

const COLUMNS = "k.id, k.name, k.prefix, k.created_at, k.expires_at, k.last_used_at, k.revoked_at, k.user_id";

function present(r: ApiKeyRow, withUser = false): ApiKey {
  const key: ApiKey = {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    createdAt: r.created_at.toISOString(),
    expiresAt: r.expires_at?.toISOString() ?? null,
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
    userId: r.user_id,
  };
  if (withUser) key.user = { email: r.email ?? "", name: r.user_name ?? "" };
  return key;
}

/** A new random key: `ctx_` and 40 base64url characters (240 bits). */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(30).toString("base64url");
}

/**
 * Creates a key for the actor's user in the actor's organisation.
 * @returns the stored key and, only here, the full secret key.
 * @throws not_found when the user is not a member, api_key_limit (409) at the active-key limit.
 */
export async function createApiKey(db: Database, actor: OrgActor, input: { name: string; expiresInDays?: number }): Promise<{ apiKey: ApiKey; key: string }> {
  const key = generateApiKey();
  const prefix = key.slice(0, DISPLAY_PREFIX_LENGTH);
  return withTenant(db, actor, async (tx) => {
    // Locking the membership serialises this user's creations (the limit holds) and waits for a
    // concurrent removal (which revokes the user's keys).
    const member = await tx.query("select 1 from org_members where org_id = $1 and user_id = $2 for update", [actor.orgId, actor.userId]);
    if (member.rowCount === 0) throw notFound("member");
    const { rows: counted } = await tx.query<{ n: number }>(
      `select count(*)::int as n from api_keys
       where org_id = $1 and user_id = $2 and revoked_at is null and (expires_at is null or expires_at > now())`,
      [actor.orgId, actor.userId],
    );
    if ((counted[0]?.n ?? 0) >= MAX_ACTIVE_KEYS_PER_USER) {
      throw new AppError("api_key_limit", 409, `You already have ${MAX_ACTIVE_KEYS_PER_USER} active API keys in this organisation; revoke one first.`);
    }
    const { rows } = await tx.query<ApiKeyRow>(
      `insert into api_keys as k (org_id, user_id, name, prefix, key_hash, expires_at)
       values ($1, $2, $3, $4, $5, case when $6::int is null then null else now() + make_interval(days => $6::int) end)
       returning ${COLUMNS}`,
      [actor.orgId, actor.userId, input.name, prefix, hashApiKey(key), input.expiresInDays ?? null],
    );
    const apiKey = present(rows[0] as ApiKeyRow);
    await recordAudit(tx, actor, {
      action: "api_key.created",
      targetType: "api_key",
      targetId: apiKey.id,
      details: { name: apiKey.name, prefix, expiresAt: apiKey.expiresAt },
    });
    return { apiKey, key };
  });
}

/** Lists keys newest first: the actor's own, or (admin and owner) all of the organisation's. */
export async function listApiKeys(db: Database, actor: OrgActor): Promise<ApiKey[]> {
  const all = hasRole(actor.role, "admin");
  return withTenant(db, actor, async (tx) => {
    const { rows } = await tx.query<ApiKeyRow>(
      `select ${COLUMNS}, u."email" as email, u."name" as user_name
       from api_keys k join auth."user" u on u."id" = k.user_id
       where k.org_id = $1 and ($2 or k.user_id = $3)
       order by k.created_at desc, k.id limit $4`,
      [actor.orgId, all, actor.userId, MAX_LISTED_KEYS],
    );
    return rows.map((r) => present(r, all));
  });
}

/**
 * Revokes a key: the actor's own, or any of the organisation's for admins and owners.
 * Revoking a revoked key changes nothing. Someone else's key answers not_found to a member,
 * so that its existence does not leak.
 */
export async function revokeApiKey(db: Database, actor: OrgActor, keyId: string): Promise<void> {
  await withTenant(db, actor, async (tx) => {
    const { rows } = await tx.query<ApiKeyRow>(`select ${COLUMNS} from api_keys k where k.org_id = $1 and k.id = $2 for update`, [actor.orgId, keyId]);
    const row = rows[0];
    if (!row || (row.user_id !== actor.userId && !hasRole(actor.role, "admin"))) throw notFound("API key");
    if (row.revoked_at) return;
    await tx.query("update api_keys set revoked_at = now() where id = $1", [keyId]);
    await recordAudit(tx, actor, {
      action: "api_key.revoked",
      targetType: "api_key",
      targetId: keyId,
      details: { name: row.name, prefix: row.prefix, userId: row.user_id },
    });
  });
}
