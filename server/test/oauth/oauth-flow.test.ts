/**
 * OAuth 2.1 for MCP clients, end to end over real HTTP with the official MCP SDK client and its
 * OAuth support: 401 → RFC 9728/8414 discovery → dynamic registration (native client, loopback
 * redirect) → sign-in and consent (driven with fetch) → token → tools → refresh → revocation.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { UnauthorizedError, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import { call, cookieFrom, signUp, type TestUser } from "../harness/http-client.js";
import type { TestApp } from "../harness/test-app.js";
import { absolute, acceptConsent, redirectTarget, createIndexedOrg, HARNESS_ORIGIN, mcpToolsList, startOAuthTestApp, tokenRequest } from "./oauth-helpers.js";

/** An in-memory OAuthClientProvider whose "browser" is a callback the test supplies. */
class MemoryOAuthProvider implements OAuthClientProvider {
  info?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  verifier = "";
  authorizationUrls: URL[] = [];

  constructor(
    readonly redirectUrl: string,
    private readonly browser: (authorizationUrl: URL) => Promise<void>,
  ) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "Test Agent",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
      application_type: "native",
    } as OAuthClientMetadata;
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  async redirectToAuthorization(url: URL) {
    this.authorizationUrls.push(url);
    await this.browser(url);
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

describe("OAuth for MCP clients (SDK end to end)", () => {
  let app: TestApp;
  let user: TestUser;
  let slug: string;
  let root: string;
  let provider: MemoryOAuthProvider;
  let code: string | undefined;
  const redirectUrl = "http://127.0.0.1:53682/callback";
  const mcpUrl = () => new URL(`${app.url}/mcp?orgSlug=${slug}`);

  /** The user's browser: not signed in yet, so sign in on our page, then consent. */
  const browser = async (authorizationUrl: URL) => {
    const first = await fetch(authorizationUrl, { headers: { accept: "text/html" }, redirect: "manual" });
    const signInPage = await redirectTarget(app, first);
    assert.equal(signInPage.pathname, "/.auth/sign-in");
    assert.ok(signInPage.searchParams.get("sig"), "the login redirect carries a signed query");
    const page = await fetch(signInPage, { headers: { accept: "text/html" } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    // What the sign-in page's form does: sign in with the signed query, follow the answer.
    const signIn = await fetch(`${app.url}/.auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: HARNESS_ORIGIN, accept: "application/json" },
      body: JSON.stringify({ email: user.email, password: user.password, oauth_query: signInPage.search.slice(1) }),
    });
    const answer = (await signIn.json()) as { url?: string };
    assert.equal(signIn.status, 200, JSON.stringify(answer));
    const consentPage = absolute(app, answer.url!);
    assert.equal(consentPage.pathname, "/.auth/consent");
    assert.equal(consentPage.searchParams.get("client_id"), provider.info?.client_id);
    const back = await acceptConsent(app, cookieFrom(signIn), consentPage);
    assert.equal(`${back.origin}${back.pathname}`, redirectUrl);
    assert.equal(back.searchParams.get("iss"), `${app.url}/.auth`);
    code = back.searchParams.get("code") ?? undefined;
  };

  const connect = async () => {
    const client = new Client({ name: "oauth-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(mcpUrl(), { authProvider: provider }));
    return client;
  };

  before(async () => {
    app = await startOAuthTestApp();
    user = await signUp(app);
    ({ slug, root } = await createIndexedOrg(app, user, "oauth-org"));
    provider = new MemoryOAuthProvider(redirectUrl, browser);
  });
  after(async () => {
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("publishes RFC 9728 and RFC 8414 metadata that point at each other", async () => {
    const resource = (await (await fetch(`${app.url}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, any>;
    assert.equal(resource.resource, `${app.url}/mcp`);
    assert.deepEqual(resource.authorization_servers, [`${app.url}/.auth`]);
    assert.ok(resource.scopes_supported.includes("offline_access"));
    for (const p of [
      "/.well-known/oauth-authorization-server/.auth",
      "/.well-known/oauth-authorization-server",
      "/.well-known/openid-configuration/.auth",
      "/.auth/.well-known/openid-configuration",
    ]) {
      const res = await fetch(`${app.url}${p}`);
      assert.equal(res.status, 200, p);
      const as = (await res.json()) as Record<string, any>;
      assert.equal(as.issuer, `${app.url}/.auth`, p);
      assert.equal(as.registration_endpoint, `${app.url}/.auth/oauth2/register`);
      assert.deepEqual(as.code_challenge_methods_supported, ["S256"]);
      assert.ok(as.grant_types_supported.includes("urn:ietf:params:oauth:grant-type:device_code"), JSON.stringify(as.grant_types_supported));
      assert.equal(as.device_authorization_endpoint, `${app.url}/.auth/device/code`);
      assert.ok(!as.grant_types_supported.includes("client_credentials"));
    }
  });

  it("goes from 401 through discovery, registration, sign-in and consent to a token", async () => {
    const client = new Client({ name: "oauth-test", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(mcpUrl(), { authProvider: provider });
    await assert.rejects(client.connect(transport), UnauthorizedError);
    assert.ok(provider.info?.client_id, "registered dynamically");
    const authorizationUrl = provider.authorizationUrls[0]!;
    assert.equal(authorizationUrl.searchParams.get("resource"), `${app.url}/mcp`);
    assert.equal(authorizationUrl.searchParams.get("code_challenge_method"), "S256");
    assert.ok(code, "the browser half captured a code");
    await transport.finishAuth(code!);
    assert.ok(provider.saved?.access_token && provider.saved.refresh_token, "access and refresh tokens");
    assert.equal(provider.saved.expires_in, 900);
    const [, payload] = provider.saved.access_token.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString()) as { aud: string[]; sub: string };
    assert.ok(claims.aud.includes(`${app.url}/mcp`));
    assert.equal(claims.sub, user.id);
  });

  it("lists tools and searches the indexed repository with the token", async () => {
    const client = await connect();
    try {
      const { tools } = await client.listTools();
      assert.ok(tools.some((t) => t.name === "search_code"));
      const result = await client.callTool({ name: "search_code", arguments: { query: "applyDiscount" } });
      assert.match((result.content as { text: string }[])[0]!.text, /^shop@[0-9a-f]{12}:src\/discount\.ts$/m);
    } finally {
      await client.close();
    }
  });

  it("lists the app for the user", async () => {
    const res = await call(app, "GET", "/api/v1/me/oauth-apps", { as: user });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.apps.length, 1);
    const [app0] = res.json.apps;
    assert.equal(app0.clientId, provider.info!.client_id);
    assert.equal(app0.clientName, "Test Agent");
    assert.ok(app0.scopes.includes("offline_access"));
    assert.ok(Date.parse(app0.authorizedAt) <= Date.parse(app0.lastTokenAt));
    // Grants are managed by the signed-in user only, not with an OAuth token.
    const withToken = await fetch(`${app.url}/api/v1/me/oauth-apps`, { headers: { authorization: `Bearer ${provider.saved!.access_token}` } });
    assert.equal(withToken.status, 401);
  });

  it("refreshes a rejected access token with the rotating refresh token", async () => {
    const before = { ...provider.saved! };
    provider.saved = { ...before, access_token: "not-a-valid-token" };
    const client = await connect();
    try {
      await client.listTools();
    } finally {
      await client.close();
    }
    assert.notEqual(provider.saved!.access_token, "not-a-valid-token");
    assert.notEqual(provider.saved!.refresh_token, before.refresh_token, "the refresh token rotated");
    // Reusing the rotated-out refresh token is refused (and revokes the family).
    const reuse = await tokenRequest(app, { grant_type: "refresh_token", refresh_token: before.refresh_token!, client_id: provider.info!.client_id });
    assert.equal(reuse.status, 400);
    assert.equal(reuse.json.error, "invalid_grant");
  });

  it("revokes: a revoked refresh token no longer refreshes; revoking the app ends its access tokens", async () => {
    // Fresh tokens (the reuse above revoked the family): authorise again.
    provider.saved = undefined;
    code = undefined;
    const transport = new StreamableHTTPClientTransport(mcpUrl(), { authProvider: provider });
    await assert.rejects(new Client({ name: "oauth-test", version: "1.0.0" }).connect(transport), UnauthorizedError);
    await transport.finishAuth(code!);
    const { access_token: accessToken, refresh_token: refreshToken } = provider.saved!;
    assert.equal((await mcpToolsList(app, slug, accessToken)).status, 200);

    // RFC 7009 revocation of the refresh token.
    const revoke = await fetch(`${app.url}/.auth/oauth2/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: refreshToken!, token_type_hint: "refresh_token", client_id: provider.info!.client_id }).toString(),
    });
    assert.equal(revoke.status, 200, await revoke.text());
    const refresh = await tokenRequest(app, { grant_type: "refresh_token", refresh_token: refreshToken!, client_id: provider.info!.client_id });
    assert.equal(refresh.json.error, "invalid_grant");

    // Revoking the app in ctxpipe: the (still unexpired) access token stops working at once.
    const del = await call(app, "DELETE", `/api/v1/me/oauth-apps/${provider.info!.client_id}`, { as: user });
    assert.equal(del.status, 204, del.text);
    const after = await mcpToolsList(app, slug, accessToken);
    assert.equal(after.status, 401);
    assert.match(after.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
    assert.match(after.headers.get("www-authenticate") ?? "", /resource_metadata="/);
    assert.equal((await call(app, "GET", "/api/v1/me/oauth-apps", { as: user })).json.apps.length, 0);
    assert.equal((await call(app, "DELETE", `/api/v1/me/oauth-apps/${provider.info!.client_id}`, { as: user })).status, 404);
  });
});
