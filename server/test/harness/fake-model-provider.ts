/**
 * A local model provider for tests that speaks two real wire formats, so scripted
 * conversations run through the AI SDK's providers unchanged:
 * - OpenAI chat completions: `GET /v1/models` and `POST /v1/chat/completions` behind a Bearer
 *   key, answered as one JSON completion or, when the request says `stream: true`, as
 *   server-sent `chat.completion.chunk` events ending in `[DONE]`;
 * - Anthropic Messages: `GET /v1/models` and `POST /v1/messages` behind `x-api-key`, answered
 *   as one message or as the `message_start` … `message_stop` event stream.
 * Each completion takes the next scripted reply (text, text streamed slowly, tool calls, or an
 * HTTP error in the provider's error shape); every request is recorded.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** One scripted reply: text (optionally streamed a word at a time with a pause), tool calls, or an HTTP error. */
export type FakeReply = string | { text: string; wordDelayMs: number } | { toolCalls: { name: string; arguments: unknown }[] } | { status: number };

/** A running fake provider. */
export interface FakeModelProvider {
  /** Base URL, as MODEL_PROVIDER_URL takes it (…/v1). */
  url: string;
  /** Requests received: method, path, the key sent (Bearer or x-api-key), JSON body. */
  requests: { method: string; path: string; authorization: string | undefined; body: unknown }[];
  /** Replies given to the next completions, in order (the last one repeats). */
  replies: FakeReply[];
  /** Streamed completions whose client went away before the end. */
  disconnects: number;
  close(): Promise<void>;
}

type Dialect = "openai" | "anthropic";
interface Completion {
  text: string;
  wordDelayMs: number;
  calls: { id: string; name: string; arguments: string }[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the fake on a free port; `key` is the only API key it accepts. */
export async function startFakeModelProvider(options: { key: string; models: string[] }): Promise<FakeModelProvider> {
  const fake: FakeModelProvider = { url: "", requests: [], replies: ["ok"], disconnects: 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => {
      raw += chunk.toString("utf8");
    });
    req.on("end", () => {
      void answer(req, res, raw ? (JSON.parse(raw) as { model?: string; stream?: boolean }) : undefined);
    });
  });

