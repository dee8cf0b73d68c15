/**
 * Organisation invitations, the inviting side: create, list, revoke and resend. An invitation
 * is a one-time link carrying a random token; only its sha256 is stored. With e-mail
 * configured the link goes out by mail and never back to the inviter; without, the inviter
 * gets the link to pass on. The token and link are never logged or audited.
 * The invitee's side (preview and accept) is in invitation-accept.service.ts.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Config } from "../../platform/config/config.js";
import type { Database } from "../../platform/db/database.js";
import { withTenant, type Queryable } from "../../platform/db/tenant.js";
import type { Mailer } from "../../platform/email/mailer.js";
import { AppError, conflict, forbidden, notFound } from "../../platform/errors.js";
import type { OrgRole } from "../../platform/org-roles.js";
import { consumeRateLimit, type RateLimit } from "../../platform/rate-limit.js";
import type { OrgActor } from "../actor.js";
import { recordAudit } from "../audit/audit.service.js";
import { canManageRole } from "../roles.js";

/** What the invitation service needs. */
export interface InvitationDependencies {
  db: Database;
  mailer: Mailer;
  config: Pick<Config, "baseUrl" | "invitationTtlHours">;
}

/** Limits on sending invitations (per inviter and per org) and on accepting them (per IP). */
export const INVITATION_RATE_LIMITS = {
  sendPerUser: { name: "invite-send-user", max: 30, windowSeconds: 3600 },
  sendPerOrg: { name: "invite-send-org", max: 100, windowSeconds: 86_400 },
  acceptPerIp: { name: "invite-accept-ip", max: 30, windowSeconds: 600 },
} satisfies Record<string, RateLimit>;

/** Where an invitation stands; derived from its timestamps. */
export type InvitationStatus = "pending" | "accepted" | "revoked" | "expired";

/** An invitation as the API shows it (never its token or hash). */
export interface Invitation {
  id: string;
  email: string;
  role: OrgRole;
  status: InvitationStatus;
  invitedBy: string | null;
  expiresAt: string;
  lastSentAt: string;
  createdAt: string;
  acceptedAt: string | null;
  acceptedBy: string | null;
  revokedAt: string | null;
}

/** The result of sending: `inviteUrl` only when no e-mail went out. */
export interface SentInvitation {
  invitation: Invitation;
  emailSent: boolean;
  inviteUrl?: string;
}

/** Invitations closed longer ago than this drop out of the list. */
const RECENT_DAYS = 30;

interface InvitationRow {
  id: string;
  email: string;
  role: OrgRole;
  invited_by: string | null;
  expires_at: Date;
  last_sent_at: Date;
  created_at: Date;
  accepted_at: Date | null;
  accepted_by: string | null;
  revoked_at: Date | null;
}

const COLUMNS = "id, email, role, invited_by, expires_at, last_sent_at, created_at, accepted_at, accepted_by, revoked_at";

/** A new secret token (32 random bytes, base64url) and the hash that is stored. */
export function newInvitationToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashInvitationToken(token) };
}

