/**
 * While Postgres cannot be reached, REST, MCP and sign-in answer 503 `unavailable` with a
 * Retry-After (not 500 `internal_error`), /.status says down, and everything answers again
 * once the database is back. The database is taken away for real, through a TCP proxy.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { eventually } from "../harness/eventually.js";
import { startTcpProxy, type TcpProxy } from "../harness/tcp-proxy.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";
import { createTestDatabase, type TestDatabase } from "../harness/test-database.js";

describe("database down", () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let app: TestApp;
  let owner: TestUser;
  let org: { slug: string };
  let key: string;

  before(async () => {
    db = await createTestDatabase();
    const direct = new URL(db.url);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port) });
    direct.port = String(proxy.port);
    app = await startTestApp({ db, roles: ["server"], env: { DATABASE_URL: direct.toString() } });
    owner = await signUp(app);
    org = await createOrgAs(app, owner);
    key = (await call(app, "POST", `/api/v1/orgs/${org.slug}/api-keys`, { as: owner, body: { name: "agent" } })).json.key;
  });
  after(async () => {
    await proxy?.restore().catch(() => {});
    await app?.stop();
    await proxy?.close();
    await db?.drop();
  });

  it("answers 503 with Retry-After on REST, MCP and sign-in, and recovers", async () => {
    await proxy.cut();

    const rest = await call(app, "GET", `/api/v1/orgs/${org.slug}/repositories`, { as: { apiKey: key } });
    assert.equal(rest.status, 503, rest.text);
    assert.equal(rest.json.error.code, "unavailable");
    assert.ok(Number(rest.headers.get("retry-after")) > 0);

    const asSession = await call(app, "GET", "/api/v1/me", { as: owner });
    assert.equal(asSession.status, 503, asSession.text);

    const mcp = await fetch(`${app.url}/mcp?orgSlug=${org.slug}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
    });
    assert.equal(mcp.status, 503);
    assert.ok(Number(mcp.headers.get("retry-after")) > 0);
    assert.match(((await mcp.json()) as { error: { message: string } }).error.message, /unavailable/);

    const signIn = await fetch(`${app.url}/.auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://localhost:3000" },
      body: JSON.stringify({ email: owner.email, password: owner.password }),
    });
    const signInBody = await signIn.text();
    assert.equal(signIn.status, 503, signInBody);
    assert.ok(Number(signIn.headers.get("retry-after")) > 0);

    // The checks run in the background once a second: the next ones see the database gone.
    await eventually(async () => assert.equal((await fetch(`${app.url}/.status`)).status, 503), { message: "/.status sees the database gone" });

    await proxy.restore();
    const again = await call(app, "GET", `/api/v1/orgs/${org.slug}/repositories`, { as: { apiKey: key } });
    assert.equal(again.status, 200, again.text);
  });
});
