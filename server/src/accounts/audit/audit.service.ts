/**
 * The per-organisation audit log: who did what, when, from where. Written in the same
 * transaction as the change it records; read by admins.
 */
import type { Database } from "../../platform/db/database.js";
import { withTenant, withUserScope, type Queryable } from "../../platform/db/tenant.js";
import type { OrgActor } from "../actor.js";

/** What happened. Actions are past tense: `member.role_changed`. */
export interface AuditEntry {
  action: string;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
}

/** Who acted, as the audit log shows it. */
export interface AuditEventActor {
  type: string;
  userId: string | null;
  /** The user's e-mail and name (null when the user was deleted, or for `system`). */
  email: string | null;
  name: string | null;
  /** The API key used (type `api_key`); null otherwise. */
  apiKeyId: string | null;
  /** The key's name, while it exists. */
  apiKeyName: string | null;
}

/** An audit event as returned by the API. */
export interface AuditEvent {
  id: string;
  action: string;
  actorType: string;
  actorUserId: string | null;
  actor: AuditEventActor;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  createdAt: string;
}

/** Who did something: a user or API key of the org, or ctxpipe itself (`system`: webhooks, jobs; no user). */
export type AuditActor =
  | Pick<OrgActor, "orgId" | "userId" | "actorType" | "apiKeyId" | "ip">
  | { orgId: string; userId: null; actorType: "system"; apiKeyId?: undefined; ip: null };

/** The actor of what ctxpipe does on its own in `orgId` (webhook deliveries, reconcile). */
export const systemActor = (orgId: string): AuditActor => ({ orgId, userId: null, actorType: "system", ip: null });

/** Records one event inside the caller's org-scoped transaction. */
export async function recordAudit(tx: Queryable, actor: AuditActor, entry: AuditEntry): Promise<void> {
  await tx.query(
    `insert into audit_events (org_id, actor_user_id, actor_type, action, target_type, target_id, details, ip, actor_api_key_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      actor.orgId,
      actor.userId,
      actor.actorType,
      entry.action,
      entry.targetType ?? null,
      entry.targetId ?? null,
      entry.details ?? {},
      actor.ip || null,
      actor.actorType === "api_key" ? (actor.apiKeyId ?? null) : null,
    ],
  );
}

/** Records a sign-in in every organisation the user belongs to. */
export async function recordSignIn(db: Database, userId: string, ip: string | null | undefined): Promise<void> {
  const orgIds = await withUserScope(db, userId, async (tx) => {
    const { rows } = await tx.query<{ org_id: string }>("select org_id from org_members where user_id = $1", [userId]);
    return rows.map((r) => r.org_id);
  });
  for (const orgId of orgIds) {
    await withTenant(db, { orgId, userId }, (tx) =>
      recordAudit(tx, { orgId, userId, actorType: "user", ip: ip ?? "" }, { action: "user.signed_in", targetType: "user", targetId: userId }),
    );
  }
}

/** Lists events newest first; `before` is the id cursor from the previous page. */
export async function listAuditEvents(
  db: Database,
  actor: OrgActor,
  page: { limit: number; before?: string },
): Promise<{ events: AuditEvent[]; nextCursor: string | null }> {
  return withTenant(db, actor, async (tx) => {
    const { rows } = await tx.query<{
      id: string;
      action: string;
      actor_type: string;
      actor_user_id: string | null;
      target_type: string | null;
      target_id: string | null;
      details: Record<string, unknown>;
      ip: string | null;
      created_at: Date;
      actor_email: string | null;
      actor_name: string | null;
      actor_api_key_id: string | null;
      actor_api_key_name: string | null;
    }>(
      `select e.id::text, e.action, e.actor_type, e.actor_user_id, e.target_type, e.target_id, e.details, e.ip, e.created_at,
              u."email" as actor_email, u."name" as actor_name, e.actor_api_key_id, k.name as actor_api_key_name
       from audit_events e
       left join auth."user" u on u."id" = e.actor_user_id
       left join api_keys k on k.id::text = e.actor_api_key_id
       where ($1::bigint is null or e.id < $1::bigint) order by e.id desc limit $2`,
      [page.before ?? null, page.limit + 1],
    );
    const events = rows.slice(0, page.limit).map((r) => ({
      id: r.id,
      action: r.action,
      actorType: r.actor_type,
      actorUserId: r.actor_user_id,
      actor: {
        type: r.actor_type,
        userId: r.actor_user_id,
        email: r.actor_email,
        name: r.actor_name,
        apiKeyId: r.actor_api_key_id,
        apiKeyName: r.actor_api_key_name,
      },
      targetType: r.target_type,
      targetId: r.target_id,
      details: r.details,
      ip: r.ip,
      createdAt: r.created_at.toISOString(),
    }));
    return { events, nextCursor: rows.length > page.limit ? (events.at(-1)?.id ?? null) : null };
  });
}