/** sha256 hex of a token, as stored in org_invitations.token_hash. */
export function hashInvitationToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** The status of an invitation from its timestamps. */
export function invitationStatus(r: { accepted_at: Date | null; revoked_at: Date | null; expires_at: Date }): InvitationStatus {
  if (r.accepted_at) return "accepted";
  if (r.revoked_at) return "revoked";
  return r.expires_at.getTime() <= Date.now() ? "expired" : "pending";
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function present(r: InvitationRow): Invitation {
  return {
    id: r.id,
    email: r.email,
    role: r.role,
    status: invitationStatus(r),
    invitedBy: r.invited_by,
    expiresAt: r.expires_at.toISOString(),
    lastSentAt: r.last_sent_at.toISOString(),
    createdAt: r.created_at.toISOString(),
    acceptedAt: iso(r.accepted_at),
    acceptedBy: r.accepted_by,
    revokedAt: iso(r.revoked_at),
  };
}

/** What the e-mail names: the organisation and who invites. */
async function mailContext(tx: Queryable, actor: OrgActor): Promise<{ orgName: string; inviterName: string }> {
  const { rows } = await tx.query<{ org_name: string; inviter_name: string | null }>(
    `select o.name as org_name, coalesce(nullif(u."name", ''), u."email") as inviter_name
     from orgs o left join auth."user" u on u."id" = $2 where o.id = $1`,
    [actor.orgId, actor.userId],
  );
  return { orgName: rows[0]?.org_name ?? "an organisation", inviterName: rows[0]?.inviter_name ?? "Someone" };
}

/** Sends the link by e-mail, or hands it back when e-mail is not configured. */
async function deliver(
  deps: InvitationDependencies,
  row: InvitationRow,
  token: string,
  ctx: { orgName: string; inviterName: string },
): Promise<SentInvitation> {
  const invitation = present(row);
  const inviteUrl = `${deps.config.baseUrl}/invitations/accept?token=${token}`;
  if (!deps.mailer.enabled) return { invitation, emailSent: false, inviteUrl };
  const oneLine = (s: string) => s.replace(/[\r\n\t]+/g, " ");
  try {
    await deps.mailer.send({
      to: row.email,
      subject: oneLine(`${ctx.inviterName} invited you to ${ctx.orgName} on ctx|`),
      text:
        `${oneLine(ctx.inviterName)} invited you to join the organisation "${oneLine(ctx.orgName)}" on ctx| as ${row.role}.\n\n` +
        `Accept the invitation: ${inviteUrl}\n\n` +
        `Sign in (or sign up) with this e-mail address, ${row.email}. The link is valid until ${invitation.expiresAt}.\n` +
        `If you did not expect this invitation, ignore this message.`,
    });
  } catch (err) {
    throw new AppError("email_failed", 502, "The invitation e-mail could not be sent; try again later.", { cause: err, expose: true });
  }
  return { invitation, emailSent: true };
}

function assertMayManage(actor: OrgActor, role: OrgRole): void {
  if (!canManageRole(actor.role, role)) throw forbidden("Only owners can invite owners or manage their invitations.");
}

async function consumeSendLimits(deps: InvitationDependencies, actor: OrgActor): Promise<void> {
  await consumeRateLimit(deps.db.app, INVITATION_RATE_LIMITS.sendPerUser, [actor.userId]);
  await consumeRateLimit(deps.db.app, INVITATION_RATE_LIMITS.sendPerOrg, [actor.orgId]);
}

/**
 * Invites `email` with `role`. An expired open invitation for the same address is closed
 * (revoked) and replaced. When the e-mail cannot be sent the invitation is withdrawn again.
 * @throws forbidden (only owners invite owners), conflict (already a member, or an open
 *   invitation exists), rate_limited, email_failed (502).
 */
export async function createInvitation(deps: InvitationDependencies, actor: OrgActor, input: { email: string; role: OrgRole }): Promise<SentInvitation> {
  assertMayManage(actor, input.role);
  await consumeSendLimits(deps, actor);
  const { token, hash } = newInvitationToken();
  const expiresAt = new Date(Date.now() + deps.config.invitationTtlHours * 3600_000);
  const { row, ctx } = await withTenant(deps.db, actor, async (tx) => {
    const member = await tx.query(`select 1 from org_members m join auth."user" u on u."id" = m.user_id where m.org_id = $1 and lower(u."email") = lower($2)`, [
      actor.orgId,
      input.email,
    ]);
    if (member.rows.length > 0) throw conflict(`${input.email} is already a member of this organisation.`);
    await tx.query(
      `update org_invitations set revoked_at = now()
       where org_id = $1 and lower(email) = lower($2) and accepted_at is null and revoked_at is null and expires_at <= now()`,
      [actor.orgId, input.email],
    );
    const { rows } = await tx
      .query<InvitationRow>(
        `insert into org_invitations (org_id, email, role, token_hash, invited_by, expires_at)
         values ($1, $2, $3, $4, $5, $6) returning ${COLUMNS}`,
        [actor.orgId, input.email, input.role, hash, actor.userId, expiresAt],
      )
      .catch((err: { code?: string }) => {
        // org_invitations_open_idx: one open invitation per address and org.
        throw err.code === "23505" ? conflict(`${input.email} already has an open invitation: resend or revoke it instead.`) : err;
      });
    const row = rows[0] as InvitationRow;
    await recordAudit(tx, actor, { action: "invitation.created", targetType: "invitation", targetId: row.id, details: { email: row.email, role: row.role } });
    return { row, ctx: await mailContext(tx, actor) };
  });
  try {
    return await deliver(deps, row, token, ctx);
  } catch (err) {
    await withTenant(deps.db, actor, async (tx) => {
      await tx.query("delete from org_invitations where id = $1", [row.id]);
      await recordAudit(tx, actor, {
        action: "invitation.email_failed",
        targetType: "invitation",
        targetId: row.id,
        details: { email: row.email, role: row.role },
      });
    });
    throw err;
  }
}

/** Open invitations, and those closed in the last 30 days, newest first. */
export async function listInvitations(deps: InvitationDependencies, actor: OrgActor): Promise<Invitation[]> {
  return withTenant(deps.db, actor, async (tx) => {
    const { rows } = await tx.query<InvitationRow>(
      `select ${COLUMNS} from org_invitations
       where org_id = $1 and ((accepted_at is null and revoked_at is null) or created_at > now() - make_interval(days => $2))
       order by created_at desc limit 500`,
      [actor.orgId, RECENT_DAYS],
    );
    return rows.map(present);
  });
}

/** Locks one invitation of the actor's org, checks the actor may manage it, and that it is open. */
async function lockOpen(tx: Queryable, actor: OrgActor, id: string): Promise<InvitationRow> {
  const { rows } = await tx.query<InvitationRow>(`select ${COLUMNS} from org_invitations where org_id = $1 and id = $2 for update`, [actor.orgId, id]);
  const row = rows[0];
  if (!row) throw notFound("invitation");
  assertMayManage(actor, row.role);
  if (row.accepted_at) throw conflict("The invitation was already accepted.");
  return row;
}

/**
 * Revokes an open invitation; its link stops working. Revoking twice is a no-op.
 * @throws not_found, forbidden, conflict (already accepted).
 */
export async function revokeInvitation(deps: InvitationDependencies, actor: OrgActor, id: string): Promise<void> {
  await withTenant(deps.db, actor, async (tx) => {
    const row = await lockOpen(tx, actor, id);
    if (row.revoked_at) return;
    await tx.query("update org_invitations set revoked_at = now() where id = $1", [id]);
    await recordAudit(tx, actor, { action: "invitation.revoked", targetType: "invitation", targetId: id, details: { email: row.email, role: row.role } });
  });
}

/**
 * Sends an invitation again with a new token (the old link stops working) and a new expiry.
 * @throws not_found, forbidden, conflict (accepted or revoked), rate_limited, email_failed.
 */
export async function resendInvitation(deps: InvitationDependencies, actor: OrgActor, id: string): Promise<SentInvitation> {
  await consumeSendLimits(deps, actor);
  const { token, hash } = newInvitationToken();
  const expiresAt = new Date(Date.now() + deps.config.invitationTtlHours * 3600_000);
  const { row, ctx } = await withTenant(deps.db, actor, async (tx) => {
    const current = await lockOpen(tx, actor, id);
    if (current.revoked_at) throw conflict("The invitation was revoked: invite again instead.");
    const { rows } = await tx.query<InvitationRow>(
      `update org_invitations set token_hash = $2, expires_at = $3, last_sent_at = now() where id = $1 returning ${COLUMNS}`,
      [id, hash, expiresAt],
    );
    const row = rows[0] as InvitationRow;
    await recordAudit(tx, actor, { action: "invitation.resent", targetType: "invitation", targetId: id, details: { email: row.email, role: row.role } });
    return { row, ctx: await mailContext(tx, actor) };
  });
  return deliver(deps, row, token, ctx);
}
