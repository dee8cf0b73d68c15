/**
 * ctxpipe's real /mcp endpoint (not the conformance fixture) against the official MCP
 * conformance suite's scenarios that apply to a tools-only server: server-initialize, ping and
 * tools-list. The suite has no option for request headers, so a loopback forwarder adds the
 * organisation's API key, as an agent's configuration would. The other server scenarios
 * expect the suite's fixture tools (`test_*`), resources, prompts, completions, logging or a
 * server-to-client stream, or a local unauthenticated server (docs/mcp.md says which).
 * Also: the capabilities the endpoint advertises are the ones it has (no tools.listChanged:
 * a stateless server can never send notifications/tools/list_changed).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { serve } from "@hono/node-server";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Hono } from "hono";
import { call, createOrgAs, signUp } from "../harness/http-client.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

const cli = path.join(path.dirname(createRequire(import.meta.url).resolve("@modelcontextprotocol/conformance/package.json")), "dist/index.js");
/** The suite's server scenarios that apply to ctxpipe's endpoint (tools only, authenticated, stateless). */
const APPLICABLE = ["server-initialize", "ping", "tools-list"];

/** Runs the conformance CLI (asynchronously: the app answers from this process). */
function runConformance(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output: output.replace(/\x1b\[[0-9;]*m/g, "") });
    });
  });
}

describe("MCP endpoint and the conformance suite", () => {
  let app: TestApp;
  let endpoint: string;
  let key: string;
  let forwarder: Server;
  let forwarderUrl: string;

  before(async () => {
    app = await startTestApp();
    const owner = await signUp(app);
    const org = await createOrgAs(app, owner);
    endpoint = `${app.url}/mcp?orgSlug=${org.slug}`;
    key = (await call(app, "POST", `/api/v1/orgs/${org.slug}/api-keys`, { as: owner, body: { name: "conformance" } })).json.key;
    // The agent's side: every request to /mcp with the API key (the suite cannot send headers).
    const proxy = new Hono().post("/mcp", async (c) => {
      const headers = new Headers(c.req.raw.headers);
      headers.delete("host");
      headers.set("authorization", `Bearer ${key}`);
      return fetch(endpoint, { method: "POST", headers, body: await c.req.text() });
    });
    forwarder = await new Promise<Server>((resolve, reject) => {
      const s = serve({ fetch: proxy.fetch, hostname: "127.0.0.1", port: 0 }) as Server;
      s.once("error", reject);
      s.once("listening", () => resolve(s));
    });
    forwarderUrl = `http://127.0.0.1:${(forwarder.address() as AddressInfo).port}/mcp`;
  });
  after(async () => {
    forwarder?.closeAllConnections();
    await new Promise<void>((resolve) => (forwarder ? forwarder.close(() => resolve()) : resolve()));
    await app?.stop();
  });

  it("advertises tools without listChanged (it cannot send list_changed notifications)", async () => {
    const client = new Client({ name: "ctxpipe-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(endpoint), { requestInit: { headers: { Authorization: `Bearer ${key}` } } }));
    try {
      const capabilities = client.getServerCapabilities();
      assert.ok(capabilities?.tools, JSON.stringify(capabilities));
      assert.notEqual(capabilities.tools.listChanged, true, JSON.stringify(capabilities));
      // Tools only: nothing else is offered.
      assert.deepEqual(Object.keys(capabilities).sort(), ["tools"], JSON.stringify(capabilities));
    } finally {
      await client.close();
    }
  });

  for (const scenario of APPLICABLE) {
    it(`passes the suite's ${scenario} scenario`, async () => {
      const { code, output } = await runConformance(["server", "--url", forwarderUrl, "--scenario", scenario]);
      assert.equal(code, 0, output);
      // "[ping] SUCCESS Server responds …" per check, then "Passed: 1/1, 0 failed, 0 warnings".
      const summary = /^Passed: (\d+)\/(\d+), (\d+) failed/m.exec(output);
      assert.ok(summary, output);
      assert.ok(Number(summary[1]) > 0 && summary[1] === summary[2] && summary[3] === "0", output);
      assert.match(output, new RegExp(`\\[${scenario}\\] SUCCESS`), output);
      assert.doesNotMatch(output, /FAILURE/, output);
    });
  }
});
