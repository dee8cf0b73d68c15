/**
 * Organisation invitations, the invitee's side: preview an invitation by its token (public)
 * and accept it as the signed-in user whose e-mail address it was sent to. The token is found
 * through the security-definer lookup ctxpipe_find_invitation before the org is known; the
 * writes then run in that org's tenant scope.
 */
import type { Database } from "../../platform/db/database.js";
import { unsafeAcrossTenants, withTenant } from "../../platform/db/tenant.js";
import { AppError, conflict, notFound } from "../../platform/errors.js";
import type { OrgRole } from "../../platform/org-roles.js";
import { consumeRateLimit, type FailureLimit } from "../../platform/rate-limit.js";
import { recordAudit } from "../audit/audit.service.js";
import { hashInvitationToken, INVITATION_RATE_LIMITS, invitationStatus, type InvitationStatus } from "./invitation.service.js";

/** What the accept page shows. */
export interface InvitationPreview {
  orgName: string;
  orgSlug: string;
  email: string;
  role: OrgRole;
  status: InvitationStatus;
  expiresAt: string;
}

/** The signed-in user accepting an invitation. */
export interface Invitee {
  userId: string;
  email: string;
  ip: string;
}

interface FoundInvitation {
  invitation_id: string;
  org_id: string;
  org_slug: string;
  org_name: string;
  email: string;
  role: OrgRole;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
}

/** Tokens are 32 bytes in base64url (43 characters); anything else cannot match. */
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** Who presents a token: unknown tokens count as failures of this client IP. */
export interface TokenPresenter {
  ip: string;
  failures: FailureLimit;
}

async function findByToken(db: Database, token: string, presenter: TokenPresenter): Promise<FoundInvitation> {
  await presenter.failures.assertAllowed(presenter.ip);
  const rows = TOKEN_FORMAT.test(token)
    ? (await db.app.query<FoundInvitation>("select * from ctxpipe_find_invitation($1)", [hashInvitationToken(token)])).rows
    : [];
  if (!rows[0]) {
    await presenter.failures.recordFailure(presenter.ip);
    throw notFound("invitation");
  }
  return rows[0];
}

/**
 * The invitation behind `token`, for the accept page.
 * @throws not_found for an unknown (or replaced) token.
 */
export async function previewInvitation(db: Database, token: string, presenter: TokenPresenter): Promise<InvitationPreview> {
  const found = await findByToken(db, token, presenter);
  return {
    orgName: found.org_name,
    orgSlug: found.org_slug,
    email: found.email,
    role: found.role,
    status: invitationStatus(found),
    expiresAt: found.expires_at.toISOString(),
  };
}

/**
 * The invitation behind `token` as sign-up sees it (its address and status), or undefined
 * for an unknown token (counted as a failure of the presenter's IP).
 */
export async function invitationForSignUp(
  db: Database,
  token: string,
  presenter: TokenPresenter,
): Promise<{ email: string; status: InvitationStatus } | undefined> {
  try {
    const found = await findByToken(db, token, presenter);
    return { email: found.email, status: invitationStatus(found) };
  } catch (err) {
    if (err instanceof AppError && err.code === "not_found") return undefined;
    throw err;
  }
}

/** True when some organisation has a pending, unexpired invitation for `email`. */
export async function hasPendingInvitation(db: Database, email: string): Promise<boolean> {
  return unsafeAcrossTenants(db, "sign-up policy: an invited address may sign up, whichever organisation invited it", async (tx) => {
    const { rows } = await tx.query(
      "select 1 from org_invitations where lower(email) = lower($1) and accepted_at is null and revoked_at is null and expires_at > now() limit 1",
      [email],
    );
    return rows.length > 0;
  });
}

function assertAcceptable(status: InvitationStatus): void {
  if (status === "expired") throw new AppError("invitation_expired", 410, "The invitation has expired: ask for a new one.");
  if (status !== "pending") throw new AppError("invitation_unavailable", 410, "The invitation was already used or revoked.");
}

/**
 * Accepts the invitation behind `token`: the invitee becomes a member with the invited role.
 * @throws rate_limited, not_found, invitation_expired / invitation_unavailable (410),
 *   invitation_email_mismatch (403), conflict (already a member).
 */
export async function acceptInvitation(
  db: Database,
  invitee: Invitee,
  token: string,
  failures: FailureLimit,
): Promise<{ org: { id: string; slug: string; name: string; role: OrgRole } }> {
  await consumeRateLimit(db.app, INVITATION_RATE_LIMITS.acceptPerIp, [invitee.ip]);
  const found = await findByToken(db, token, { ip: invitee.ip, failures });
  assertAcceptable(invitationStatus(found));
  if (found.email.toLowerCase() !== invitee.email.toLowerCase()) {
    throw new AppError("invitation_email_mismatch", 403, "This invitation was sent to another e-mail address: sign in with that address to accept it.");
  }
  const actor = { orgId: found.org_id, userId: invitee.userId, actorType: "user" as const, ip: invitee.ip };
  await withTenant(db, actor, async (tx) => {
    // Re-check under a lock: a concurrent accept, revoke or resend may have won.
    const { rows } = await tx.query<{ expires_at: Date; accepted_at: Date | null; revoked_at: Date | null }>(
      "select expires_at, accepted_at, revoked_at from org_invitations where id = $1 and token_hash = $2 for update",
      [found.invitation_id, hashInvitationToken(token)],
    );
    if (!rows[0]) throw notFound("invitation");
    assertAcceptable(invitationStatus(rows[0]));
    const member = await tx.query("select 1 from org_members where org_id = $1 and user_id = $2", [found.org_id, invitee.userId]);
    if (member.rows.length > 0) throw conflict("You are already a member of this organisation.");
    await tx.query("insert into org_members (org_id, user_id, role) values ($1, $2, $3)", [found.org_id, invitee.userId, found.role]);
    await tx.query("update org_invitations set accepted_at = now(), accepted_by = $2 where id = $1", [found.invitation_id, invitee.userId]);
    await recordAudit(tx, actor, {
      action: "invitation.accepted",
      targetType: "invitation",
      targetId: found.invitation_id,
      details: { email: found.email, role: found.role },
    });
  });
  return { org: { id: found.org_id, slug: found.org_slug, name: found.org_name, role: found.role } };
}
