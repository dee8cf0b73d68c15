/**
 * GitHub App connections over real HTTP: an admin connects an App with its id, slug and PEM
 * key and gets the values to enter on GitHub and the webhook secret once; the key and secret
 * are stored encrypted only and never returned; members read, only admins change; bad keys,
 * URLs and names answer 400/409 naming the field; deleting removes the stored secret too.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { sign } from "@octokit/webhooks-methods";
import { githubAppKey } from "../harness/github-app-key.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

describe("connections", () => {
  let app: TestApp;
  let owner: TestUser;
  let member: TestUser;
  let org: { slug: string };
  const key = githubAppKey();
  const base = () => `/api/v1/orgs/${org.slug}/connections`;
  const body = (extra: Record<string, unknown> = {}) => ({ type: "github", name: "GitHub", appId: 123456, appSlug: "ctxpipe-acme", privateKey: key, ...extra });

  before(async () => {
    app = await startTestApp({ roles: ["server"] });
    owner = await signUp(app);
    member = await signUp(app);
    org = await createOrgAs(app, owner);
    const invite = await call(app, "POST", `/api/v1/orgs/${org.slug}/invitations`, { as: owner, body: { email: member.email, role: "member" } });
    const token = new URL(invite.json.inviteUrl).searchParams.get("token");
    assert.equal((await call(app, "POST", "/api/v1/invitations/accept", { as: member, body: { token } })).status, 200);
  });
  after(() => app?.stop());

  it("connects an App: the values for GitHub, the webhook secret once, the key stored encrypted only", async () => {
    const created = await call(app, "POST", base(), { as: owner, body: body() });
    assert.equal(created.status, 201, created.text);
    const { connection, webhookSecret } = created.json;
    assert.match(connection.id, /^con_[a-z0-9]{20}$/);
    assert.match(webhookSecret, /^[0-9a-f]{64}$/);
    assert.equal(connection.status, "pending");
    assert.deepEqual(connection.config, { appId: 123456, appSlug: "ctxpipe-acme", apiUrl: "https://api.github.com" });
    assert.equal(connection.registration.webhookUrl, `http://localhost:3000/api/v1/webhook/github/${connection.id}`);
    assert.deepEqual(connection.registration.permissions, { contents: "read", metadata: "read" });
    assert.deepEqual(connection.registration.events, ["push", "repository"]);

    const { rows } = await app.running.platform.db.unsafeSystem.query<{ ciphertext: Buffer | string; config: unknown }>(
      "select s.ciphertext, c.config from connections c join org_secrets s on s.id = c.secret_id where c.id = $1",
      [connection.id],
    );
    const stored = `${rows[0]!.ciphertext.toString()} ${JSON.stringify(rows[0]!.config)}`;
    assert.ok(!stored.includes("PRIVATE KEY") && !stored.includes(webhookSecret), "neither the key nor the secret is stored in the clear");

    for (const who of [owner, member]) {
      const list = await call(app, "GET", base(), { as: who });
      assert.equal(list.status, 200);
      assert.deepEqual(
        list.json.connections.map((c: { id: string }) => c.id),
        [connection.id],
      );
      assert.ok(!list.text.includes("PRIVATE KEY") && !list.text.includes(webhookSecret));
      assert.equal((await call(app, "GET", `${base()}/${connection.id}`, { as: who })).json.name, "GitHub");
    }
  });

  it("lets only admins change, and names what is wrong", async () => {
    assert.equal((await call(app, "POST", base(), { as: member, body: body({ name: "Mine" }) })).status, 403);
    const ec = generateKeyPairSync("ec", {
      namedCurve: "P-256",
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    }).privateKey;
    for (const [extra, field] of [
      [{ privateKey: "not a key" }, "privateKey"],
      [{ privateKey: ec }, "privateKey"],
      [{ apiUrl: "http://github.example.com/api/v3" }, "apiUrl"],
      [{ appSlug: "Bad Slug" }, "appSlug"],
      [{ appId: 0 }, "appId"],
    ] as const) {
      const res = await call(app, "POST", base(), { as: owner, body: body({ name: `n-${field}`, ...extra }) });
      assert.equal(res.status, 400, `${JSON.stringify(extra).slice(0, 60)}: ${res.text}`);
      assert.equal(res.json.error.details.fields[0].path, field);
    }
    // An internal host is refused at once, not met later as "GitHub answered 500" (#26).
    for (const apiUrl of ["https://localhost", "https://127.0.0.1/api/v3", "https://[::1]", "https://169.254.169.254"]) {
      const res = await call(app, "POST", base(), { as: owner, body: body({ name: `internal-${apiUrl.length}`, apiUrl }) });
      assert.equal(res.status, 400, `${apiUrl}: ${res.text}`);
      assert.equal(res.json.error.details.fields[0].path, "apiUrl");
      assert.match(res.json.error.message, /internal address/);
    }
    assert.equal((await call(app, "POST", base(), { as: owner, body: body() })).status, 409, "the name is taken");
    const ghes = await call(app, "POST", base(), { as: owner, body: body({ name: "GHES", apiUrl: "https://github.example.com/api/v3/" }) });
    assert.equal(ghes.json.connection.config.apiUrl, "https://github.example.com/api/v3");
    assert.equal((await call(app, "GET", `${base()}/con_00000000000000000000`, { as: owner })).status, 404);
    assert.equal((await call(app, "GET", `${base()}/not-an-id`, { as: owner })).status, 400);
  });

  it("deletes a connection with its stored secret", async () => {
    const created = await call(app, "POST", base(), { as: owner, body: body({ name: "Doomed" }) });
    const id = created.json.connection.id as string;
    const { rows } = await app.running.platform.db.unsafeSystem.query<{ secret_id: string }>("select secret_id from connections where id = $1", [id]);
    assert.equal((await call(app, "DELETE", `${base()}/${id}`, { as: member })).status, 403);
    assert.equal((await call(app, "DELETE", `${base()}/${id}`, { as: owner })).status, 204);
    assert.equal((await call(app, "GET", `${base()}/${id}`, { as: owner })).status, 404);
    const left = await app.running.platform.db.unsafeSystem.query("select 1 from org_secrets where id = $1", [rows[0]!.secret_id]);
    assert.equal(left.rowCount, 0, "the encrypted key and secret are gone too");
  });

  it("renames, takes a new private key and replaces the webhook secret in place", async () => {
    const created = await call(app, "POST", base(), { as: owner, body: body({ name: "Editable" }) });
    const id = created.json.connection.id as string;
    const deliver = async (secret: string) => {
      const text = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });
      const res = await fetch(`${app.url}/api/v1/webhook/github/${id}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "ping",
          "x-github-delivery": crypto.randomUUID(),
          "x-hub-signature-256": await sign(secret, text),
        },
        body: text,
      });
      return res.status;
    };
    assert.equal((await call(app, "PATCH", `${base()}/${id}`, { as: member, body: { name: "Mine" } })).status, 403);
    assert.equal((await call(app, "PATCH", `${base()}/${id}`, { as: owner, body: { name: "GitHub" } })).status, 409);
    assert.equal((await call(app, "PATCH", `${base()}/${id}`, { as: owner, body: { privateKey: "not a key" } })).status, 400);
    const newKey = githubAppKey();
    const patched = await call(app, "PATCH", `${base()}/${id}`, { as: owner, body: { name: "Edited", appSlug: "ctxpipe-edited", privateKey: newKey } });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual([patched.json.name, patched.json.config.appSlug], ["Edited", "ctxpipe-edited"]);

    assert.equal(await deliver(created.json.webhookSecret), 202);
    assert.equal((await call(app, "POST", `${base()}/${id}/webhook-secret`, { as: member })).status, 403);
    const rotated = await call(app, "POST", `${base()}/${id}/webhook-secret`, { as: owner });
    assert.equal(rotated.status, 200, rotated.text);
    assert.notEqual(rotated.json.webhookSecret, created.json.webhookSecret);
    assert.equal(await deliver(created.json.webhookSecret), 401, "the old secret no longer opens the webhook");
    assert.equal(await deliver(rotated.json.webhookSecret), 202);
  });
});
