/**
 * The agent loop against a local model provider playing scripted conversations over a really
 * indexed repository and ctxpipe's own tools, once in OpenAI's chat-completions wire format
 * and once in Anthropic's Messages format (both streamed, tool calls included): a tool-calling
 * answer with a valid citation, an invented citation marked unverified, a provider error as a
 * sentence, the step limit, a stream cancelled mid-answer, the time limit; and the answer
 * without a model.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { type AgentTool, evidenceAnswer, runAgent } from "../../src/chat/index.js";
import { agentTools } from "../../src/mcp/index.js";
import { createModels } from "../../src/models/index.js";
import { createLogger } from "../../src/platform/logging.js";
import { eventually } from "../harness/eventually.js";
import { type FakeModelProvider, startFakeModelProvider } from "../harness/fake-model-provider.js";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";
import { toolServices } from "../harness/tool-services.js";

const KEY = "sk-agent-test-key";

for (const provider_ of ["openai-compatible", "anthropic"] as const)
  describe(`agent loop (${provider_} wire format)`, () => {
    let root: string;
    let app: TestApp;
    let provider: FakeModelProvider;
    let orgId: string;
    let commit: string;
    let tools: AgentTool[];
    const limits = { maxSteps: 4, maxInputTokens: 100_000, maxOutputTokens: 500, timeoutMs: 30_000 };
    const model = () =>
      createModels({
        config: { provider: provider_, url: provider.url, apiKey: KEY, names: { fast: "m", medium: "m", high: "m" } },
        logger: createLogger("silent"),
      }).languageModel("medium")!;
    const ask = (prompt: string, extra: Partial<Parameters<typeof runAgent>[0]> = {}) =>
      runAgent({ readFile: toolServices(app).search.readFile, scope: { orgId }, model: model(), tools, prompt, limits, ...extra });

    before(async () => {
      root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-agent-"));
      provider = await startFakeModelProvider({ key: KEY, models: ["m"] });
      app = await startTestApp({ env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" } });
      const owner = await signUp(app);
      const org = await createOrgAs(app, owner);
      const dir = await createTestRepo(root, "shop", {
        "src/discount.ts": "export function applyDiscount(total: number) {\n  return total * 0.9;\n}\n",
        "src/cart.ts": "import { applyDiscount } from './discount';\nexport const price = applyDiscount(100);\n",
      });
      const added = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories`, { as: owner, body: { url: dir, name: "shop" } });
      commit = (await waitForRepository(app, owner, org.slug, added.json.id)).indexedCommit!.slice(0, 12);
      orgId = (await app.running.platform.db.unsafeSystem.query<{ id: string }>("select id from orgs where slug = $1", [org.slug])).rows[0]!.id;
      tools = agentTools(toolServices(app))({ orgId });
    });
    after(async () => {
      await app?.stop();
      await provider?.close();
      if (root) await fs.rm(root, { recursive: true, force: true });
    });

    it("calls a tool, answers with a citation the index confirms, and lists the tools' sources", async () => {
      provider.replies.splice(
        0,
        provider.replies.length,
        { toolCalls: [{ name: "search_code", arguments: { query: "applyDiscount" } }] },
        `The discount is applied in shop@${commit}:src/discount.ts:2.`,
      );
      const steps: string[][] = [];
      const pieces: string[] = [];
      const answer = await ask("Where is the discount applied?", {
        onEvent: (e) => {
          if (e.type === "step") steps.push(e.toolCalls);
          if (e.type === "text") pieces.push(e.text);
        },
      });
      assert.equal(answer.stopped, undefined, answer.text);
      assert.equal(answer.text, `The discount is applied in shop@${commit}:src/discount.ts:2.`);
      // Streamed: the text arrived in pieces that join to the answer.
      assert.ok(pieces.length > 3, pieces.join("|"));
      assert.equal(pieces.join(""), answer.text);
      assert.deepEqual(
        answer.citations.map((c) => [c.citation, c.verified, c.text]),
        [[`shop@${commit}:src/discount.ts:2`, true, "  return total * 0.9;"]],
      );
      assert.deepEqual(answer.toolCalls, [{ name: "search_code", input: { query: "applyDiscount" }, ok: true }]);
      assert.ok(
        answer.sources.some((s) => s.startsWith(`shop@${commit}:src/discount.ts:1`)),
        answer.sources.join(", "),
      );
      assert.deepEqual(steps, [["search_code"], []]);
      // The tool's result went back to the model in the second request, in the provider's shape.
      const second = provider.requests.at(-1)!.body as { stream: boolean; messages: { role: string; content: unknown }[] };
      assert.equal(second.stream, true);
      const results =
        provider_ === "anthropic"
          ? second.messages.flatMap((m) => (Array.isArray(m.content) ? m.content.filter((p: { type: string }) => p.type === "tool_result") : []))
          : second.messages.filter((m) => m.role === "tool");
      assert.equal(results.length, 1, JSON.stringify(second.messages));
      assert.match(JSON.stringify(results), /src\/discount\.ts/);
    });

    it("marks an invented citation unverified", async () => {
      provider.replies.splice(0, provider.replies.length, `It is in shop@${commit}:src/pricing.ts:7.`);
      const answer = await ask("Where is pricing?");
      assert.deepEqual(
        answer.citations.map((c) => [c.verified, c.reason]),
        [[false, "no indexed file shop:src/pricing.ts"]],
      );
    });

    it("turns a provider error into a sentence, without the key", async () => {
      provider.replies.splice(0, provider.replies.length, { status: 429 });
      const answer = await ask("anything");
      assert.equal(answer.stopped, "provider");
      assert.equal(answer.text, "The model provider is rate-limiting requests; try again shortly.");
      const refused = await runAgent({
        readFile: toolServices(app).search.readFile,
        scope: { orgId },
        model: createModels({
          config: { provider: provider_, url: provider.url, apiKey: "sk-wrong", names: { fast: "m", medium: "m", high: "m" } },
          logger: createLogger("silent"),
        }).languageModel("fast")!,
        tools,
        prompt: "anything",
        limits,
      });
      assert.equal(refused.text, "The model provider refused the API key (MODEL_PROVIDER_API_KEY).");
      assert.ok(!JSON.stringify(refused).includes("sk-wrong"));
    });

    it("stops at the step limit and says so", async () => {
      provider.replies.splice(0, provider.replies.length, { toolCalls: [{ name: "find_symbol", arguments: { name: "applyDiscount" } }] });
      const answer = await ask("Loop forever", { limits: { ...limits, maxSteps: 2 } });
      assert.equal(answer.stopped, "steps");
      assert.match(answer.text, /I stopped after 2 steps \(the limit\)/);
      assert.equal(answer.toolCalls.length, 2);
      assert.ok(answer.sources.length > 0);
    });

    it("stops at the input-token limit, and sends only the history that fits", async () => {
      // The fake provider counts 10 input tokens per call: the second call reaches 20 ≥ 15.
      provider.replies.splice(0, provider.replies.length, { toolCalls: [{ name: "find_symbol", arguments: { name: "applyDiscount" } }] });
      const answer = await ask("Loop forever", { limits: { ...limits, maxInputTokens: 15 } });
      assert.equal(answer.stopped, "tokens");
      assert.match(answer.text, /I stopped at the limit of 15 input tokens before finishing/);
      assert.equal(answer.toolCalls.length, 2);

      provider.replies.splice(0, provider.replies.length, "fine");
      const history = [
        { role: "user" as const, content: "a".repeat(60) },
        { role: "assistant" as const, content: "b".repeat(30) },
        { role: "user" as const, content: "c".repeat(30) },
        { role: "assistant" as const, content: "d".repeat(30) },
      ];
      // 100 input tokens leave 25 for the history: about 100 characters, the last three
      // messages, of which the first is an answer: the history starts at the question after it.
      await ask("And then?", { history, limits: { ...limits, maxInputTokens: 100 } });
      const sent = JSON.stringify((provider.requests.at(-1)!.body as { messages: unknown }).messages);
      assert.ok(!sent.includes("a".repeat(60)) && !sent.includes("b".repeat(30)), sent);
      assert.ok(sent.includes("c".repeat(30)) && sent.includes("d".repeat(30)), sent);
    });

    it("stops a stream cancelled mid-answer, keeping what was written", async () => {
      provider.replies.splice(0, provider.replies.length, { text: "The discount lives in the discount module and is applied by the cart.", wordDelayMs: 40 });
      const controller = new AbortController();
      const disconnects = provider.disconnects;
      const pieces: string[] = [];
      const answer = await ask("Where is the discount?", {
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === "text" && pieces.push(e.text) === 3) controller.abort();
        },
      });
      assert.equal(answer.stopped, "cancelled");
      assert.equal(answer.text, `${pieces.join("")}\n\n(Stopped.)`);
      assert.ok(pieces.length < 8, pieces.join("|"));
      // The provider saw the client leave before its stream ended.
      await eventually(() => assert.equal(provider.disconnects, disconnects + 1), { timeoutMs: 2_000, intervalMs: 20 });
    });

    it("stops at the time limit and says so", async () => {
      provider.replies.splice(0, provider.replies.length, { text: "one two three four five six seven eight nine ten eleven twelve", wordDelayMs: 400 });
      const answer = await ask("Slow answer", { limits: { ...limits, timeoutMs: 1500 } });
      assert.equal(answer.stopped, "time");
      assert.match(answer.text, /^one .*\n\nI stopped at the time limit \(2 s\)/s);
      assert.doesNotMatch(answer.text, /twelve/);
    });

    it("answers without a model with the ranked evidence and how to configure one", async () => {
      const answer = await evidenceAnswer({ tools, prompt: "Where is applyDiscount defined?" });
      assert.match(answer.text, /^No model is configured/);
      assert.match(answer.text, /docs\/chat\.md/);
      assert.ok(
        answer.sources.some((s) => s.startsWith(`shop@${commit}:src/discount.ts:1`)),
        answer.sources.join(", "),
      );
      // One search: the question as a whole, in search's question mode.
      assert.deepEqual(
        answer.toolCalls.filter((c) => c.name === "search_code").map((c) => c.input),
        [{ query: "Where is applyDiscount defined?", mode: "question", limit: 8 }],
      );
    });
  });
