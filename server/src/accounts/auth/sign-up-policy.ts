/**
 * Who may create an account (AUTH_SIGN_UP, docs/configuration.md). Checked by Better Auth's
 * `user.validateUserInfo` hook, so every way in is covered: e-mail sign-up and the first
 * sign-in with GitHub or Google alike. Accounts made by `ctxpipe admin create-user` (no
 * request) are the operator's and pass.
 *
 * An invitation opens sign-up for the address it was sent to: an e-mail sign-up passes the
 * invitation token (`invitationToken` in the body, from the invitation link); a social sign-in,
 * whose address the provider verified, needs only a pending invitation for that address.
 */
import type { SignUpRule } from "../../platform/config/config.js";
import type { Database } from "../../platform/db/database.js";
import type { FailureLimit } from "../../platform/rate-limit.js";
import { hasPendingInvitation, invitationForSignUp } from "../invitations/invitation-accept.service.js";

/** One attempt to create an account. */
export interface SignUpAttempt {
  email: string;
  /** The invitation token an e-mail sign-up carries, if any. */
  invitationToken?: string;
  /** The provider verified the address (social sign-in). */
  emailVerified: boolean;
  ip: string;
}

/** Why an attempt is refused: a code and a message for the person signing up. */
export interface SignUpRefusal {
  code: string;
  message: string;
}

/** The policy: `check` answers undefined to allow. */
export interface SignUpPolicy {
  rule: SignUpRule;
  check(attempt: SignUpAttempt): Promise<SignUpRefusal | undefined>;
  /** Whether any account exists yet (an empty instance sends its first visitor to sign up). */
  hasUsers(): Promise<boolean>;
}

/** The policy for `rule`. Unknown invitation tokens count as credential failures of the IP. */
export function createSignUpPolicy(deps: { rule: SignUpRule; db: Database; tokenFailures: FailureLimit }): SignUpPolicy {
  const { rule, db } = deps;

  const byInvitation = async (attempt: SignUpAttempt, refusal: SignUpRefusal): Promise<SignUpRefusal | undefined> => {
    if (attempt.invitationToken) {
      const invitation = await invitationForSignUp(db, attempt.invitationToken, { ip: attempt.ip, failures: deps.tokenFailures });
      if (!invitation) return { code: "invitation_not_found", message: "The invitation link is not valid: ask for a new invitation." };
      if (invitation.status !== "pending") {
        return {
          code: invitation.status === "expired" ? "invitation_expired" : "invitation_unavailable",
          message: invitation.status === "expired" ? "The invitation has expired: ask for a new one." : "The invitation was already used or revoked.",
        };
      }
      if (invitation.email.toLowerCase() !== attempt.email.toLowerCase()) {
        return { code: "invitation_email_mismatch", message: `This invitation was sent to ${invitation.email}: sign up with that address.` };
      }
      return undefined;
    }
    if (attempt.emailVerified && (await hasPendingInvitation(db, attempt.email))) return undefined;
    return refusal;
  };

  const inviteOnly: SignUpRefusal = {
    code: "sign_up_invite_only",
    message: "This server creates accounts by invitation only: ask an organisation admin to invite you, then follow the link in the invitation.",
  };

  const hasUsers = async () => {
    const { rows } = await db.unsafeSystem.query<{ any: boolean }>(`select exists (select 1 from auth."user") as any`);
    return rows[0]?.any ?? true;
  };

  return {
    rule,
    hasUsers,
    async check(attempt) {
      switch (rule.mode) {
        case "open":
          return undefined;
        case "first-user":
          return (await hasUsers()) ? byInvitation(attempt, inviteOnly) : undefined;
        case "invite-only":
          return byInvitation(attempt, inviteOnly);
        case "domains": {
          const domain = attempt.email.split("@").at(-1)?.toLowerCase() ?? "";
          if (rule.domains.includes(domain)) return undefined;
          return byInvitation(attempt, {
            code: "sign_up_domain_not_allowed",
            message: `This server creates accounts for addresses at ${rule.domains.join(", ")}, or by invitation: ask an organisation admin to invite you.`,
          });
        }
      }
    },
  };
}
