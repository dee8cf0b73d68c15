/**
 * Helpers for the OAuth tests: an app whose AUTH_BASE_URL is its real address (so discovery
 * documents, redirects and token audiences point at the server under test), an indexed
 * repository to search over MCP, and the browser half of the authorisation-code flow done
 * with fetch (authorize as a signed-in user, consent, capture the code).
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

/** The Origin the harness's browser-like calls send (allowed through AUTH_ALLOWED_ORIGINS). */
export const HARNESS_ORIGIN = "http://localhost:3000";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts the app on a fixed free port with AUTH_BASE_URL = its own address. */
export async function startOAuthTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      return await startTestApp({
        env: {
          PORT: String(port),
          AUTH_BASE_URL: `http://127.0.0.1:${port}`,
          AUTH_ALLOWED_ORIGINS: HARNESS_ORIGIN,
          CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true",
          ...env,
        },
      });
    } catch (err) {
      if (attempt >= 3 || !String(err).includes("EADDRINUSE")) throw err;
    }
  }
}

/** Creates an org owned by `owner` with one indexed repository "shop"; returns its slug. */
export async function createIndexedOrg(app: TestApp, owner: TestUser, slug: string): Promise<{ slug: string; root: string }> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-oauth-"));
  const repoPath = await createTestRepo(root, "shop", {
    "src/discount.ts": "export function applyDiscount(sku: string) {\n  return sku.length;\n}\n",
    "src/cart.ts": "export class Cart {\n  addItem(sku: string) {\n    return applyDiscount(sku);\n  }\n}\n",
  });
  await createOrgAs(app, owner, slug);
  const repo = await call(app, "POST", `/api/v1/orgs/${slug}/repositories`, { as: owner, body: { url: repoPath, name: "shop" } });
  assert.equal(repo.status, 201, repo.text);
  assert.equal((await waitForRepository(app, owner, slug, repo.json.id)).status, "ready");
  return { slug, root };
}

/** A PKCE S256 pair. */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** Dynamic client registration (RFC 7591) as a native public client. */
export async function registerClient(app: TestApp, body: Record<string, unknown>): Promise<{ client_id: string; client_name?: string }> {
  const res = await fetch(`${app.url}/.auth/oauth2/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ application_type: "native", token_endpoint_auth_method: "none", ...body }),
  });
  const json = (await res.json()) as { client_id: string; client_name?: string };
  assert.equal(res.status, 201, JSON.stringify(json));
  return json;
}

/** POST form-encoded to the token endpoint. */
export async function tokenRequest(app: TestApp, form: Record<string, string>) {
  const res = await fetch(`${app.url}/.auth/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

/** Resolves a redirect target (Better Auth answers relative paths) against the app. */
export function absolute(app: TestApp, location: string): URL {
  return new URL(location, app.url);
}

/**
 * Where an authorize response sends the browser: a 302 Location for navigations, or
 * `{ redirect: true, url }` for fetch requests (node's fetch says sec-fetch-mode: cors).
 */
export async function redirectTarget(app: TestApp, res: Response): Promise<URL> {
  if (res.status === 302) return absolute(app, res.headers.get("location")!);
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const body = JSON.parse(text) as { url?: string };
  assert.ok(body.url, text);
  return absolute(app, body.url);
}

/**
 * The browser half for a user who is already signed in: GET the authorization URL with the
 * session cookie (302 to the consent page), accept on the consent page, return the redirect
 * to the client's redirect_uri (with code, state and iss).
 */
export async function consentAsSignedInUser(app: TestApp, user: TestUser, authorizationUrl: URL): Promise<URL> {
  const res = await fetch(authorizationUrl, { headers: { cookie: user.cookie, accept: "text/html" }, redirect: "manual" });
  const consentPage = await redirectTarget(app, res);
  assert.equal(consentPage.pathname, "/.auth/consent");
  return acceptConsent(app, user.cookie, consentPage);
}

/** POST /.auth/oauth2/consent for the consent page at `consentPage`; returns the redirect. */
export async function acceptConsent(app: TestApp, cookie: string, consentPage: URL, accept = true): Promise<URL> {
  const res = await call(app, "POST", "/.auth/oauth2/consent", { as: { cookie }, body: { accept, oauth_query: consentPage.search.slice(1) } });
  assert.equal(res.status, 200, res.text);
  const target = res.json.url ?? res.json.redirect_uri;
  assert.equal(typeof target, "string", res.text);
  return new URL(target);
}

/**
 * Registers a client and runs the whole code flow by hand; returns the token response, and
 * the token request's form (code, verifier, redirect URI) for a test that sends it again.
 */
export async function obtainTokens(
  app: TestApp,
  user: TestUser,
  options: { scope?: string; resource?: string; clientName?: string } = {},
): Promise<{ clientId: string; tokens: Record<string, any>; tokenForm: Record<string, string> }> {
  const redirectUri = "http://127.0.0.1:47123/callback";
  const client = await registerClient(app, {
    client_name: options.clientName ?? "Hand-rolled client",
    redirect_uris: [redirectUri],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
  });
  const { verifier, challenge } = pkce();
  const url = new URL(`${app.url}/.auth/oauth2/authorize`);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: client.client_id,
    redirect_uri: redirectUri,
    scope: options.scope ?? "openid offline_access",
    state: "st-1",
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...(options.resource ? { resource: options.resource } : {}),
  }).toString();
  const back = await consentAsSignedInUser(app, user, url);
  const code = back.searchParams.get("code");
  assert.ok(code, back.toString());
  const tokenForm = {
    grant_type: "authorization_code",
    code,
    code_verifier: verifier,
    redirect_uri: redirectUri,
    client_id: client.client_id,
    ...(options.resource ? { resource: options.resource } : {}),
  };
  const token = await tokenRequest(app, tokenForm);
  assert.equal(token.status, 200, JSON.stringify(token.json));
  return { clientId: client.client_id, tokens: token.json, tokenForm };
}

/** POSTs one JSON-RPC tools/list to /mcp with a bearer token; returns the raw response. */
export async function mcpToolsList(app: TestApp, slug: string, token: string): Promise<Response> {
  return fetch(`${app.url}/mcp?orgSlug=${slug}`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${token}` },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });
}
