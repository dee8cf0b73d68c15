/**
 * A local embedding provider for `npm run bench:nl` speaking OpenAI's embeddings wire format
 * (`POST /v1/embeddings` with `input` a string or a list, `GET /v1/models`, Bearer key), so the
 * server's provider code runs unchanged. Its vectors are hashed bags of words (each word,
 * split at case and punctuation, adds ±1 to a few dimensions, then L2-normalised): stable and
 * cheap, with no meaning beyond shared words. It measures the plumbing and the cost (requests,
 * inputs, tokens, the time the server adds), never the quality of real embeddings.
 */
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/** A running fake embedding provider. */
export interface FakeEmbeddings {
  /** Base URL, as MODEL_PROVIDER_URL takes it (…/v1). */
  url: string;
  /** Embedding requests, inputs embedded, and estimated tokens (characters / 4). */
  stats: { requests: number; inputs: number; tokens: number; errors: number; lastRequestAt: number };
  close(): Promise<void>;
}

/** Most inputs in one request, as OpenAI allows. */
const MAX_INPUTS = 2048;

/** The words of a text, split at case changes and non-letters, lower case. */
function words(text: string): string[] {
  return (
    text
      .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
      .toLowerCase()
      .match(/[a-z0-9]{2,}/g) ?? []
  ).slice(0, 20_000);
}

/** A hashed bag-of-words vector of `dimensions` floats, L2-normalised (all zero for no words). */
export function fakeVector(text: string, dimensions: number): number[] {
  const v = new Array<number>(dimensions).fill(0);
  for (const w of words(text)) {
    const h = createHash("sha1").update(w).digest();
    for (let k = 0; k < 3; k++) {
      const i = h.readUInt32BE(k * 4) % dimensions;
      v[i]! += h[12 + k]! & 1 ? 1 : -1;
    }
  }
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / norm);
}

/** Starts the fake on a free port of 127.0.0.1; `key` is the only API key it accepts. */
export async function startFakeEmbeddings(options: { key: string; models: string[]; dimensions: number }): Promise<FakeEmbeddings> {
  const fake: FakeEmbeddings = { url: "", stats: { requests: 0, inputs: 0, tokens: 0, errors: 0, lastRequestAt: 0 }, close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(json));
      };
      const error = (status: number, message: string) => {
        fake.stats.errors++;
        send(status, { error: { message, type: "invalid_request_error", param: null, code: null } });
      };
      if (req.headers.authorization !== `Bearer ${options.key}`) return error(401, "Incorrect API key provided.");
      if (req.method === "GET" && req.url === "/v1/models") {
        return send(200, { object: "list", data: options.models.map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "bench" })) });
      }
      if (req.method !== "POST" || req.url !== "/v1/embeddings") return error(404, "Not found.");
      let body: { model?: unknown; input?: unknown; dimensions?: unknown; encoding_format?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof body;
      } catch {
        return error(400, "The body is not JSON.");
      }
      if (typeof body.model !== "string" || !options.models.includes(body.model)) return error(404, `The model ${String(body.model)} does not exist.`);
      const inputs = typeof body.input === "string" ? [body.input] : Array.isArray(body.input) ? body.input : null;
      if (!inputs || inputs.length === 0 || inputs.length > MAX_INPUTS || !inputs.every((i) => typeof i === "string")) {
        return error(400, "input must be a string or a list of 1 to 2048 strings.");
      }
      const dimensions = typeof body.dimensions === "number" && body.dimensions > 0 && body.dimensions <= 4096 ? body.dimensions : options.dimensions;
      const tokens = inputs.reduce((s: number, i: string) => s + Math.ceil(i.length / 4), 0);
      fake.stats.requests++;
      fake.stats.inputs += inputs.length;
      fake.stats.tokens += tokens;
      fake.stats.lastRequestAt = Date.now();
      const base64 = body.encoding_format === "base64";
      send(200, {
        object: "list",
        model: body.model,
        data: inputs.map((input: string, index: number) => {
          const vector = fakeVector(input, dimensions);
          return { object: "embedding", index, embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector };
        }),
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  fake.close = () => new Promise((resolve) => server.close(() => resolve()));
  return fake;
}
