/**
 * An OTLP/HTTP receiver for tests: accepts POST /v1/traces in OTLP's JSON encoding, keeps the
 * spans flattened with their service name, and the collector token header of each request.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** A span as the receiver keeps it, with its service name. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  service: string;
}

/** Starts the receiver on a free port. */
export async function startOtlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; tokens: string[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const tokens: string[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/v1/traces" && (req.headers["content-type"] ?? "").startsWith("application/json")) {
        tokens.push(String(req.headers["x-collector-token"]));
        const parsed = JSON.parse(body) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: { stringValue?: string } }[] };
            scopeSpans: { spans: (Omit<ReceivedSpan, "attributes" | "service"> & { attributes?: { key: string; value: Record<string, unknown> }[] })[] }[];
          }[];
        };
        for (const rs of parsed.resourceSpans) {
          const service = rs.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue ?? "";
          for (const ss of rs.scopeSpans)
            for (const s of ss.spans) {
              const attributes = Object.fromEntries((s.attributes ?? []).map((a) => [a.key, Object.values(a.value)[0]]));
              spans.push({ ...s, attributes, service });
            }
        }
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      } else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    tokens,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
