/**
 * The sign-in side's API, outside an organisation: /.auth (Better Auth: sign-in, sign-up,
 * password reset, OAuth consent, the device flow) and the invitation preview, as named calls
 * over the one client (api/client.ts: every failure is an ApiError whichever error shape the
 * endpoint answers with), the query keys and hooks of the pages, the client's label and what
 * each scope means. Where to go next is next-location.ts (no imports, so the server's tests
 * load it as it is).
 */
import { useQuery } from "@tanstack/react-query";
import { api, call, requestJson } from "../api/client";

/** The query keys of the pages outside an organisation. */
export const authKeys = {
  config: () => ["auth-config"] as const,
  invitation: (token: string) => ["invitation", token] as const,
};

/** The public fields of an OAuth client (signed-in users only). */
export interface PublicClient {
  client_id: string;
  client_name?: string;
  client_uri?: string;
}

/** The client's self-asserted name, or a description of the unnamed client. */
export async function clientLabel(clientId: string): Promise<string> {
  try {
    const client = await requestJson<PublicClient>("GET", `/.auth/oauth2/public-client?client_id=${encodeURIComponent(clientId)}`);
    return client.client_name?.trim() || `An unnamed app (${clientId})`;
  } catch {
    return `An unknown app (${clientId})`;
  }
}

/** What GET /.auth/config says: the sign-in methods on, and who may sign up. */
export interface AuthConfig {
  emailAndPassword: { enabled: boolean; minPasswordLength: number };
  passwordReset: boolean;
  invitationEmails: boolean;
  socialProviders: string[];
  signUp: { mode: "open" | "invite-only" | "first-user" } | { mode: "domains"; domains: string[] };
  /** False on an empty instance: its first visitor is sent to sign up. */
  hasUsers: boolean;
}

/** Reads GET /.auth/config. */
export function authConfig(): Promise<AuthConfig> {
  return requestJson<AuthConfig>("GET", "/.auth/config");
}

/** The instance's sign-in methods and sign-up rule (GET /.auth/config). */
export function useAuthConfig() {
  return useQuery({ queryKey: authKeys.config(), queryFn: authConfig });
}

/** Signs in with e-mail and password; `oauthQuery` continues an OAuth authorisation. Answers where to go (OAuth) or nothing. */
export function signInWithEmail(input: { email: string; password: string; oauthQuery?: string }): Promise<unknown> {
  return requestJson<unknown>("POST", "/.auth/sign-in/email", {
    email: input.email,
    password: input.password,
    ...(input.oauthQuery ? { oauth_query: input.oauthQuery } : {}),
  });
}

/** Starts sign-in with a social provider; answers the provider's URL (`nextLocation`). */
export function signInWithProvider(provider: string, callbackURL: string): Promise<unknown> {
  return requestJson<unknown>("POST", "/.auth/sign-in/social", { provider, callbackURL });
}

/** Creates an account (with an invitation's token on invite-only servers). */
export function signUpWithEmail(input: { name: string; email: string; password: string; invitationToken?: string }): Promise<unknown> {
  const { name, email, password, invitationToken } = input;
  return requestJson("POST", "/.auth/sign-up/email", { name, email, password, ...(invitationToken ? { invitationToken } : {}) });
}

/** Ends the session. */
export function signOut(): Promise<unknown> {
  return requestJson("POST", "/.auth/sign-out", {});
}

/** Asks for a password reset link by e-mail, which comes back to `redirectTo`. */
export function requestPasswordReset(email: string, redirectTo: string): Promise<unknown> {
  return requestJson("POST", "/.auth/request-password-reset", { email, redirectTo });
}

/** Sets a new password with the reset link's token. */
export function resetPassword(token: string, newPassword: string): Promise<unknown> {
  return requestJson("POST", "/.auth/reset-password", { token, newPassword });
}

/** Whether a Better Auth session exists (GET /.auth/get-session answers null when not). */
export async function hasSession(): Promise<boolean> {
  const session = await requestJson<{ user?: unknown } | null>("GET", "/.auth/get-session");
  return Boolean(session?.user);
}

/** The organisations of the signed-in user, by slug and name (the consent page's list). */
export function listOrgs(): Promise<{ orgs: { slug: string; name: string }[] }> {
  return requestJson<{ orgs: { slug: string; name: string }[] }>("GET", "/api/v1/orgs");
}

/** Accepts or denies the OAuth authorisation in `oauthQuery`; answers where to go next (`nextLocation`). */
export function decideConsent(accept: boolean, oauthQuery: string): Promise<unknown> {
  return requestJson<unknown>("POST", "/.auth/oauth2/consent", { accept, oauth_query: oauthQuery });
}

/** What a device code stands for: its state, and the client and scopes while it is pending. */
export interface DeviceLookup {
  status: "pending" | "approved" | "denied";
  client_id?: string;
  scope?: string;
}

/** Looks a device flow's user code up. */
export function lookUpDeviceCode(userCode: string): Promise<DeviceLookup> {
  return requestJson<DeviceLookup>("GET", `/.auth/device?user_code=${encodeURIComponent(userCode)}`);
}

/** Approves or denies a device flow's user code. */
export function decideDeviceCode(userCode: string, approve: boolean): Promise<unknown> {
  return requestJson("POST", `/.auth/device/${approve ? "approve" : "deny"}`, { userCode });
}

/** What an invitation link offers (organisation, e-mail, role, state); 404 for an unknown token. */
export function useInvitationPreview(token: string) {
  return useQuery({
    queryKey: authKeys.invitation(token),
    queryFn: () => call(api.GET("/api/v1/invitations/{token}", { params: { path: { token } } })),
    enabled: token.length > 0,
    retry: false,
  });
}

/** Accepts an invitation as the signed-in user; answers the organisation joined. */
export function acceptInvitation(token: string) {
  return call(api.POST("/api/v1/invitations/accept", { body: { token } }));
}

/** What each scope lets the app do, in plain words. */
export const SCOPE_TEXT: Record<string, string> = {
  openid: "Know who you are (your user id)",
  profile: "See your name",
  email: "See your e-mail address",
  offline_access: "Stay connected without asking again (refresh tokens)",
};
