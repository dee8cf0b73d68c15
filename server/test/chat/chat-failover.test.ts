/**
 * A streamed chat answer whose database goes away while the model writes: the stream ends with
 * an `unavailable` error event (not a cut connection), and once the database is back the
 * conversation is given back, so the question can be asked again at once instead of answering
 * 409 until the claim lapses. The database is taken away for real, through a TCP proxy.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eventually } from "../harness/eventually.js";
import { postForEvents, type StreamedEvent } from "../harness/event-stream.js";
import { type FakeModelProvider, startFakeModelProvider } from "../harness/fake-model-provider.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { startTcpProxy, type TcpProxy } from "../harness/tcp-proxy.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";
import { createTestDatabase, type TestDatabase } from "../harness/test-database.js";

const KEY = "sk-chat-failover";

describe("chat during a database failover", () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let provider: FakeModelProvider;
  let app: TestApp;
  let owner: TestUser;
  let slug: string;

  before(async () => {
    db = await createTestDatabase();
    const direct = new URL(db.url);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port) });
    direct.port = String(proxy.port);
    provider = await startFakeModelProvider({ key: KEY, models: ["m"] });
    app = await startTestApp({
      db,
      roles: ["server"],
      env: { DATABASE_URL: direct.toString(), MODEL_PROVIDER_URL: provider.url, MODEL_PROVIDER_API_KEY: KEY, MODEL_MEDIUM_NAME: "m" },
    });
    owner = await signUp(app);
    slug = (await createOrgAs(app, owner)).slug;
  });
  after(async () => {
    await proxy?.restore().catch(() => {});
    await app?.stop();
    await provider?.close();
    await proxy?.close();
    await db?.drop();
  });

  it("ends the stream with an unavailable error and gives the conversation back", async () => {
    provider.replies.splice(0, provider.replies.length, { text: "The discount is applied in the basket when the order is placed.", wordDelayMs: 100 });
    const streamed = await postForEvents(app, `/api/v1/orgs/${slug}/chat/conversations`, { as: owner, body: { prompt: "Where are discounts applied?" } });
    assert.equal(streamed.status, 200);
    const events: StreamedEvent[] = [];
    for await (const event of streamed.events) {
      events.push(event);
      // The model is writing: the database goes away before the answer can be stored.
      if (event.event === "text" && events.filter((e) => e.event === "text").length === 1) await proxy.cut();
    }
    const conversationId = events.find((e) => e.event === "conversation")?.data.conversationId;
    assert.ok(conversationId);
    assert.deepEqual(events.at(-1), { event: "error", data: { type: "error", error: { code: "unavailable", message: events.at(-1)?.data.error.message } } });

    await proxy.restore();
    // Asked again in the same conversation: 409 while it is still claimed (bounded wait, the
    // claim is given back within seconds of the database's return).
    provider.replies.splice(0, provider.replies.length, "In the basket.");
    const again = await eventually(
      async () => {
        const res = await call(app, "POST", `/api/v1/orgs/${slug}/chat/conversations`, { as: owner, body: { prompt: "And now?", conversationId } });
        assert.equal(res.status, 200, res.text);
        return res;
      },
      { timeoutMs: 10_000, intervalMs: 250, message: "the conversation is given back" },
    );
    assert.equal(again.json.answer.text, "In the basket.");
  });
});
