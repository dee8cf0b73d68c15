/**
 * Organisations: create (the creator becomes owner), list the caller's, read, rename, delete.
 * Deleting cascades to every org-owned row (foreign keys with ON DELETE CASCADE).
 */
import { randomUUID } from "node:crypto";
import type { Database } from "../../platform/db/database.js";
import { withTenant, withUserScope } from "../../platform/db/tenant.js";
import { conflict, invalidInput } from "../../platform/errors.js";
import type { OrgRole } from "../../platform/org-roles.js";
import type { OrgActor } from "../actor.js";
import { recordAudit } from "../audit/audit.service.js";

/** Slugs that would collide with routes or confuse people. */
export const RESERVED_SLUGS = new Set([
  "admin",
  "api",
  "app",
  "assets",
  "auth",
  "billing",
  "ctxpipe",
  "dashboard",
  "docs",
  "github",
  "help",
  "login",
  "logout",
  "mcp",
  "me",
  "new",
  "oauth",
  "org",
  "orgs",
  "root",
  "settings",
  "signin",
  "signup",
  "sign-in",
  "sign-up",
  "sign-out",
  "invitations",
  "forgot-password",
  "reset-password",
  "static",
  "status",
  "support",
  "system",
  "well-known",
  "www",
]);

/** An organisation as the API shows it. */
export interface Org {
  id: string;
  slug: string;
  name: string;
  createdAt: string;
}

/** An organisation with the caller's role in it. */
export interface OrgWithRole extends Org {
  role: OrgRole;
}

interface OrgRow {
  id: string;
  slug: string;
  name: string;
  created_at: Date;
}

const present = (r: OrgRow): Org => ({ id: r.id, slug: r.slug, name: r.name, createdAt: r.created_at.toISOString() });

/**
 * Creates an organisation owned by `creator`.
 * @throws AppError invalid_input (reserved slug) or conflict (slug taken).
 */
export async function createOrg(db: Database, creator: { userId: string; ip: string }, input: { slug: string; name: string }): Promise<Org> {
  if (RESERVED_SLUGS.has(input.slug))
    throw invalidInput(`The slug "${input.slug}" is reserved; choose another.`, { fields: [{ path: "slug", message: "reserved" }] });
  const orgId = randomUUID();
  try {
    return await withTenant(db, { orgId, userId: creator.userId }, async (tx) => {
      const { rows } = await tx.query<OrgRow>("insert into orgs (id, slug, name) values ($1, $2, $3) returning *", [orgId, input.slug, input.name]);
      await tx.query("insert into org_members (org_id, user_id, role) values ($1, $2, 'owner')", [orgId, creator.userId]);
      await recordAudit(
        tx,
        { orgId, userId: creator.userId, actorType: "user", ip: creator.ip },
        {
          action: "org.created",
          targetType: "org",
          targetId: orgId,
          details: { slug: input.slug, name: input.name },
        },
      );
      return present(rows[0] as OrgRow);
    });
  } catch (err) {
    if ((err as { code?: string; constraint?: string }).code === "23505") throw conflict(`The slug "${input.slug}" is already taken.`);
    throw err;
  }
}

/** The organisations `userId` belongs to, with their role, by name. */
export async function listOrgsOf(db: Database, userId: string): Promise<OrgWithRole[]> {
  return withUserScope(db, userId, async (tx) => {
    const { rows } = await tx.query<OrgRow & { role: OrgRole }>(
      "select o.*, m.role from orgs o join org_members m on m.org_id = o.id and m.user_id = $1 order by o.name, o.slug",
      [userId],
    );
    return rows.map((r) => ({ ...present(r), role: r.role }));
  });
}

/** The actor's organisation. */
export async function getOrg(db: Database, actor: OrgActor): Promise<OrgWithRole> {
  return withTenant(db, actor, async (tx) => {
    const { rows } = await tx.query<OrgRow>("select * from orgs where id = $1", [actor.orgId]);
    return { ...present(rows[0] as OrgRow), role: actor.role };
  });
}

/** Renames the organisation (admin or owner; the route checks the role). */
export async function renameOrg(db: Database, actor: OrgActor, name: string): Promise<OrgWithRole> {
  return withTenant(db, actor, async (tx) => {
    const { rows } = await tx.query<OrgRow & { old_name: string }>(
      `update orgs o set name = $2, updated_at = now() from (select name as old_name from orgs where id = $1) prev
       where o.id = $1 returning o.*, prev.old_name`,
      [actor.orgId, name],
    );
    const row = rows[0] as OrgRow & { old_name: string };
    await recordAudit(tx, actor, { action: "org.renamed", targetType: "org", targetId: actor.orgId, details: { from: row.old_name, to: name } });
    return { ...present(row), role: actor.role };
  });
}

/** Deletes the organisation and all its data (owner; the route checks the role). */
export async function deleteOrg(db: Database, actor: OrgActor): Promise<void> {
  await withTenant(db, actor, (tx) => tx.query("delete from orgs where id = $1", [actor.orgId]));
}
