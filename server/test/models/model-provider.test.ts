/**
 * The optional model provider: /.status says whether one is configured and reachable (the
 * overall status never depends on it, and neither the key nor the URL is shown), each way it
 * can be wrong is said in a sentence an operator can act on, and a configured tier answers
 * through the AI SDK against a local OpenAI-compatible server.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { generateText } from "ai";
import { createModels } from "../../src/models/index.js";
import { createLogger } from "../../src/platform/logging.js";
import { eventually } from "../harness/eventually.js";
import { type FakeModelProvider, startFakeModelProvider } from "../harness/fake-model-provider.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

const KEY = "sk-test-0123456789abcdefSECRET";

describe("model provider", () => {
  let provider: FakeModelProvider;
  const apps: TestApp[] = [];
  const logger = createLogger("silent");
  const config = (overrides: Partial<{ apiKey: string; url: string; medium: string }> = {}) => ({
    provider: "openai-compatible" as const,
    url: overrides.url ?? provider.url,
    apiKey: overrides.apiKey ?? KEY,
    names: { fast: "fast-1", medium: overrides.medium ?? "medium-1", high: "medium-1" },
  });
  const status = async (app: TestApp) => {
    const res = await fetch(`${app.url}/.status`);
    return { code: res.status, text: await res.text() };
  };

  before(async () => {
    provider = await startFakeModelProvider({ key: KEY, models: ["fast-1", "medium-1"] });
  });
  after(async () => {
    for (const app of apps) await app.stop();
    await provider?.close();
  });

  it("shows a configured, reachable model in /.status without its key or URL, and none when unconfigured", async () => {
    const plain = await startTestApp();
    apps.push(plain);
    const off = JSON.parse((await status(plain)).text);
    assert.equal(off.status, "ok", JSON.stringify(off));
    assert.deepEqual(off.model, { configured: false });

    const app = await startTestApp({
      env: { MODEL_PROVIDER_URL: provider.url, MODEL_PROVIDER_API_KEY: KEY, MODEL_FAST_NAME: "fast-1", MODEL_MEDIUM_NAME: "medium-1" },
    });
    apps.push(app);
    const report = await eventually(async () => {
      const seen = await status(app);
      assert.notEqual(JSON.parse(seen.text).model.reachable, undefined, "not probed yet");
      return seen;
    });
    const body = JSON.parse(report.text);
    assert.deepEqual(
      { ...body.model, checkedAt: typeof body.model.checkedAt },
      {
        configured: true,
        provider: "openai-compatible",
        models: { fast: "fast-1", medium: "medium-1", high: "medium-1" },
        reachable: true,
        checkedAt: "string",
      },
    );
    assert.ok(!report!.text.includes(KEY) && !report!.text.includes("127.0.0.1"), "neither the key nor the URL is shown");
    assert.ok(provider.requests.some((r) => r.path === "/v1/models" && r.authorization === `Bearer ${KEY}`));
  });

  it("says what is wrong: a refused key, an unknown model, an unreachable provider", async () => {
    const refused = await createModels({ config: config({ apiKey: "sk-wrong" }), logger }).probe();
    assert.deepEqual([refused.reachable, refused.message], [false, "the model provider refused the API key (MODEL_PROVIDER_API_KEY)"]);
    const unknown = await createModels({ config: config({ medium: "no-such-model" }), logger }).probe();
    assert.equal(unknown.reachable, true);
    assert.match(unknown.message ?? "", /does not list no-such-model; check MODEL_FAST_NAME/);
    const down = await createModels({ config: config({ url: "http://127.0.0.1:9/v1" }), logger }).probe();
    assert.deepEqual([down.reachable, down.message], [false, "the model provider is unreachable"]);
    for (const s of [refused, unknown, down]) assert.ok(!JSON.stringify(s).includes(KEY) && !JSON.stringify(s).includes("sk-wrong"));
  });

  it("answers through the AI SDK with the tier's model name", async () => {
    const models = createModels({ config: config(), logger });
    provider.replies.splice(0, provider.replies.length, "grounded answer");
    const result = await generateText({ model: models.languageModel("fast")!, prompt: "ping" });
    assert.equal(result.text, "grounded answer");
    const last = provider.requests.at(-1)!;
    assert.equal(last.path, "/v1/chat/completions");
    assert.equal((last.body as { model: string }).model, "fast-1");
    assert.equal(createModels({ config: undefined, logger }).languageModel("fast"), undefined);
  });
});
