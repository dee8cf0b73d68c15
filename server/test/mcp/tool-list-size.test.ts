/**
 * What the tool list costs every agent (#29): the `tools/list` answer (names, descriptions,
 * input and output schemas, annotations) of a real MCP session, as characters of JSON, stays
 * under 10,000 (about 2,500 tokens). A budget on size, not time; on failure it prints each
 * tool's share so the one that grew is plain.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { call, createOrgAs, signUp } from "../harness/http-client.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

/** Most characters of the whole tool list. */
const TOOL_LIST_BUDGET = 10_000;

describe("MCP tool list size", () => {
  let app: TestApp;
  let client: Client;
  let raw: string | undefined;

  before(async () => {
    app = await startTestApp();
    const owner = await signUp(app);
    const org = await createOrgAs(app, owner, "tool-size");
    const key = (await call(app, "POST", `/api/v1/orgs/${org.slug}/api-keys`, { as: owner, body: { name: "agent" } })).json.key;
    client = new Client({ name: "ctxpipe-test", version: "1.0.0" });
    // Keeps the body of the tools/list answer as it came over the wire.
    const recording: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (typeof init?.body === "string" && init.body.includes('"tools/list"')) raw = await res.clone().text();
      return res;
    };
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${app.url}/mcp?orgSlug=${org.slug}`), {
        requestInit: { headers: { Authorization: `Bearer ${key}` } },
        fetch: recording,
      }),
    );
  });
  after(async () => {
    await client?.close();
    await app?.stop();
  });

  it(`keeps tools/list under ${TOOL_LIST_BUDGET} characters`, async (t) => {
    const { tools } = await client.listTools();
    assert.ok(tools.length >= 10, `the tools are listed: ${tools.map((t) => t.name)}`);
    const wire = JSON.parse(raw ?? "null") as { result?: { tools?: unknown[] } } | null;
    assert.ok(wire?.result?.tools, `the tools/list answer was recorded: ${raw?.slice(0, 200)}`);
    // What the client parsed is what the server sent: nothing dropped in between.
    assert.equal(JSON.stringify(wire.result.tools).length, JSON.stringify(tools).length);
    const sizes = tools.map((t) => ({
      tool: t.name,
      total: JSON.stringify(t).length,
      description: t.description?.length ?? 0,
      input: JSON.stringify(t.inputSchema).length,
      output: t.outputSchema ? JSON.stringify(t.outputSchema).length : 0,
    }));
    const total = JSON.stringify(tools).length;
    t.diagnostic(`tools/list: ${total} characters for ${tools.length} tools`);
    assert.ok(total < TOOL_LIST_BUDGET, `tools/list is ${total} characters (budget ${TOOL_LIST_BUDGET}):\n${JSON.stringify(sizes, null, 1)}`);
  });
});
