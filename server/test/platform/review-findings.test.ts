/**
 * Findings of the new-user and attacker review (issue #12) that live at the HTTP edge: the
 * MCP resource metadata is readable from any origin, a malformed bearer token is called
 * invalid, a deeply nested registration or device-code body is a 400, and the favicon exists.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createOrgAs, signUp } from "../harness/http-client.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

describe("edge findings", () => {
  let app: TestApp;
  let slug: string;
  before(async () => {
    app = await startTestApp({ roles: ["server"] });
    slug = (await createOrgAs(app, await signUp(app))).slug;
  });
  after(async () => {
    await app?.stop();
  });

  it("lets any origin read the protected-resource metadata, like the authorisation server's", async () => {
    for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-authorization-server/.auth"]) {
      const res = await fetch(`${app.url}${path}`, { headers: { origin: "https://inspector.example" } });
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get("access-control-allow-origin"), "*", path);
    }
  });

  it("calls a malformed bearer token invalid, not a wrong audience", async () => {
    const res = await fetch(`${app.url}/mcp?orgSlug=${slug}`, {
      method: "POST",
      headers: { authorization: "Bearer not-a-token", "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    assert.equal(res.status, 401);
    const body = (await res.json()) as { error: { message: string } };
    assert.match(body.error.message, /^The bearer token is not a valid access token/);
  });

  it("answers a registration or device-code body nested 100,000 deep with 400", async () => {
    const depth = 100_000;
    for (const path of ["/.auth/oauth2/register", "/.auth/device/code"]) {
      const res = await fetch(`${app.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `{"client_id":"x","a":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}`,
      });
      assert.equal(res.status, 400, `${path}: ${await res.text()}`);
    }
  });

  it("serves a favicon", async () => {
    const res = await fetch(`${app.url}/favicon.ico`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /icon/);
    assert.equal((await res.arrayBuffer()).byteLength > 0, true);
  });
});

describe("NUL characters under /.auth", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ roles: ["server"] });
  });
  after(async () => {
    await app?.stop();
  });

  it("refuses them with 400 in JSON and form bodies", async () => {
    for (const [type, body] of [
      ["application/json", JSON.stringify({ email: "a\u0000@example.com", password: "whatever-long-enough" })],
      ["application/x-www-form-urlencoded", "email=a%00%40example.com&password=whatever-long-enough"],
    ] as const) {
      const res = await fetch(`${app.url}/.auth/sign-in/email`, { method: "POST", headers: { "content-type": type, origin: "http://localhost:3000" }, body });
      assert.equal(res.status, 400, `${type}: ${await res.text()}`);
    }
  });
});
