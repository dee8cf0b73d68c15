/**
 * The public HTTP app over a real socket: error shapes (400, 404, 413, 500), request ids,
 * CORS, security headers and the static web app with its SPA fallback.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../src/platform/http/app-env.js";
import { readJsonBody } from "../../src/platform/http/json-body.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

/** Routes that exercise the shared error paths the way capability routes will. */
const probeRoutes = new Hono<AppEnv>()
  .post("/api/v1/probe/echo", async (c) => {
    const body = await readJsonBody(c, z.object({ name: z.string().min(2).max(20), count: z.number().int().positive() }));
    return c.json({ echoed: body });
  })
  .get("/api/v1/probe/crash", () => {
    throw new Error("secret internals: postgres://u:hunter2@db");
  });

describe("HTTP app", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({
      roles: ["server"],
      env: { AUTH_ALLOWED_ORIGINS: "https://ide.example.com", CTXPIPE_HTTP_BODY_LIMIT_BYTES: "2048" },
      extraRoutes: [probeRoutes],
    });
  });
  after(() => app.stop());

  const post = (path: string, body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
    fetch(`${app.url}${path}`, { method: "POST", body, headers });

  it("answers valid JSON", async () => {
    const res = await post("/api/v1/probe/echo", JSON.stringify({ name: "ada", count: 2 }));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { echoed: { name: "ada", count: 2 } });
  });

  it("answers malformed JSON with 400 bad_request in the standard shape", async () => {
    const res = await post("/api/v1/probe/echo", "{ not json");
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
    assert.equal(body.error.code, "bad_request");
    assert.equal(body.error.message, "The request body is not valid JSON.");
    assert.equal(body.error.requestId, res.headers.get("x-request-id"));
  });

  it("lists each invalid field", async () => {
    const res = await post("/api/v1/probe/echo", JSON.stringify({ name: "a", count: -1 }));
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: string; details: { fields: { path: string }[] } } };
    assert.equal(body.error.code, "invalid_input");
    assert.deepEqual(body.error.details.fields.map((f) => f.path).sort(), ["count", "name"]);
  });

  it("refuses a body over the limit with 413", async () => {
    const res = await post("/api/v1/probe/echo", JSON.stringify({ name: "x".repeat(5000), count: 1 }));
    assert.equal(res.status, 413);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "payload_too_large");
    assert.match(body.error.message, /2048 bytes/);
  });

  /**
   * Sends `length` bytes of body in chunks with a pause after each, like a client on a slow
   * link, reading the answer only after the whole body was sent (as curl does); resolves with
   * what was read, or the send error.
   */
  const slowUpload = (length: number, chunk: number, pauseMs: number, extraHeaders = "") =>
    new Promise<{ sendError?: string; sentAll: boolean; response: string }>((resolve) => {
      const url = new URL(app.url);
      // Half-open allowed, as curl does: the server's FIN after its answer does not stop the upload.
      const socket = net.connect({ port: Number(url.port), host: url.hostname, allowHalfOpen: true });
      let response = "";
      let sendError: string | undefined;
      let sentAll = false;
      socket.on("data", (d) => {
        response += d.toString("latin1");
      });
      socket.on("error", (err) => {
        sendError ??= err.message;
        resolve({ sendError, sentAll, response });
      });
      socket.on("close", () => resolve({ sendError, sentAll, response }));
      socket.once("connect", async () => {
        socket.write(
          `POST /api/v1/probe/echo HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extraHeaders}\r\n`,
        );
        if (extraHeaders.includes("100-continue")) {
          // Wait for 100 Continue or the final answer, as a client must.
          await new Promise((r) => setTimeout(r, 300));
          if (!response.startsWith("HTTP/1.1 100")) return socket.end();
        }
        for (let sent = 0; sent < length && !socket.destroyed; sent += chunk) {
          socket.write(Buffer.alloc(Math.min(chunk, length - sent), 0x20));
          await new Promise((r) => setTimeout(r, pauseMs));
        }
        sentAll = !socket.destroyed && !socket.writableEnded;
        socket.end();
      });
    });

  it("lets a slow client finish sending and read the 413 (lingering close)", async () => {
    // 32 chunks 50 ms apart: 1.6 s of upload after the 413 was already sent.
    const result = await slowUpload(64 * 1024, 2048, 50);
    assert.equal(result.sendError, undefined, "the server did not reset the connection mid-upload");
    assert.ok(result.sentAll, "the server kept reading until the client had sent everything");
    assert.match(result.response, /^HTTP\/1\.1 413 /);
    assert.match(result.response, /"code":"payload_too_large"/);
  });

  it("lingers for a chunked body over the limit too", async () => {
    const url = new URL(app.url);
    const socket = net.connect({ port: Number(url.port), host: url.hostname, allowHalfOpen: true });
    let response = "";
    let error: string | undefined;
    socket.on("data", (d) => {
      response += d.toString("latin1");
    });
    socket.on("error", (err) => {
      error ??= err.message;
    });
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write(`POST /api/v1/probe/echo HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
    let sentAll = true;
    // 24 chunks of 2 KiB, 40 ms apart: about a second of upload, far past the 2 KiB limit.
    for (let i = 0; i < 24; i++) {
      if (socket.destroyed || socket.writableEnded) {
        sentAll = false;
        break;
      }
      socket.write(`800\r\n${" ".repeat(2048)}\r\n`);
      await new Promise((r) => setTimeout(r, 40));
    }
    if (!socket.destroyed) socket.end("0\r\n\r\n");
    await new Promise((resolve) => socket.once("close", resolve));
    assert.equal(error, undefined, "no reset while the client was sending");
    assert.ok(sentAll, "the server kept reading");
    assert.match(response, /^HTTP\/1\.1 413 /);
  });

  it("answers Expect: 100-continue over the limit with the 413 instead of 100", async () => {
    const result = await slowUpload(64 * 1024, 2048, 1, "Expect: 100-continue\r\n");
    assert.match(result.response, /^HTTP\/1\.1 413 /, result.response.slice(0, 40));
    const small = await slowUpload(20, 20, 1, "Expect: 100-continue\r\n");
    assert.match(small.response, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 400 /, "under the limit: 100, then the app's answer");
  });

  it("answers unknown API routes with a JSON 404", async () => {
    const res = await fetch(`${app.url}/api/v1/no-such-thing`);
    assert.equal(res.status, 404);
    assert.equal(res.headers.get("content-type"), "application/json");
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "not_found");
    assert.equal(body.error.message, "No route for GET /api/v1/no-such-thing.");
  });

  it("hides internals of unexpected errors behind a 500 with the request id", async () => {
    const res = await fetch(`${app.url}/api/v1/probe/crash`, { headers: { "x-request-id": "trace-123" } });
    assert.equal(res.status, 500);
    assert.equal(res.headers.get("x-request-id"), "trace-123");
    const text = await res.text();
    assert.ok(!text.includes("hunter2") && !text.includes("secret internals"), text);
    const body = JSON.parse(text) as { error: { code: string; requestId: string } };
    assert.equal(body.error.code, "internal_error");
    assert.equal(body.error.requestId, "trace-123");
  });

  it("replaces a malformed incoming request id", async () => {
    const res = await fetch(`${app.url}/api/v1`, { headers: { "x-request-id": "bad id with spaces" } });
    assert.match(res.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  });

  it("allows CORS only for configured origins", async () => {
    const allowed = await fetch(`${app.url}/api/v1`, { headers: { origin: "https://ide.example.com" } });
    assert.equal(allowed.headers.get("access-control-allow-origin"), "https://ide.example.com");
    assert.equal(allowed.headers.get("access-control-allow-credentials"), "true");
    const base = await fetch(`${app.url}/api/v1`, { headers: { origin: "http://localhost:3000" } });
    assert.equal(base.headers.get("access-control-allow-origin"), "http://localhost:3000");
    const other = await fetch(`${app.url}/api/v1`, { headers: { origin: "https://evil.example.com" } });
    assert.equal(other.headers.get("access-control-allow-origin"), null);
  });

  it("serves the web app with an SPA fallback and cache headers", async () => {
    const root = await fetch(`${app.url}/`);
    assert.equal(root.status, 200);
    assert.equal(root.headers.get("cache-control"), "no-cache");
    assert.equal(root.headers.get("x-frame-options"), "DENY");
    assert.equal(root.headers.get("strict-transport-security"), null, "no HSTS on an http origin");
    const html = await root.text();
    assert.match(html, /<div id="root">/);

    const deep = await fetch(`${app.url}/orgs/acme/repositories`, { headers: { accept: "text/html" } });
    assert.equal(deep.status, 200);
    assert.equal(await deep.text(), html);

    const asset = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    assert.ok(asset, "index.html references a hashed script");
    const script = await fetch(`${app.url}${asset}`);
    assert.equal(script.status, 200);
    assert.equal(script.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.match(script.headers.get("content-type") ?? "", /javascript/);

    const missing = await fetch(`${app.url}/assets/nope.js`);
    assert.equal(missing.status, 404);
    const traversal = await fetch(`${app.url}/assets/..%2f..%2fpackage.json`);
    assert.equal(traversal.status, 404);
  });
});
