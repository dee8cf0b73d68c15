/**
 * Asking in the web chat: POSTs the question (or a regenerate) with `Accept: text/event-stream`
 * and hands each server-sent event to `onEvent` as it arrives (chat.route.ts documents them).
 * Aborting the signal closes the stream, which stops the answer on the server; what was
 * written is kept there.
 */
import { apiErrorOf, jsonOf, networkError } from "../api/client";
import type { paths } from "../api/schema";

type AskResponse = paths["/api/v1/orgs/{orgSlug}/chat/conversations"]["post"]["responses"][200]["content"];
/** One event of a streamed answer. */
export type ChatEvent = AskResponse["text/event-stream"];
/** The stored answer, as the last event carries it. */
export type Answer = Extract<ChatEvent, { type: "answer" }>["answer"];

/** Streams the answer to `prompt` (in conversation `conversationId`, if given), or regenerates that conversation's last answer. */
export async function streamAnswer(
  orgSlug: string,
  request: { prompt: string; conversationId?: string } | { regenerate: string },
  onEvent: (event: ChatEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const base = `/api/v1/orgs/${encodeURIComponent(orgSlug)}/chat/conversations`;
  const url = "regenerate" in request ? `${base}/${encodeURIComponent(request.regenerate)}/regenerate` : base;
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { accept: "text/event-stream", ...("prompt" in request ? { "content-type": "application/json" } : {}) },
      body: "prompt" in request ? JSON.stringify(request) : undefined,
      signal,
    });
  } catch {
    if (signal.aborted) return;
    throw networkError();
  }
  if (!res.ok || !res.body) {
    throw apiErrorOf(res.status, await jsonOf(res));
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value;
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const data = buffer
          .slice(0, end)
          .split("\n")
          .filter((line) => line.startsWith("data: "))
          .map((line) => line.slice(6))
          .join("\n");
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf("\n\n");
        if (data) onEvent(JSON.parse(data) as ChatEvent);
      }
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}
