/**
 * Small HTTP client for tests: signs users up through the real /.auth endpoints and calls
 * the API as a browser would (session cookie + Origin) or as an agent would (API key).
 */
import type { TestApp } from "./test-app.js";

/** Credentials for one request. */
export type As = { cookie: string } | { apiKey: string; header?: "x-api-key" | "bearer" } | undefined;

/** A signed-up user with their session cookie. */
export interface TestUser {
  id: string;
  email: string;
  name: string;
  password: string;
  cookie: string;
}

/** The Origin header browsers of the test app send (AUTH_BASE_URL). */
export const ORIGIN = "http://localhost:3000";
let counter = 0;

/** A unique e-mail address for this test process. */
export function uniqueEmail(prefix = "user"): string {
  counter++;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}@example.test`;
}

/** Extracts `name=value` pairs of Set-Cookie headers into one Cookie header. */
export function cookieFrom(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .filter((c): c is string => Boolean(c) && !c!.endsWith("="))
    .join("; ");
}

/** The headers of a request as `as`, with a JSON body or not: cookies travel with the browser-like Origin. */
export function headersFor(options: { as?: As; body?: unknown; headers?: Record<string, string> }): Record<string, string> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const as = options.as;
  if (as && "cookie" in as) {
    headers.cookie = as.cookie;
    headers.origin ??= ORIGIN;
  } else if (as && "apiKey" in as) {
    if (as.header === "bearer") headers.authorization = `Bearer ${as.apiKey}`;
    else headers["x-api-key"] = as.apiKey;
  }
  return headers;
}

/** Calls the app; JSON bodies are encoded; the browser-like Origin is sent with cookies. */
export async function call(app: TestApp, method: string, path: string, options: { as?: As; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: headersFor(options),
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    redirect: "manual",
  });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text, res };
}

/** Signs a new user up by e-mail and password; returns their session cookie. */
export async function signUp(app: TestApp, options: { email?: string; password?: string; name?: string; invitationToken?: string } = {}): Promise<TestUser> {
  const email = options.email ?? uniqueEmail();
  const password = options.password ?? "correct horse battery staple";
  const name = options.name ?? email.split("@")[0]!;
  const res = await fetch(`${app.url}/.auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: ORIGIN },
    body: JSON.stringify({ email, password, name, ...(options.invitationToken ? { invitationToken: options.invitationToken } : {}) }),
  });
  if (res.status !== 200) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { user: { id: string } };
  return { id: body.user.id, email, name, password, cookie: cookieFrom(res) };
}

/** Signs in an existing user; returns the new cookie. */
export async function signIn(app: TestApp, email: string, password: string): Promise<{ status: number; cookie: string; json: any }> {
  const res = await fetch(`${app.url}/.auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: ORIGIN },
    body: JSON.stringify({ email, password }),
  });
  const text = await res.text();
  return { status: res.status, cookie: cookieFrom(res), json: text ? JSON.parse(text) : undefined };
}

/** Creates an organisation as `user`; returns its slug. */
export async function createOrgAs(app: TestApp, user: TestUser, slug?: string): Promise<{ id: string; slug: string }> {
  const s = slug ?? `org-${Math.random().toString(36).slice(2, 10)}`;
  const res = await call(app, "POST", "/api/v1/orgs", { as: user, body: { slug: s, name: `Org ${s}` } });
  if (res.status !== 201) throw new Error(`create org failed: ${res.status} ${res.text}`);
  return { id: res.json.id, slug: s };
}
