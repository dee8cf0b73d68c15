/**
 * REST: invitations. Admins manage them under /api/v1/orgs/{orgSlug}/invitations (create,
 * list, revoke, resend); the invitee previews one by its token (public) and accepts it while
 * signed in (/api/v1/invitations/...).
 */
import { z } from "zod";
import type { ApiRouter } from "../../platform/http/api-route.js";
import type { FailureLimit } from "../../platform/rate-limit.js";
import { orgActorOf } from "../actor.js";
import { orgParams, roleSchema } from "../schemas.js";
import { acceptInvitation, previewInvitation } from "./invitation-accept.service.js";
import { createInvitation, listInvitations, resendInvitation, revokeInvitation, type InvitationDependencies } from "./invitation.service.js";

const statusSchema = z.enum(["pending", "accepted", "revoked", "expired"]);

const invitationSchema = z.object({
  id: z.string().uuid(),
  email: z.string(),
  role: roleSchema,
  status: statusSchema,
  invitedBy: z.string().nullable(),
  expiresAt: z.string(),
  lastSentAt: z.string(),
  createdAt: z.string(),
  acceptedAt: z.string().nullable(),
  acceptedBy: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

const sentSchema = z.object({
  invitation: invitationSchema,
  emailSent: z.boolean().describe("True when the link went out by e-mail"),
  inviteUrl: z.string().optional().describe("The link to pass on; only when e-mail is not configured"),
});

const invitationParams = orgParams.extend({ invitationId: z.string().uuid() });
const tokenSchema = z.string().min(1).max(200);
const TAGS = ["Invitations"];

/** Registers the invitation routes. */
export function registerInvitationRoutes(router: ApiRouter, deps: InvitationDependencies & { tokenFailures: FailureLimit }): void {
  router
    .add({
      method: "post",
      path: "/api/v1/orgs/{orgSlug}/invitations",
      summary: "Invite someone by e-mail (admins; only owners invite owners)",
      tags: TAGS,
      access: "org",
      minRole: "admin",
      params: orgParams,
      body: z.object({ email: z.string().trim().toLowerCase().max(254).email(), role: roleSchema.default("member") }),
      responses: {
        201: { description: "Invited", schema: sentSchema },
        409: { description: "Already a member, or an open invitation exists (`conflict`)" },
        429: { description: "Too many invitations (`rate_limited`)" },
        502: { description: "The e-mail could not be sent (`email_failed`)" },
      },
      handler: async (c, { body }) => c.json(await createInvitation(deps, orgActorOf(c), body), 201),
    })
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/invitations",
      summary: "List open and recent invitations (admins)",
      tags: TAGS,
      access: "org",
      minRole: "admin",
      params: orgParams,
      responses: { 200: { description: "Invitations", schema: z.object({ invitations: z.array(invitationSchema) }) } },
      handler: async (c) => c.json({ invitations: await listInvitations(deps, orgActorOf(c)) }),
    })
    .add({
      method: "delete",
      path: "/api/v1/orgs/{orgSlug}/invitations/{invitationId}",
      summary: "Revoke an invitation (admins)",
      tags: TAGS,
      access: "org",
      minRole: "admin",
      params: invitationParams,
      responses: { 204: { description: "Revoked" }, 409: { description: "Already accepted (`conflict`)" } },
      handler: async (c, { params }) => {
        await revokeInvitation(deps, orgActorOf(c), params.invitationId);
        return c.body(null, 204);
      },
    })
    .add({
      method: "post",
      path: "/api/v1/orgs/{orgSlug}/invitations/{invitationId}/resend",
      summary: "Send an invitation again with a new link; the old link stops working (admins)",
      tags: TAGS,
      access: "org",
      minRole: "admin",
      params: invitationParams,
      responses: {
        200: { description: "Sent again", schema: sentSchema },
        409: { description: "Accepted or revoked (`conflict`)" },
        429: { description: "Too many invitations (`rate_limited`)" },
      },
      handler: async (c, { params }) => c.json(await resendInvitation(deps, orgActorOf(c), params.invitationId)),
    })
    .add({
      method: "get",
      path: "/api/v1/invitations/{token}",
      summary: "Preview an invitation by its token",
      tags: TAGS,
      access: "public",
      params: z.object({ token: tokenSchema }),
      responses: {
        200: {
          description: "The invitation",
          schema: z.object({ orgName: z.string(), orgSlug: z.string(), email: z.string(), role: roleSchema, status: statusSchema, expiresAt: z.string() }),
        },
        404: { description: "Unknown or replaced token (`not_found`)" },
        429: { description: "Too many unknown tokens or API keys from this address (`rate_limited`)" },
      },
      handler: async (c, { params }) => c.json(await previewInvitation(deps.db, params.token, { ip: c.get("clientIp"), failures: deps.tokenFailures })),
    })
    .add({
      method: "post",
      path: "/api/v1/invitations/accept",
      summary: "Accept an invitation as the signed-in user it was sent to",
      tags: TAGS,
      access: "user",
      sessionOnly: true,
      body: z.object({ token: tokenSchema }),
      responses: {
        200: {
          description: "You are now a member",
          schema: z.object({ org: z.object({ id: z.string(), slug: z.string(), name: z.string(), role: roleSchema }) }),
        },
        403: { description: "Signed in with another e-mail address (`invitation_email_mismatch`)" },
        404: { description: "Unknown token (`not_found`)" },
        409: { description: "Already a member (`conflict`)" },
        410: { description: "Expired (`invitation_expired`), or accepted or revoked (`invitation_unavailable`)" },
        429: { description: "Too many attempts (`rate_limited`)" },
      },
      handler: async (c, { body }) => {
        const caller = c.get("caller")!;
        return c.json(await acceptInvitation(deps.db, { userId: caller.userId, email: caller.email, ip: c.get("clientIp") }, body.token, deps.tokenFailures));
      },
    });
}
