/**
 * The chat's REST routes against a local OpenAI-compatible server: a question answered with a
 * checked citation is stored with its details, a follow-up carries the conversation's
 * earlier messages to the model, the caller's conversations are listed and read, another
 * member sees none of them, and deleting removes one. Streamed as server-sent events, an
 * answer arrives in pieces and holds the caller's fair share until it ends; closing the
 * stream stops it and keeps what was written; regenerating replaces it. Without a model, the
 * answer is the evidence the tools found.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { eventually } from "../harness/eventually.js";
import { postForEvents, type StreamedEvent } from "../harness/event-stream.js";
import { type FakeModelProvider, startFakeModelProvider } from "../harness/fake-model-provider.js";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

const KEY = "sk-chat-test";

describe("chat conversations", () => {
  let root: string;
  let provider: FakeModelProvider;
  let app: TestApp;
  let owner: TestUser;
  let member: TestUser;
  let slug: string;
  let commit: string;
  let repoDir: string;

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-chat-"));
    provider = await startFakeModelProvider({ key: KEY, models: ["m"] });
    app = await startTestApp({
      env: {
        CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true",
        MODEL_PROVIDER_URL: provider.url,
        MODEL_PROVIDER_API_KEY: KEY,
        MODEL_MEDIUM_NAME: "m",
        // One unit of fair share per caller, so a streamed answer's hold on it shows.
        CTXPIPE_SEARCH_SLOTS_PER_CALLER: "1",
        CTXPIPE_SEARCH_SLOTS: "8",
        CTXPIPE_SEARCH_SLOTS_PER_ORG: "4",
        CTXPIPE_SEARCH_QUEUE_MS: "300",
      },
    });
    owner = await signUp(app);
    slug = (await createOrgAs(app, owner)).slug;
    member = await signUp(app);
    const invite = await call(app, "POST", `/api/v1/orgs/${slug}/invitations`, { as: owner, body: { email: member.email, role: "member" } });
    const token = new URL(invite.json.inviteUrl).searchParams.get("token");
    assert.equal((await call(app, "POST", "/api/v1/invitations/accept", { as: member, body: { token } })).status, 200);
    repoDir = await createTestRepo(root, "shop", { "src/discount.ts": "export function applyDiscount(total: number) {\n  return total * 0.9;\n}\n" });
    const added = await call(app, "POST", `/api/v1/orgs/${slug}/repositories`, { as: owner, body: { url: repoDir, name: "shop" } });
    commit = (await waitForRepository(app, owner, slug, added.json.id)).indexedCommit!.slice(0, 12);
  });
  after(async () => {
    await app?.stop();
    await provider?.close();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("asks, follows up with the conversation's history, lists, reads and deletes", async () => {
    provider.replies.splice(
      0,
      provider.replies.length,
      { toolCalls: [{ name: "find_symbol", arguments: { name: "applyDiscount" } }] },
      `In shop@${commit}:src/discount.ts:1.`,
    );
    const first = await call(app, "POST", `/api/v1/orgs/${slug}/chat/conversations`, { as: owner, body: { prompt: "Where is applyDiscount?" } });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.answer.text, `In shop@${commit}:src/discount.ts:1.`);
    assert.deepEqual(
      first.json.answer.citations.map((c: any) => c.verified),
      [true],
    );
    assert.deepEqual(
      first.json.answer.toolCalls.map((c: any) => c.name),
      ["find_symbol"],
    );
    const id = first.json.conversationId as string;

    provider.replies.splice(0, provider.replies.length, "It multiplies by 0.9.");
    const second = await call(app, "POST", `/api/v1/orgs/${slug}/chat/conversations`, { as: owner, body: { prompt: "What does it do?", conversationId: id } });
    assert.equal(second.status, 200, second.text);
    const sent = provider.requests.at(-1)!.body as { messages: { role: string; content: unknown }[] };
    const contents = sent.messages.filter((m) => m.role === "user" || m.role === "assistant").map((m) => [m.role, m.content]);
    assert.deepEqual(contents, [
      ["user", "Where is applyDiscount?"],
      ["assistant", `In shop@${commit}:src/discount.ts:1.`],
      ["user", "What does it do?"],
    ]);

    const list = await call(app, "GET", `/api/v1/orgs/${slug}/chat/conversations?source=web`, { as: owner });
    assert.deepEqual(
      list.json.conversations.map((c: any) => [c.id, c.title, c.source]),
      [[id, "Where is applyDiscount?", "web"]],
    );
    const read = await call(app, "GET", `/api/v1/orgs/${slug}/chat/conversations/${id}`, { as: owner });
    assert.deepEqual(
      read.json.messages.map((m: any) => [m.role, m.content]),
      [
        ["user", "Where is applyDiscount?"],
        ["assistant", `In shop@${commit}:src/discount.ts:1.`],
        ["user", "What does it do?"],
        ["assistant", "It multiplies by 0.9."],
      ],
    );
    assert.equal(read.json.messages[1].answer.citations[0].verified, true);

    // Another member of the organisation sees none of it.
    assert.deepEqual((await call(app, "GET", `/api/v1/orgs/${slug}/chat/conversations`, { as: member })).json.conversations, []);
    assert.equal((await call(app, "GET", `/api/v1/orgs/${slug}/chat/conversations/${id}`, { as: member })).status, 404);
    assert.equal((await call(app, "POST", `/api/v1/orgs/${slug}/chat/conversations`, { as: member, body: { prompt: "x", conversationId: id } })).status, 404);

    assert.equal((await call(app, "DELETE", `/api/v1/orgs/${slug}/chat/conversations/${id}`, { as: owner })).status, 204);
    assert.equal((await call(app, "GET", `/api/v1/orgs/${slug}/chat/conversations/${id}`, { as: owner })).status, 404);
    assert.equal((await call(app, "POST", `/api/v1/orgs/${slug}/chat/conversations`, { as: owner, body: { prompt: "   " } })).status, 400);
  });

  it("streams an answer as server-sent events, stops when the stream closes, and regenerates", async () => {
    provider.replies.splice(
      0,
      provider.replies.length,
      { toolCalls: [{ name: "search_code", arguments: { query: "applyDiscount" } }] },
      `Discounts are applied in shop@${commit}:src/discount.ts:2.`,
    );
    const streamed = await postForEvents(app, `/api/v1/orgs/${slug}/chat/conversations`, { as: owner, body: { prompt: "Where are discounts applied?" } });
    assert.equal(streamed.status, 200);
    assert.match(streamed.contentType ?? "", /^text\/event-stream/);
    const events: StreamedEvent[] = [];
    for await (const e of streamed.events) events.push(e);
    const kinds = events.map((e) => e.event).filter((k, i, all) => k !== all[i - 1]);
    assert.deepEqual(kinds, ["conversation", "tool", "step", "text", "step", "answer"]);
    const text = events.filter((e) => e.event === "text").map((e) => e.data.text);
    assert.ok(text.length > 3);
    const final = events.at(-1)!.data;
    assert.equal(text.join(""), final.answer.text);
    assert.deepEqual(
      final.answer.citations.map((c: any) => [c.citation, c.verified]),
      [[`shop@${commit}:src/discount.ts:2`, true]],
    );
    const id = final.conversationId as string;
    assert.equal(events[0]!.data.conversationId, id);

    // A slow answer holds the caller's only unit of fair share until its stream closes.
    provider.replies.splice(0, provider.replies.length, { text: "Let me explain this slowly, word by word, until someone stops me.", wordDelayMs: 300 });
    const controller = new AbortController();
    const slow = await postForEvents(app, `/api/v1/orgs/${slug}/chat/conversations`, {
      as: owner,
      body: { prompt: "Explain slowly", conversationId: id },
      signal: controller.signal,
    });
    const pieces: string[] = [];
    // Read with next(): leaving a for-await loop would close the stream.
    while (pieces.length < 2) {
      const { value } = await slow.events.next();
      if (value?.event === "text") pieces.push(value.data.text);
    }
    assert.equal((await call(app, "GET", `/api/v1/orgs/${slug}/search?q=applyDiscount`, { as: owner })).status, 429);
    // One answer at a time per conversation: the same user through an API key (another
    // caller, so the fair share lets it in) is refused while the answer is written.
    const apiKey = (await call(app, "POST", `/api/v1/orgs/${slug}/api-keys`, { as: owner, body: { name: "second caller" } })).json.key as string;
    const busy = await call(app, "POST", `/api/v1/orgs/${slug}/chat/conversations`, { as: { apiKey }, body: { prompt: "And another?", conversationId: id } });
    assert.equal(busy.status, 409, busy.text);
    assert.match(busy.json.error.message, /An answer is being written in this conversation/);
    assert.equal((await call(app, "POST", `/api/v1/orgs/${slug}/chat/conversations/${id}/regenerate`, { as: { apiKey } })).status, 409);
    controller.abort();
    const stored = await eventually(
      async () => {
        const seen = (await call(app, "GET", `/api/v1/orgs/${slug}/chat/conversations/${id}`, { as: owner })).json;
        assert.equal(seen.messages.length, 4);
        return seen;
      },
      { timeoutMs: 10_000, intervalMs: 50, message: "the stopped answer is stored" },
    );
    const last = stored.messages.at(-1);
    assert.equal(last.answer.stopped, "cancelled");
    assert.match(last.content, /^Let me explain.*\n\n\(Stopped\.\)$/s);
    assert.doesNotMatch(last.content, /stops me/);
    assert.equal((await call(app, "GET", `/api/v1/orgs/${slug}/search?q=applyDiscount`, { as: owner })).status, 200);

    // Regenerating answers the last question again, replacing the stopped answer.
    provider.replies.splice(0, provider.replies.length, "Briefly: it multiplies by 0.9.");
    const again = await call(app, "POST", `/api/v1/orgs/${slug}/chat/conversations/${id}/regenerate`, { as: owner });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.answer.text, "Briefly: it multiplies by 0.9.");
    const asked = provider.requests.at(-1)!.body as { messages: { role: string; content: unknown }[] };
    assert.deepEqual(
      asked.messages.filter((m) => m.role === "user").map((m) => m.content),
      ["Where are discounts applied?", "Explain slowly"],
    );
    const after = (await call(app, "GET", `/api/v1/orgs/${slug}/chat/conversations/${id}`, { as: owner })).json;
    assert.deepEqual(
      after.messages.map((m: any) => [m.role, m.content]),
      [
        ["user", "Where are discounts applied?"],
        ["assistant", final.answer.text],
        ["user", "Explain slowly"],
        ["assistant", "Briefly: it multiplies by 0.9."],
      ],
    );
    assert.equal((await call(app, "POST", `/api/v1/orgs/${slug}/chat/conversations/${id}/regenerate`, { as: member })).status, 404);
  });

  it("answers agents through ctx_advisor, whose conversations the web chat lists under MCP", async () => {
    const key = (await call(app, "POST", `/api/v1/orgs/${slug}/api-keys`, { as: owner, body: { name: "agent" } })).json.key;
    const client = new Client({ name: "ctxpipe-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${app.url}/mcp?orgSlug=${slug}`), { requestInit: { headers: { Authorization: `Bearer ${key}` } } }),
    );
    try {
      provider.replies.splice(
        0,
        provider.replies.length,
        { toolCalls: [{ name: "search_code", arguments: { query: "applyDiscount" } }] },
        `See shop@${commit}:src/discount.ts:2 and shop@${commit}:src/gone.ts:1.`,
      );
      // With a progress token (the SDK sends one with onprogress), the call answers with a
      // stream: a notification when the work starts and one per step, then the answer.
      const progress: { progress: number; message?: string }[] = [];
      const result = await client.callTool(
        { name: "ctx_advisor", arguments: { prompt: "How is the discount computed?", currentProjectName: "shop" } },
        undefined,
        {
          onprogress: (p) => void progress.push({ progress: p.progress, message: p.message }),
        },
      );
      assert.equal(result.isError, undefined, JSON.stringify(result));
      assert.deepEqual(progress, [
        { progress: 0, message: "Searching the organisation's code" },
        { progress: 1, message: "Step 1: search_code" },
        { progress: 2, message: "Step 2: writing the answer" },
      ]);
      const text = (result.content as { text: string }[])[0]!.text;
      assert.match(text, new RegExp(`- shop@${commit}:src/discount\\.ts:2 verified`));
      assert.match(text, new RegExp(`- shop@${commit}:src/gone\\.ts:1 UNVERIFIED: no indexed file shop:src/gone\\.ts`));
      assert.match(text, /Sources the tools returned:\n- shop@/);
      const { conversationId } = result.structuredContent as { conversationId: string };
      // The project name reached the model with the question.
      const asked = provider.requests.filter((r) => r.path === "/v1/chat/completions").at(-2)!.body as { messages: { role: string; content: string }[] };
      assert.match(asked.messages.find((m) => m.role === "user")!.content, /working in the repository shop/);
      const listed = await call(app, "GET", `/api/v1/orgs/${slug}/chat/conversations?source=mcp`, { as: owner });
      assert.deepEqual(
        listed.json.conversations.map((c: any) => c.id),
        [conversationId],
      );
      // Only that call streams: other tools answer JSON even with a progress token.
      const raw = (name: string, args: unknown) =>
        fetch(`${app.url}/mcp?orgSlug=${slug}`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name, arguments: args, _meta: { progressToken: "p1" } } }),
        });
      provider.replies.splice(0, provider.replies.length, "Nothing to add.");
      const streamed = await raw("ctx_advisor", { prompt: "Anything else?" });
      assert.match(streamed.headers.get("content-type") ?? "", /^text\/event-stream/);
      const body = await streamed.text();
      assert.match(body, /"method":"notifications\/progress","params":\{"progressToken":"p1","progress":0/);
      assert.match(body, /data: {"result":.*"id":7}\n/);
      const plain = await raw("search_code", { query: "applyDiscount" });
      assert.match(plain.headers.get("content-type") ?? "", /^application\/json/);
      assert.equal(((await plain.json()) as { id: number }).id, 7);

      // Cancelling the call (the SDK sends notifications/cancelled in a separate POST, and the
      // caller's only slot is held by the call) stops the loop; what was written is stored.
      provider.replies.splice(0, provider.replies.length, { text: "I will take a very long time to say anything of use here.", wordDelayMs: 300 });
      const disconnects = provider.disconnects;
      const requestsBefore = provider.requests.length;
      const controller = new AbortController();
      const cancelled = client.callTool({ name: "ctx_advisor", arguments: { prompt: "Take your time" } }, undefined, {
        signal: controller.signal,
        onprogress: () => {},
      });
      // Cancel once the model is writing (its request arrived, and a word or two went out).
      await eventually(() => assert.ok(provider.requests.length > requestsBefore), { intervalMs: 20, message: "the model is asked" });
      // A word or two go out (one per 300 ms): the client hears of none (progress comes per step).
      await new Promise((r) => setTimeout(r, 500));
      controller.abort();
      await assert.rejects(cancelled);
      const stored = await eventually(
        async () => {
          const newest = (await call(app, "GET", `/api/v1/orgs/${slug}/chat/conversations?source=mcp`, { as: owner })).json.conversations[0];
          const seen = (await call(app, "GET", `/api/v1/orgs/${slug}/chat/conversations/${newest.id}`, { as: owner })).json;
          assert.equal(seen.messages.at(-1)?.role, "assistant");
          return seen;
        },
        { timeoutMs: 10_000, intervalMs: 50, message: "the cancelled answer is stored" },
      );
      assert.equal(stored.messages[0].content, "Take your time");
      assert.equal(stored.messages[1].answer.stopped, "cancelled");
      assert.doesNotMatch(stored.messages[1].content, /of use here/);
      await eventually(() => assert.equal(provider.disconnects, disconnects + 1), { timeoutMs: 2_000, intervalMs: 20 });
    } finally {
      await client.close();
    }
  });

  it("answers with the evidence when no model is configured", async () => {
    const plain = await startTestApp({ env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" } });
    try {
      const user = await signUp(plain);
      const org = (await createOrgAs(plain, user)).slug;
      const added = await call(plain, "POST", `/api/v1/orgs/${org}/repositories`, { as: user, body: { url: repoDir, name: "shop" } });
      await waitForRepository(plain, user, org, added.json.id);
      const res = await call(plain, "POST", `/api/v1/orgs/${org}/chat/conversations`, { as: user, body: { prompt: "Where is applyDiscount?" } });
      assert.equal(res.status, 200, res.text);
      assert.match(res.json.answer.text, /^No model is configured/);
      assert.ok(
        res.json.answer.sources.some((s: string) => s.includes(":src/discount.ts:1")),
        res.text,
      );
    } finally {
      await plain.stop();
    }
  });
});
