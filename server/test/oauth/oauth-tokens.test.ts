/**
 * What /mcp does with OAuth tokens that should not work: issued without the MCP resource
 * (opaque), an ID token, a tampered or expired token, a token used on the REST API, a token
 * for an org its user is not a member of, a token whose authorization code was used again. Also
 * the registration rate limit and client_name bound, the sweep of never-used clients, and the
 * Better Auth endpoints we do not expose.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import { after, before, describe, it, mock } from "node:test";
import pg from "pg";
import { createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import type { TestApp } from "../harness/test-app.js";
import { createIndexedOrg, mcpToolsList, obtainTokens, registerClient, startOAuthTestApp, tokenRequest } from "./oauth-helpers.js";

describe("OAuth access tokens at /mcp", () => {
  let app: TestApp;
  let user: TestUser;
  let slug: string;
  let root: string;
  let jwt: Awaited<ReturnType<typeof obtainTokens>>;

  before(async () => {
    app = await startOAuthTestApp();
    user = await signUp(app);
    ({ slug, root } = await createIndexedOrg(app, user, "tok-org"));
    jwt = await obtainTokens(app, user, { resource: `${app.url}/mcp` });
  });
  after(async () => {
    mock.timers.reset();
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  const expect401 = async (token: string, message: RegExp) => {
    const res = await mcpToolsList(app, slug, token);
    const body = (await res.json()) as { error: { message: string } };
    assert.equal(res.status, 401, JSON.stringify(body));
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer resource_metadata="[^"]+", error="invalid_token"$/);
    assert.match(body.error.message, message);
  };

  it("accepts the JWT issued for the MCP resource", async () => {
    assert.equal(jwt.tokens.token_type, "Bearer");
    assert.equal((await mcpToolsList(app, slug, jwt.tokens.access_token)).status, 200);
  });

  it("refuses a token issued without resource (opaque, wrong audience)", async () => {
    const opaque = await obtainTokens(app, user, {});
    assert.equal(opaque.tokens.access_token.split(".").length, 1, "no resource: an opaque token");
    await expect401(opaque.tokens.access_token, /not a valid access token.*request it with resource/);
  });

  it("refuses an ID token, a tampered token and garbage", async () => {
    assert.ok(jwt.tokens.id_token, "openid was requested");
    await expect401(jwt.tokens.id_token, /not valid|audience|typ/);
    const [h, p, s] = jwt.tokens.access_token.split(".");
    const claims = JSON.parse(Buffer.from(p, "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: "someone-else" })).toString("base64url");
    await expect401(`${h}.${forged}.${s}`, /not valid/);
    await expect401("x".repeat(5000), /not a valid access token/);
  });

  it("refuses an expired token", async () => {
    // The clock moves 16 minutes on (the token lives 15); the database clock does not matter here.
    mock.timers.enable({ apis: ["Date"], now: Date.now() + 16 * 60_000 });
    try {
      await expect401(jwt.tokens.access_token, /expired/);
    } finally {
      mock.timers.reset();
    }
    assert.equal((await mcpToolsList(app, slug, jwt.tokens.access_token)).status, 200);
  });

  it("answers 404 for an organisation the token's user is not a member of", async () => {
    const stranger = await signUp(app);
    const theirs = await createOrgAs(app, stranger, "not-yours");
    const res = await mcpToolsList(app, theirs.slug, jwt.tokens.access_token);
    assert.equal(res.status, 404);
  });

  it("voids the tokens issued for an authorization code when the code is used again (#26)", async () => {
    const first = await obtainTokens(app, user, { resource: `${app.url}/mcp` });
    assert.equal((await mcpToolsList(app, slug, first.tokens.access_token)).status, 200);
    const replay = await tokenRequest(app, first.tokenForm);
    assert.equal(replay.status, 400, JSON.stringify(replay.json));
    assert.equal(replay.json.error, "invalid_grant");
    await expect401(first.tokens.access_token, /revoked/);
    const refresh = await tokenRequest(app, { grant_type: "refresh_token", refresh_token: first.tokens.refresh_token, client_id: first.clientId });
    assert.equal(refresh.status, 400, "the refresh token went with the code");
    // Only that app's tokens: another client's token still works, and a code never issued voids nothing.
    assert.equal((await mcpToolsList(app, slug, jwt.tokens.access_token)).status, 200);
    const unknown = await tokenRequest(app, { ...jwt.tokenForm, code: "no-such-code" });
    assert.equal(unknown.json.error, "invalid_grant");
    assert.equal((await mcpToolsList(app, slug, jwt.tokens.access_token)).status, 200);
  });

  it("is not an API credential: /api refuses OAuth tokens except to read GET /api/v1/me", async () => {
    const bearer = { authorization: `Bearer ${jwt.tokens.access_token}` };
    for (const p of [`/api/v1/orgs/${slug}/repositories`, "/api/v1/me/oauth-apps"]) {
      const res = await fetch(`${app.url}${p}`, { headers: bearer });
      assert.equal(res.status, 401, p);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, "invalid_token");
    }
    const me = await fetch(`${app.url}/api/v1/me`, { headers: bearer });
    assert.equal(me.status, 200);
    const body = (await me.json()) as { authType: string; orgs: { slug: string }[] };
    assert.equal(body.authType, "oauth");
    assert.ok(body.orgs.some((o) => o.slug === slug));
    const write = await fetch(`${app.url}/api/v1/me`, { method: "PATCH", headers: { ...bearer, "content-type": "application/json" }, body: "{}" });
    assert.equal(write.status, 401, "only reading /me");
  });

  it("does not expose session-to-JWT minting, the first-party device grant or client CRUD", async () => {
    for (const [method, p] of [
      ["GET", "/.auth/token"],
      ["POST", "/.auth/device/token"],
      ["POST", "/.auth/oauth2/create-client"],
      ["GET", "/.auth/oauth2/get-clients"],
    ] as const) {
      const res = await fetch(`${app.url}${p}`, {
        method,
        headers: { cookie: user.cookie, origin: "http://localhost:3000", "content-type": "application/json" },
        body: method === "POST" ? JSON.stringify({ redirect_uris: ["http://127.0.0.1/cb"] }) : undefined,
      });
      assert.equal(res.status, 404, `${method} ${p}`);
    }
  });

  it("expires clients that were never used after 24 hours, on the next registration", async () => {
    const owner = new pg.Client({ connectionString: app.db.url });
    await owner.connect();
    try {
      const unused = await registerClient(app, { client_name: "never used", redirect_uris: ["http://127.0.0.1/cb"] });
      await owner.query(`update auth."oauthClient" set "createdAt" = now() - interval '25 hours' where "clientId" = any($1)`, [
        [unused.client_id, jwt.clientId],
      ]);
      await registerClient(app, { client_name: "trigger", redirect_uris: ["http://127.0.0.1/cb"] });
      const { rows } = await owner.query<{ clientId: string }>(`select "clientId" from auth."oauthClient" where "clientId" = any($1)`, [
        [unused.client_id, jwt.clientId],
      ]);
      assert.deepEqual(
        rows.map((r) => r.clientId),
        [jwt.clientId],
        "the used client stays",
      );
    } finally {
      await owner.end();
    }
  });

  it("registers MCP clients that omit application_type (or say web) with loopback or custom-scheme callbacks as native", async () => {
    const register = async (body: Record<string, unknown>) => {
      const res = await fetch(`${app.url}/.auth/oauth2/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as Record<string, any> };
    };
    const claudeLike = await register({
      client_name: "loopback",
      redirect_uris: ["http://localhost:33418/callback"],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    });
    assert.equal(claudeLike.status, 201, JSON.stringify(claudeLike.json));
    assert.equal(claudeLike.json.application_type, "native");
    const saysWeb = await register({
      application_type: "web",
      redirect_uris: ["http://127.0.0.1:8080/cb", "https://vscode.dev/redirect"],
      token_endpoint_auth_method: "none",
    });
    assert.equal(saysWeb.status, 201, JSON.stringify(saysWeb.json));
    assert.equal(saysWeb.json.application_type, "native");
    const web = await register({ redirect_uris: ["https://agent.example.com/callback"], token_endpoint_auth_method: "none" });
    assert.equal(web.status, 201, JSON.stringify(web.json));
    assert.equal(web.json.application_type, "web");
  });

  it("refuses a client_name longer than 100 characters, or on several lines (#26)", async () => {
    const register = (client_name: unknown) =>
      fetch(`${app.url}/.auth/oauth2/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ application_type: "native", token_endpoint_auth_method: "none", redirect_uris: ["http://127.0.0.1/cb"], client_name }),
      });
    for (const name of ["x".repeat(101), "x".repeat(150 * 1024), "Trusted\nby ctxpipe", 42]) {
      const res = await register(name);
      const body = (await res.json()) as { error: { code: string } };
      assert.equal(res.status, 400, JSON.stringify(body).slice(0, 300));
      assert.equal(body.error.code, "invalid_client_metadata");
    }
    const ok = await register("y".repeat(100));
    assert.equal(ok.status, 201);
    await ok.body?.cancel();
  });

  it("limits dynamic registration per IP", async () => {
    let status = 0;
    for (let i = 0; i < 25 && status !== 429; i++) {
      const res = await fetch(`${app.url}/.auth/oauth2/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ application_type: "native", token_endpoint_auth_method: "none", redirect_uris: ["http://127.0.0.1/cb"] }),
      });
      status = res.status;
      await res.body?.cancel();
    }
    assert.equal(status, 429);
  });
});
