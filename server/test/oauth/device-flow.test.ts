/**
 * The OAuth device authorization grant (RFC 8628) for agents without a browser: device code →
 * the signed-in user claims and approves it at /.auth/device → token grant → MCP call. Also a
 * denied code, and that the approval page is the web app for browsers.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { call, signUp, type TestUser } from "../harness/http-client.js";
import type { TestApp } from "../harness/test-app.js";
import { createIndexedOrg, registerClient, startOAuthTestApp, tokenRequest } from "./oauth-helpers.js";

const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

describe("OAuth device flow", () => {
  let app: TestApp;
  let user: TestUser;
  let slug: string;
  let root: string;
  let clientId: string;

  const deviceCode = async (options: { resource?: boolean } = {}) => {
    const params = new URLSearchParams({ client_id: clientId, scope: "openid offline_access" });
    if (options.resource !== false) params.set("resource", `${app.url}/mcp`);
    const res = await fetch(`${app.url}/.auth/device/code`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: params.toString(),
    });
    const json = (await res.json()) as Record<string, any>;
    assert.equal(res.status, 200, JSON.stringify(json));
    return json as { device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string; interval: number };
  };
  /** What the approval page does: look the code up (which claims it for the signed-in user)... */
  const lookUp = async (userCode: string) => {
    const lookup = await call(app, "GET", `/.auth/device?user_code=${encodeURIComponent(userCode)}`, { as: user, headers: { accept: "application/json" } });
    assert.equal(lookup.status, 200, lookup.text);
    assert.equal(lookup.json.status, "pending");
    assert.equal(lookup.json.client_id, clientId, "the owner sees which client asks");
  };
  /** ...then approve or deny it. */
  const decide = async (userCode: string, decision: "approve" | "deny") => {
    const res = await call(app, "POST", `/.auth/device/${decision}`, { as: user, body: { userCode } });
    assert.equal(res.status, 200, res.text);
  };
  const redeem = (code: string) => tokenRequest(app, { grant_type: DEVICE_GRANT, device_code: code, client_id: clientId });

  before(async () => {
    app = await startOAuthTestApp();
    user = await signUp(app);
    ({ slug, root } = await createIndexedOrg(app, user, "device-org"));
    clientId = (await registerClient(app, { client_name: "Headless Agent", grant_types: [DEVICE_GRANT, "refresh_token"], response_types: [] })).client_id;
  });
  after(async () => {
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("issues a code whose verification page is the web app", async () => {
    const code = await deviceCode();
    assert.equal(code.verification_uri, `${app.url}/.auth/device`);
    assert.equal(code.verification_uri_complete, `${app.url}/.auth/device?user_code=${code.user_code}`);
    const page = await fetch(code.verification_uri_complete, { headers: { accept: "text/html" } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="root">/);
    assert.equal((await redeem(code.device_code)).json.error, "authorization_pending");
  });

  it("approves, grants a token for the MCP resource, and the agent can search", async () => {
    const code = await deviceCode();
    await lookUp(code.user_code);
    await decide(code.user_code, "approve");
    const token = await redeem(code.device_code);
    assert.equal(token.status, 200, JSON.stringify(token.json));
    assert.ok(token.json.refresh_token, "offline_access gives a refresh token");
    assert.equal(token.json.access_token.split(".").length, 3, "a JWT for the resource");
    assert.equal((await redeem(code.device_code)).json.error, "invalid_grant", "a code is redeemed once");

    const client = new Client({ name: "device-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${app.url}/mcp?orgSlug=${slug}`), {
        requestInit: { headers: { Authorization: `Bearer ${token.json.access_token}` } },
      }),
    );
    try {
      const result = await client.callTool({ name: "search_code", arguments: { query: "applyDiscount" } });
      assert.match((result.content as { text: string }[])[0]!.text, /src\/discount\.ts/);
    } finally {
      await client.close();
    }
    const usage = await call(app, "GET", `/api/v1/orgs/${slug}/mcp-usage`, { as: user });
    assert.ok(
      usage.json.usage.some((u: { tool: string; client: string }) => u.tool === "search_code" && u.client === "Headless Agent (OAuth)"),
      JSON.stringify(usage.json),
    );
    const apps = await call(app, "GET", "/api/v1/me/oauth-apps", { as: user });
    assert.deepEqual(
      apps.json.apps.map((a: { clientName: string }) => a.clientName),
      ["Headless Agent"],
    );
  });

  it("defaults the resource to the MCP endpoint when the client names none", async () => {
    const code = await deviceCode({ resource: false });
    await lookUp(code.user_code);
    await decide(code.user_code, "approve");
    const token = await redeem(code.device_code);
    assert.equal(token.status, 200, JSON.stringify(token.json));
    const client = new Client({ name: "device-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${app.url}/mcp?orgSlug=${slug}`), {
        requestInit: { headers: { Authorization: `Bearer ${token.json.access_token}` } },
      }),
    );
    try {
      const result = await client.callTool({ name: "list_repositories", arguments: {} });
      assert.notEqual(result.isError, true);
    } finally {
      await client.close();
    }
  });

  it("refuses another user's claimed code and reports a denied one", async () => {
    const code = await deviceCode();
    await lookUp(code.user_code);
    const other = await signUp(app);
    const stolen = await call(app, "POST", "/.auth/device/approve", { as: other, body: { userCode: code.user_code } });
    assert.equal(stolen.status, 403, stolen.text);
    const peek = await call(app, "GET", `/.auth/device?user_code=${code.user_code}`, { as: other, headers: { accept: "application/json" } });
    assert.equal(peek.json.client_id, undefined, "only the claimant sees the details");
    await decide(code.user_code, "deny");
    assert.equal((await redeem(code.device_code)).json.error, "access_denied");
  });
});
