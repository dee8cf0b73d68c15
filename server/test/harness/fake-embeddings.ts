/**
 * A local embedding provider for tests and benchmarks that speaks the OpenAI embeddings wire
 * format, so the AI SDK's openai-compatible provider runs unchanged: `POST /v1/embeddings`
 * with `{ model, input: string | string[], dimensions?, encoding_format? }` behind a Bearer
 * key, answered `{ object: "list", data: [{ object: "embedding", index, embedding }], model,
 * usage: { prompt_tokens, total_tokens } }` (`embedding` as floats, or base64 of little-endian
 * float32 when `encoding_format: "base64"`), errors as `{ error: { message, type, code } }`.
 *
 * Vectors are deterministic hashed bags of words: each word of the text (identifiers split at
 * case changes, `_`, `-` and digits) adds ±1 to one component chosen by its hash, so texts
 * that share words are near and texts that share none are not. That measures plumbing and
 * cost, never the quality of a real model. It fails on demand: HTTP errors, no answer, or
 * vectors of the wrong length.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** How the fake answers: normally, with an HTTP error, never (until closed), or with vectors one component too long. */
export type FakeEmbeddingMode = "ok" | { status: number } | "hang" | "wrong-dimensions";

/** A running fake provider. */
export interface FakeEmbeddings {
  /** Base URL, as MODEL_EMBEDDING_PROVIDER_URL takes it (…/v1). */
  url: string;
  /** Requests received (embedding requests only): the model, the texts, the dimensions asked for. */
  requests: { model: string; input: string[]; dimensions: number | undefined; encodingFormat: string | undefined }[];
  /** How the next requests are answered. */
  mode: FakeEmbeddingMode;
  /** Texts embedded in all (sum of the requests' inputs answered with vectors). */
  textsEmbedded: number;
  /** Counts for a benchmark: embedding requests, inputs, the usage tokens answered, failures, and when the last request came. */
  stats: { requests: number; inputs: number; tokens: number; errors: number; lastRequestAt: number };
  close(): Promise<void>;
}

/** The words of a text: identifiers split into their parts, lower case. */
export function fakeWords(text: string): string[] {
  return (
    text
      .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
      .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
      .toLowerCase()
      .match(/[a-z]{2,}/g) ?? []
  );
}

/** FNV-1a, 32 bits. */
function hash(word: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < word.length; i++) {
    h ^= word.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The fake's vector of a text: a hashed bag of its words (all zeros but one tiny component for a text without words). */
export function fakeVector(text: string, dimensions: number): number[] {
  const vector: number[] = Array.from({ length: dimensions }, () => 0);
  for (const word of fakeWords(text)) {
    vector[hash(word, 0) % dimensions]! += hash(word, 7) & 1 ? 1 : -1;
  }
  if (!vector.some((v) => v !== 0)) vector[0] = 1e-3;
  return vector;
}

/**
 * Starts the fake on a free port; `key` is the only API key it accepts; `dimensions`: the model's
 * native length; `record: false` keeps only the counts (`stats`), not each request's texts (a
 * benchmark's backfill sends megabytes).
 */
export async function startFakeEmbeddings(options: { key: string; dimensions: number; record?: boolean }): Promise<FakeEmbeddings> {
  const stats = { requests: 0, inputs: 0, tokens: 0, errors: 0, lastRequestAt: 0 };
  const fake: FakeEmbeddings = { url: "", requests: [], mode: "ok", textsEmbedded: 0, stats, close: async () => {} };
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => {
      raw += chunk.toString("utf8");
    });
    req.on("end", () => answer(req, res, raw));
  });

  function send(res: http.ServerResponse, status: number, json: unknown) {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(json));
  }
  const error = (message: string, type: string) => ({ error: { message, type, code: null } });

  function answer(req: http.IncomingMessage, res: http.ServerResponse, raw: string) {
    if (req.headers.authorization !== `Bearer ${options.key}`) return send(res, 401, error("Incorrect API key provided", "invalid_request_error"));
    if (req.method !== "POST" || req.url !== "/v1/embeddings") return send(res, 404, error("Not found", "invalid_request_error"));
    let body: { model?: unknown; input?: unknown; dimensions?: unknown; encoding_format?: unknown };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return send(res, 400, error("We could not parse the JSON body of your request.", "invalid_request_error"));
    }
    const input = typeof body.input === "string" ? [body.input] : body.input;
    if (typeof body.model !== "string" || !Array.isArray(input) || input.length === 0 || !input.every((t) => typeof t === "string")) {
      return send(res, 400, error("'input' and 'model' are required", "invalid_request_error"));
    }
    const dimensions = typeof body.dimensions === "number" ? body.dimensions : undefined;
    const encodingFormat = typeof body.encoding_format === "string" ? body.encoding_format : undefined;
    if (options.record !== false) fake.requests.push({ model: body.model, input: input as string[], dimensions, encodingFormat });
    stats.requests++;
    stats.lastRequestAt = Date.now();
    const mode = fake.mode;
    if (mode === "hang") return; // answered never; the client's deadline (or close()) ends it
    if (typeof mode === "object") {
      stats.errors++;
      return send(res, mode.status, error(`scripted failure ${mode.status}`, mode.status >= 500 ? "server_error" : "invalid_request_error"));
    }
    const length = (dimensions ?? options.dimensions) + (mode === "wrong-dimensions" ? 1 : 0);
    let tokens = 0;
    const data = (input as string[]).map((text, index) => {
      tokens += Math.max(1, fakeWords(text).length);
      const vector = fakeVector(text, length);
      const embedding = encodingFormat === "base64" ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector;
      return { object: "embedding", index, embedding };
    });
    fake.textsEmbedded += input.length;
    stats.inputs += input.length;
    stats.tokens += tokens;
    send(res, 200, { object: "list", data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}/v1`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
