/**
 * GitHub webhook deliveries at /api/v1/webhook/github/{connectionId}, over real HTTP, with
 * bodies from @octokit/webhooks-examples signed by @octokit/webhooks-methods: a signed ping is
 * accepted (202) and shows as the connection's last delivery; a repeated delivery id is
 * acknowledged once; a wrong or missing signature is 401 (also with another connection's
 * secret), an unknown connection 404, a signed body that is not JSON 400, an oversized one 413.
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, describe, it } from "node:test";
import { sign } from "@octokit/webhooks-methods";
import { githubAppKey } from "../harness/github-app-key.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

const EXAMPLES = createRequire(import.meta.url)("@octokit/webhooks-examples") as { name: string; examples: unknown[] }[];
const example = (event: string) => EXAMPLES.find((e) => e.name === event)!.examples[0]!;

describe("GitHub webhooks", () => {
  let app: TestApp;
  let owner: TestUser;
  let org: { slug: string };
  let connection: { id: string };
  let secret: string;
  let other: { id: string; secret: string };

  /** POSTs a delivery; `signWith` defaults to the connection's secret. */
  const deliver = async (id: string, event: string, body: string, options: { deliveryId?: string; signWith?: string | null } = {}) => {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": options.deliveryId ?? crypto.randomUUID(),
    };
    const key = options.signWith === undefined ? secret : options.signWith;
    if (key !== null) headers["x-hub-signature-256"] = await sign(key, body);
    const res = await fetch(`${app.url}/api/v1/webhook/github/${id}`, { method: "POST", headers, body });
    return { status: res.status, json: (await res.json()) as Record<string, any> };
  };

  before(async () => {
    app = await startTestApp({ roles: ["server"] });
    owner = await signUp(app);
    org = await createOrgAs(app, owner);
    const created = await call(app, "POST", `/api/v1/orgs/${org.slug}/connections`, {
      as: owner,
      body: { type: "github", name: "GitHub", appId: 1, appSlug: "acme", privateKey: githubAppKey() },
    });
    assert.equal(created.status, 201, created.text);
    connection = created.json.connection;
    secret = created.json.webhookSecret;
    const otherOwner = await signUp(app);
    const otherOrg = await createOrgAs(app, otherOwner);
    const second = await call(app, "POST", `/api/v1/orgs/${otherOrg.slug}/connections`, {
      as: otherOwner,
      body: { type: "github", name: "Theirs", appId: 2, appSlug: "theirs", privateKey: githubAppKey() },
    });
    other = { id: second.json.connection.id, secret: second.json.webhookSecret };
  });
  after(() => app?.stop());

  it("accepts a signed ping and shows it as the last delivery; a repeated delivery is acknowledged once", async () => {
    const body = JSON.stringify(example("ping"));
    const first = await deliver(connection.id, "ping", body, { deliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958" });
    assert.deepEqual([first.status, first.json], [202, { accepted: true, duplicate: false }]);
    const again = await deliver(connection.id, "ping", body, { deliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958" });
    assert.deepEqual([again.status, again.json], [202, { accepted: true, duplicate: true }]);
    const view = await call(app, "GET", `/api/v1/orgs/${org.slug}/connections/${connection.id}`, { as: owner });
    assert.equal(view.json.lastDelivery.event, "ping");
    const { rows } = await app.running.platform.db.unsafeSystem.query("select 1 from webhook_deliveries where connection_id = $1", [connection.id]);
    assert.equal(rows.length, 1);
  });

  it("refuses wrong and missing signatures, unknown connections, bodies that are not JSON, and oversized ones", async () => {
    const body = JSON.stringify(example("push"));
    assert.equal((await deliver(connection.id, "push", body, { signWith: "not the secret" })).status, 401);
    assert.equal((await deliver(connection.id, "push", body, { signWith: null })).status, 401);
    // Another connection's valid secret does not open this one.
    assert.equal((await deliver(connection.id, "push", body, { signWith: other.secret })).status, 401);
    assert.equal((await deliver(other.id, "push", body, { signWith: other.secret })).status, 202);
    const unknown = await deliver("con_00000000000000000000", "push", body);
    assert.equal(unknown.status, 404);
    assert.equal((await deliver("not-a-connection", "push", body)).status, 404);
    assert.equal((await deliver(connection.id, "push", "event=push&not=json")).status, 400);
    const big = JSON.stringify({ pad: "x".repeat(2 * 1024 * 1024) });
    assert.equal((await deliver(connection.id, "push", big)).status, 413);
  });
});
