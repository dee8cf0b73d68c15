/**
 * Small fetch helpers for the OAuth pages: same-origin JSON calls to /.auth and /api, and one
 * readable message out of the three error shapes they answer with (ctxpipe's
 * `{ error: { message } }`, Better Auth's `{ message }`, OAuth's `{ error_description }`).
 */

/** A failed call, with a message fit for the page. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function messageOf(status: number, body: unknown): string {
  const b = (body ?? {}) as { error?: unknown; message?: unknown; error_description?: unknown };
  if (b.error && typeof b.error === "object" && typeof (b.error as { message?: unknown }).message === "string") {
    return (b.error as { message: string }).message;
  }
  if (typeof b.error_description === "string") return b.error_description;
  if (typeof b.message === "string") return b.message;
  if (typeof b.error === "string") return b.error;
  return `The server answered ${status}.`;
}

/** Calls `path` on this origin with JSON; resolves with the parsed body, rejects with ApiError. */
export async function requestJson<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, messageOf(res.status, parsed));
  return parsed as T;
}

/** Where an OAuth endpoint sends the browser next (`{ url }` or `{ redirect_uri }`), if anywhere. */
export function nextLocation(body: unknown): string | undefined {
  const b = (body ?? {}) as { url?: unknown; redirect_uri?: unknown };
  if (typeof b.url === "string") return b.url;
  if (typeof b.redirect_uri === "string") return b.redirect_uri;
  return undefined;
}

/**
 * Where to go after sign-in: `raw` when it is a path on this origin, else "/". Resolved with
 * the URL parser, as the browser will, so `/\t/evil.example` (the tab is stripped, leaving
 * `//evil.example`) and `/\evil.example` are refused. The resolved path must not start with
 * `//` or `/\` either: `/.//evil.example` resolves to the path `//evil.example` on this origin,
 * which the browser would then read as another host.
 */
export function safeNext(raw: string | null, origin: string): string {
  if (!raw?.startsWith("/")) return "/";
  try {
    const url = new URL(raw, origin);
    if (url.origin !== origin || url.pathname.startsWith("//") || url.pathname.startsWith("/\\")) return "/";
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return "/";
  }
}

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

/** What each scope lets the app do, in plain words. */
export const SCOPE_TEXT: Record<string, string> = {
  openid: "Know who you are (your user id)",
  profile: "See your name",
  email: "See your e-mail address",
  offline_access: "Stay connected without asking again (refresh tokens)",
};
