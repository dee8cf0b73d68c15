/**
 * Reads a server-sent event stream from the app as a client would: POSTs with
 * `Accept: text/event-stream` and yields each event's name and parsed JSON data as it arrives
 * (comment lines skipped). Aborting `signal` closes the connection.
 */
import { type As, headersFor } from "./http-client.js";
import type { TestApp } from "./test-app.js";

/** One event. */
export interface StreamedEvent {
  event: string;
  data: any;
}

/** POSTs `body` and answers the response with an iterator over its events. */
export async function postForEvents(
  app: TestApp,
  path: string,
  options: { as: As; body?: unknown; signal?: AbortSignal },
): Promise<{ status: number; contentType: string | null; events: AsyncGenerator<StreamedEvent> }> {
  const res = await fetch(`${app.url}${path}`, {
    method: "POST",
    headers: { ...headersFor({ as: options.as, body: options.body }), accept: "text/event-stream" },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
  return { status: res.status, contentType: res.headers.get("content-type"), events: eventsOf(res) };
}

async function* eventsOf(res: Response): AsyncGenerator<StreamedEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      if (data.length > 0) yield { event, data: JSON.parse(data.join("\n")) };
    }
  }
}
