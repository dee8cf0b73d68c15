/**
 * Server-sent events for a long answer: a `text/event-stream` response whose events are
 * written by `work` as it goes. The work is told to stop (its signal aborts) when the client
 * leaves; a comment line every 15 s keeps idle proxies from closing the stream. Work that
 * outlives its handler (a fair-share slot, an MCP server) is released when the body ends.
 */

/** Writes one event; after the client has gone, writing does nothing. */
export type SendEvent = (event: string, data: unknown) => void;

/** Seconds between keep-alive comments. */
const KEEPALIVE_MS = 15_000;

/** True when the request asks for server-sent events (`Accept: text/event-stream`). */
export function wantsEventStream(request: Request): boolean {
  return (request.headers.get("accept") ?? "").includes("text/event-stream");
}

/**
 * The response streaming what `work` sends. `work` should not throw: a failure is sent as an
 * `error` event with `failure`'s message and the stream ends.
 */
export function eventStream(
  work: (send: SendEvent, signal: AbortSignal) => Promise<void>,
  options: { requestSignal?: AbortSignal; onFailure: (err: unknown) => { code: string; message: string } },
): Response {
  const stop = new AbortController();
  options.requestSignal?.addEventListener("abort", () => stop.abort(), { once: true });
  const encoder = new TextEncoder();
  let open = true;
  const body = new ReadableStream<Uint8Array>({
    start(stream) {
      const write = (text: string) => {
        if (!open) return;
        try {
          stream.enqueue(encoder.encode(text));
        } catch {
          open = false;
        }
      };
      const send: SendEvent = (event, data) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      const keepalive = setInterval(() => write(": keep-alive\n\n"), KEEPALIVE_MS);
      work(send, stop.signal)
        .catch((err: unknown) => send("error", { type: "error", error: options.onFailure(err) }))
        .finally(() => {
          clearInterval(keepalive);
          if (open) {
            open = false;
            stream.close();
          }
        });
    },
    cancel() {
      open = false;
      stop.abort();
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" },
  });
}

/** True when a response streams server-sent events. */
export function isEventStream(res: Response): boolean {
  return res.body !== null && (res.headers.get("content-type") ?? "").startsWith("text/event-stream");
}

/** The response with a body that calls `done` once, when it has been read to the end, failed or been cancelled. */
export function whenBodyEnds(res: Response, done: () => void): Response {
  const reader = res.body!.getReader();
  let called = false;
  const end = () => {
    if (!called) done();
    called = true;
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done: finished, value } = await reader.read();
        if (finished) {
          end();
          controller.close();
        } else controller.enqueue(value);
      } catch (err) {
        end();
        controller.error(err);
      }
    },
    async cancel(reason) {
      end();
      await reader.cancel(reason);
    },
  });
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}
