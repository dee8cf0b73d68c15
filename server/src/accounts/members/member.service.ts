/**
 * Members of an organisation: list, change a role, remove (or leave). Only owners grant,
 * change or remove the owner role, and an organisation always keeps at least one owner.
 */
import type { Database } from "../../platform/db/database.js";
import { withTenant, type Queryable } from "../../platform/db/tenant.js";
import { AppError, forbidden, notFound } from "../../platform/errors.js";
import type { OrgRole } from "../../platform/org-roles.js";
import type { OrgActor } from "../actor.js";
import { recordAudit } from "../audit/audit.service.js";
import { canManageRole } from "../roles.js";

/** A member as the API shows it. */
export interface Member {
  userId: string;
  email: string;
  name: string;
  role: OrgRole;
  joinedAt: string;
}

/** Lists the organisation's members by name. */
export async function listMembers(db: Database, actor: OrgActor): Promise<Member[]> {
  return withTenant(db, actor, async (tx) => {
    const { rows } = await tx.query<{ user_id: string; email: string; name: string; role: OrgRole; created_at: Date }>(
      `select m.user_id, u."email" as email, u."name" as name, m.role, m.created_at
       from org_members m join auth."user" u on u."id" = m.user_id
       where m.org_id = $1 order by u."name", u."email"`,
      [actor.orgId],
    );
    return rows.map((r) => ({ userId: r.user_id, email: r.email, name: r.name, role: r.role, joinedAt: r.created_at.toISOString() }));
  });
}

/** Locks the org row (serialising owner changes) and returns the target's current role. */
async function lockAndFindRole(tx: Queryable, orgId: string, userId: string): Promise<OrgRole> {
  await tx.query("select 1 from orgs where id = $1 for update", [orgId]);
  const { rows } = await tx.query<{ role: OrgRole }>("select role from org_members where org_id = $1 and user_id = $2", [orgId, userId]);
  if (!rows[0]) throw notFound("member");
  return rows[0].role;
}

async function assertNotLastOwner(tx: Queryable, orgId: string): Promise<void> {
  const { rows } = await tx.query<{ n: number }>("select count(*)::int as n from org_members where org_id = $1 and role = 'owner'", [orgId]);
  if ((rows[0]?.n ?? 0) <= 1) {
    throw new AppError("last_owner", 409, "An organisation needs at least one owner: make someone else owner first.");
  }
}

/**
 * Changes a member's role.
 * @throws not_found, forbidden (role too low), last_owner (409).
 */
export async function changeMemberRole(db: Database, actor: OrgActor, userId: string, role: OrgRole): Promise<Member> {
  await withTenant(db, actor, async (tx) => {
    const current = await lockAndFindRole(tx, actor.orgId, userId);
    if (!canManageRole(actor.role, current) || !canManageRole(actor.role, role)) throw forbidden("Only owners can grant or change the owner role.");
    if (current === role) return;
    if (current === "owner") await assertNotLastOwner(tx, actor.orgId);
    await tx.query("update org_members set role = $3 where org_id = $1 and user_id = $2", [actor.orgId, userId, role]);
    await recordAudit(tx, actor, { action: "member.role_changed", targetType: "user", targetId: userId, details: { from: current, to: role } });
  });
  const member = (await listMembers(db, actor)).find((m) => m.userId === userId);
  if (!member) throw notFound("member");
  return member;
}

/**
 * Removes a member; anyone may remove themselves (leave).
 * @throws not_found, forbidden, last_owner (409).
 */
export async function removeMember(db: Database, actor: OrgActor, userId: string): Promise<void> {
  await withTenant(db, actor, async (tx) => {
    const current = await lockAndFindRole(tx, actor.orgId, userId);
    const leaving = userId === actor.userId;
    if (!leaving && !canManageRole(actor.role, current)) throw forbidden("Your role cannot remove this member.");
    if (current === "owner") await assertNotLastOwner(tx, actor.orgId);
    await tx.query("delete from org_members where org_id = $1 and user_id = $2", [actor.orgId, userId]);
    // Keys act for their user: they stop working when the user leaves.
    await tx.query("update api_keys set revoked_at = now() where org_id = $1 and user_id = $2 and revoked_at is null", [actor.orgId, userId]);
    await recordAudit(tx, actor, { action: leaving ? "member.left" : "member.removed", targetType: "user", targetId: userId, details: { role: current } });
  });
}
