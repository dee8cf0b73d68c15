/**
 * The settings API as the pages use it: the query keys, and the reads and changes of members,
 * invitations, API keys, the audit log and the OAuth apps a user authorised. The home checklist
 * reads the members and the latest audit events through here too.
 */
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";

/** A member's role in an organisation, lowest first. */
export const ROLES = ["member", "admin", "owner"] as const;

/** A member's role. */
export type Role = (typeof ROLES)[number];

/** The query keys of the settings feature (invalidate the one a change touched). */
export const settingsKeys = {
  members: (orgSlug: string) => ["members", orgSlug] as const,
  invitations: (orgSlug: string) => ["invitations", orgSlug] as const,
  apiKeys: (orgSlug: string) => ["api-keys", orgSlug] as const,
  audit: (orgSlug: string) => ["audit", orgSlug] as const,
  recentAudit: (orgSlug: string) => ["audit-recent", orgSlug] as const,
  oauthApps: () => ["oauth-apps"] as const,
};

/** The organisation's members. */
export function useMembers(orgSlug: string) {
  return useQuery({
    queryKey: settingsKeys.members(orgSlug),
    queryFn: () => call(api.GET("/api/v1/orgs/{orgSlug}/members", { params: { path: { orgSlug } } })),
  });
}

/** Changes a member's role (admins; the last owner stays). */
export function setMemberRole(orgSlug: string, userId: string, role: Role) {
  return call(api.PATCH("/api/v1/orgs/{orgSlug}/members/{userId}", { params: { path: { orgSlug, userId } }, body: { role } }));
}

/** Removes a member (admins). */
export function removeMember(orgSlug: string, userId: string) {
  return call(api.DELETE("/api/v1/orgs/{orgSlug}/members/{userId}", { params: { path: { orgSlug, userId } } }));
}

/** The organisation's invitations (admins). */
export function useInvitations(orgSlug: string) {
  return useQuery({
    queryKey: settingsKeys.invitations(orgSlug),
    queryFn: () => call(api.GET("/api/v1/orgs/{orgSlug}/invitations", { params: { path: { orgSlug } } })),
  });
}

/** Invites `email` as a member; answers the link to pass on when the server sends no e-mail. */
export function inviteMember(orgSlug: string, email: string) {
  return call(api.POST("/api/v1/orgs/{orgSlug}/invitations", { params: { path: { orgSlug } }, body: { email, role: "member" } }));
}

/** Sends a pending invitation again; answers its link as `inviteMember` does. */
export function resendInvitation(orgSlug: string, invitationId: string) {
  return call(api.POST("/api/v1/orgs/{orgSlug}/invitations/{invitationId}/resend", { params: { path: { orgSlug, invitationId } } }));
}

/** Revokes a pending invitation. */
export function revokeInvitation(orgSlug: string, invitationId: string) {
  return call(api.DELETE("/api/v1/orgs/{orgSlug}/invitations/{invitationId}", { params: { path: { orgSlug, invitationId } } }));
}

/** The organisation's API keys (a member's own; admins see all). */
export function useApiKeys(orgSlug: string) {
  return useQuery({
    queryKey: settingsKeys.apiKeys(orgSlug),
    queryFn: () => call(api.GET("/api/v1/orgs/{orgSlug}/api-keys", { params: { path: { orgSlug } } })),
  });
}

/** Creates an API key; answers it with its secret `key`, shown once. */
export function createApiKey(orgSlug: string, name: string) {
  return call(api.POST("/api/v1/orgs/{orgSlug}/api-keys", { params: { path: { orgSlug } }, body: { name } }));
}

/** Revokes an API key. */
export function revokeApiKey(orgSlug: string, keyId: string) {
  return call(api.DELETE("/api/v1/orgs/{orgSlug}/api-keys/{keyId}", { params: { path: { orgSlug, keyId } } }));
}

/** The audit log, newest first, 50 events a page (`fetchNextPage` follows the cursor). */
export function useAuditEvents(orgSlug: string) {
  return useInfiniteQuery({
    queryKey: settingsKeys.audit(orgSlug),
    queryFn: ({ pageParam }) =>
      call(
        api.GET("/api/v1/orgs/{orgSlug}/audit-events", { params: { path: { orgSlug }, query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } } }),
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/** The five latest audit events (admins; the home page). */
export function useRecentAuditEvents(orgSlug: string, enabled: boolean) {
  return useQuery({
    queryKey: settingsKeys.recentAudit(orgSlug),
    queryFn: () => call(api.GET("/api/v1/orgs/{orgSlug}/audit-events", { params: { path: { orgSlug }, query: { limit: 5 } } })),
    enabled,
  });
}

/** The OAuth apps the signed-in user authorised, across organisations. */
export function useOauthApps() {
  return useQuery({ queryKey: settingsKeys.oauthApps(), queryFn: () => call(api.GET("/api/v1/me/oauth-apps")) });
}

/** Revokes an OAuth app's grant, ending its tokens. */
export function revokeOauthApp(clientId: string) {
  return call(api.DELETE("/api/v1/me/oauth-apps/{clientId}", { params: { path: { clientId } } }));
}
