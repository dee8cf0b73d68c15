/**
 * A local model provider for tests, speaking the OpenAI chat-completions wire format: `GET
 * /v1/models` (the list, behind a Bearer key) and `POST /v1/chat/completions` answered from a
 * script of replies (text, tool calls in OpenAI's `tool_calls` shape, or an HTTP error with
 * OpenAI's error body), recording every request it receives.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** One scripted reply: text, tool calls, or an HTTP error. */
export type FakeReply = string | { toolCalls: { name: string; arguments: unknown }[] } | { status: number };

/** A running fake provider. */
export interface FakeModelProvider {
  /** Base URL, as MODEL_PROVIDER_URL takes it (…/v1). */
  url: string;
  /** Requests received: method, path, authorization header, JSON body. */
  requests: { method: string; path: string; authorization: string | undefined; body: unknown }[];
  /** Replies given to the next chat completions, in order (the last one repeats). */
  replies: FakeReply[];
  close(): Promise<void>;
}

/** Starts the fake on a free port; `key` is the only API key it accepts. */
export async function startFakeModelProvider(options: { key: string; models: string[] }): Promise<FakeModelProvider> {
  const requests: FakeModelProvider["requests"] = [];
  const replies: FakeReply[] = ["ok"];
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => {
      raw += chunk.toString("utf8");
    });
    req.on("end", () => {
      const body = raw ? (JSON.parse(raw) as { model?: string }) : undefined;
      requests.push({ method: req.method ?? "", path: req.url ?? "", authorization: req.headers.authorization, body });
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(json));
      };
      if (req.headers.authorization !== `Bearer ${options.key}`) {
        send(401, { error: { message: "Incorrect API key provided", type: "invalid_request_error", code: "invalid_api_key" } });
      } else if (req.method === "GET" && req.url === "/v1/models") {
        send(200, { object: "list", data: options.models.map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "test" })) });
      } else if (req.method === "POST" && req.url === "/v1/chat/completions") {
        const reply = replies.length > 1 ? replies.shift()! : replies[0]!;
        if (typeof reply === "object" && "status" in reply) {
          send(reply.status, { error: { message: `scripted failure ${reply.status}`, type: "server_error", code: null } });
          return;
        }
        const calls = typeof reply === "object" ? reply.toolCalls : undefined;
        send(200, {
          id: `chatcmpl-${requests.length}`,
          object: "chat.completion",
          created: 1_700_000_000,
          model: body?.model ?? "unknown",
          choices: [
            {
              index: 0,
              message: calls
                ? {
                    role: "assistant",
                    content: null,
                    tool_calls: calls.map((c, i) => ({
                      id: `call_${requests.length}_${i}`,
                      type: "function",
                      function: { name: c.name, arguments: JSON.stringify(c.arguments) },
                    })),
                  }
                : { role: "assistant", content: reply as string },
              finish_reason: calls ? "tool_calls" : "stop",
            },
          ],
          usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
        });
      } else {
        send(404, { error: { message: "not found" } });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    replies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