  async function answer(req: http.IncomingMessage, res: http.ServerResponse, body: { model?: string; stream?: boolean } | undefined) {
    const dialect: Dialect = req.headers["x-api-key"] !== undefined ? "anthropic" : "openai";
    const key = dialect === "anthropic" ? String(req.headers["x-api-key"]) : req.headers.authorization;
    fake.requests.push({ method: req.method ?? "", path: req.url ?? "", authorization: key, body });
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(json));
    };
    if (key !== (dialect === "anthropic" ? options.key : `Bearer ${options.key}`)) {
      send(401, errorBody(dialect, 401));
      return;
    }
    if (req.method === "GET" && req.url === "/v1/models") {
      send(
        200,
        dialect === "anthropic"
          ? { data: options.models.map((id) => ({ type: "model", id, display_name: id, created_at: "2026-01-01T00:00:00Z" })), has_more: false }
          : { object: "list", data: options.models.map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "test" })) },
      );
      return;
    }
    const path = dialect === "anthropic" ? "/v1/messages" : "/v1/chat/completions";
    if (req.method !== "POST" || req.url !== path) {
      send(404, errorBody(dialect, 404));
      return;
    }
    const reply = fake.replies.length > 1 ? fake.replies.shift()! : fake.replies[0]!;
    if (typeof reply === "object" && "status" in reply) {
      send(reply.status, errorBody(dialect, reply.status));
      return;
    }
    const n = fake.requests.length;
    const completion: Completion = {
      text: typeof reply === "string" ? reply : "text" in reply ? reply.text : "",
      wordDelayMs: typeof reply === "object" && "wordDelayMs" in reply ? reply.wordDelayMs : 0,
      calls:
        typeof reply === "object" && "toolCalls" in reply
          ? reply.toolCalls.map((c, i) => ({ id: `call_${n}_${i}`, name: c.name, arguments: JSON.stringify(c.arguments) }))
          : [],
    };
    const model = body?.model ?? "unknown";
    if (!body?.stream) {
      send(200, dialect === "anthropic" ? anthropicMessage(n, model, completion) : openaiCompletion(n, model, completion));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    let gone = false;
    res.on("close", () => {
      if (!res.writableFinished) {
        gone = true;
        fake.disconnects++;
      }
    });
    const events = dialect === "anthropic" ? anthropicEvents(n, model, completion) : openaiChunks(n, model, completion);
    for (const event of events) {
      if (gone) return;
      if (event.pause) await sleep(completion.wordDelayMs);
      res.write(
        dialect === "anthropic"
          ? `event: ${(event.data as { type: string }).type}\ndata: ${JSON.stringify(event.data)}\n\n`
          : `data: ${JSON.stringify(event.data)}\n\n`,
      );
    }
    if (dialect === "openai") res.write("data: [DONE]\n\n");
    res.end();
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

/** The provider's error body for an HTTP status. */
function errorBody(dialect: Dialect, status: number) {
  const type = status === 401 ? "authentication_error" : status === 404 ? "not_found_error" : status === 429 ? "rate_limit_error" : "api_error";
  const message = status === 401 ? "Incorrect API key provided" : `scripted failure ${status}`;
  return dialect === "anthropic" ? { type: "error", error: { type, message } } : { error: { message, type, code: null } };
}

/** The words of a text, each keeping its following space, so they join back to the text. */
const wordsOf = (text: string) => text.match(/\S+\s*|\s+/g) ?? [];

function openaiCompletion(n: number, model: string, c: Completion) {
  return {
    id: `chatcmpl-${n}`,
    object: "chat.completion",
    created: 1_700_000_000,
    model,
    choices: [
      {
        index: 0,
        message:
          c.calls.length > 0
            ? {
                role: "assistant",
                content: null,
                tool_calls: c.calls.map((t) => ({ id: t.id, type: "function", function: { name: t.name, arguments: t.arguments } })),
              }
            : { role: "assistant", content: c.text },
        finish_reason: c.calls.length > 0 ? "tool_calls" : "stop",
      },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
  };
}

function* openaiChunks(n: number, model: string, c: Completion): Generator<{ data: unknown; pause?: boolean }> {
  const chunk = (delta: unknown, finish: string | null = null) => ({
    id: `chatcmpl-${n}`,
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  yield { data: chunk({ role: "assistant", content: "" }) };
  for (const word of wordsOf(c.text)) yield { data: chunk({ content: word }), pause: true };
  for (const [index, t] of c.calls.entries()) {
    yield { data: chunk({ tool_calls: [{ index, id: t.id, type: "function", function: { name: t.name, arguments: "" } }] }) };
    // Arguments arrive in pieces, as real providers send them.
    const half = Math.ceil(t.arguments.length / 2);
    yield { data: chunk({ tool_calls: [{ index, function: { arguments: t.arguments.slice(0, half) } }] }) };
    yield { data: chunk({ tool_calls: [{ index, function: { arguments: t.arguments.slice(half) } }] }) };
  }
  yield { data: chunk({}, c.calls.length > 0 ? "tool_calls" : "stop") };
  yield {
    data: {
      id: `chatcmpl-${n}`,
      object: "chat.completion.chunk",
      created: 1_700_000_000,
      model,
      choices: [],
      usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
    },
  };
}

function anthropicMessage(n: number, model: string, c: Completion) {
  return {
    id: `msg_${n}`,
    type: "message",
    role: "assistant",
    model,
    content: [
      ...(c.text ? [{ type: "text", text: c.text }] : []),
      ...c.calls.map((t) => ({ type: "tool_use", id: t.id, name: t.name, input: JSON.parse(t.arguments) })),
    ],
    stop_reason: c.calls.length > 0 ? "tool_use" : "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 2 },
  };
}

function* anthropicEvents(n: number, model: string, c: Completion): Generator<{ data: unknown; pause?: boolean }> {
  yield {
    data: {
      type: "message_start",
      message: {
        id: `msg_${n}`,
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 1 },
      },
    },
  };
  let index = 0;
  if (c.text) {
    yield { data: { type: "content_block_start", index, content_block: { type: "text", text: "" } } };
    for (const word of wordsOf(c.text)) yield { data: { type: "content_block_delta", index, delta: { type: "text_delta", text: word } }, pause: true };
    yield { data: { type: "content_block_stop", index } };
    index++;
  }
  for (const t of c.calls) {
    yield { data: { type: "content_block_start", index, content_block: { type: "tool_use", id: t.id, name: t.name, input: {} } } };
    const half = Math.ceil(t.arguments.length / 2);
    yield { data: { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: t.arguments.slice(0, half) } } };
    yield { data: { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: t.arguments.slice(half) } } };
    yield { data: { type: "content_block_stop", index } };
    index++;
  }
  yield {
    data: { type: "message_delta", delta: { stop_reason: c.calls.length > 0 ? "tool_use" : "end_turn", stop_sequence: null }, usage: { output_tokens: 2 } },
  };
  yield { data: { type: "message_stop" } };
}
