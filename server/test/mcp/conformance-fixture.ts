/**
 * The fixture MCP server the official conformance suite (@modelcontextprotocol/conformance)
 * runs against: the tools, resources and prompts its server scenarios name, served through
 * ctxpipe's own transport (handleMcpRequest: stateless Streamable HTTP, JSON responses, one
 * server per request) behind the same kind of Origin check as /mcp, plus a Host check.
 * Features that need a server-to-client channel (sampling, elicitation, logging and progress
 * notifications) are implemented as the SDK would do them; the transport cannot deliver them,
 * and the expected-failures baseline says so.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { completable } from "@modelcontextprotocol/sdk/server/completable.js";
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { CreateMessageResultSchema, ElicitResultSchema, type ElicitRequest } from "@modelcontextprotocol/sdk/types.js";
import { Hono } from "hono";
import * as z from "zod";
import { handleMcpRequest, methodNotAllowed } from "../../src/mcp/transport.js";

/** 1x1 red PNG. */
const PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/** Minimal WAV file. */
const WAV_BASE64 = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";
/** How long a server-to-client request may wait for an answer before the tool gives up. */
const CLIENT_REQUEST_TIMEOUT_MS = 1000;
const LOCAL_HOSTNAMES = ["127.0.0.1", "localhost", "[::1]"];

const text = (value: string) => ({ type: "text" as const, text: value });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The form elicitations the elicitation scenarios expect (basic, SEP-1034 defaults, SEP-1330 enums). */
const ELICITATIONS: Record<string, ElicitRequest["params"]> = {
  basic: {
    mode: "form",
    message: "",
    requestedSchema: { type: "object", properties: { response: { type: "string", description: "User's response" } }, required: ["response"] },
  },
  defaults: {
    mode: "form",
    message: "Please review and update the form fields with defaults",
    requestedSchema: {
      type: "object",
      properties: {
        name: { type: "string", description: "User name", default: "John Doe" },
        age: { type: "integer", description: "User age", default: 30 },
        score: { type: "number", description: "User score", default: 95.5 },
        status: { type: "string", description: "User status", enum: ["active", "inactive", "pending"], default: "active" },
        verified: { type: "boolean", description: "Verification status", default: true },
      },
      required: [],
    },
  },
  enums: {
    mode: "form",
    message: "Please select options from the enum fields",
    requestedSchema: {
      type: "object",
      properties: {
        untitledSingle: { type: "string", description: "Select one option", enum: ["option1", "option2", "option3"] },
        titledSingle: {
          type: "string",
          description: "Select one option with titles",
          oneOf: [
            { const: "value1", title: "First Option" },
            { const: "value2", title: "Second Option" },
            { const: "value3", title: "Third Option" },
          ],
        },
        legacyEnum: {
          type: "string",
          description: "Select one option (legacy)",
          enum: ["opt1", "opt2", "opt3"],
          enumNames: ["Option One", "Option Two", "Option Three"],
        },
        untitledMulti: {
          type: "array",
          description: "Select multiple options",
          minItems: 1,
          maxItems: 3,
          items: { type: "string", enum: ["option1", "option2", "option3"] },
        },
        titledMulti: {
          type: "array",
          description: "Select multiple options with titles",
          minItems: 1,
          maxItems: 3,
          items: {
            anyOf: [
              { const: "value1", title: "First Choice" },
              { const: "value2", title: "Second Choice" },
              { const: "value3", title: "Third Choice" },
            ],
          },
        },
      },
      required: [],
    },
  },
};

/** A fresh fixture server (one per request, like the real endpoint). */
export function buildFixtureServer(): McpServer {
  const mcp = new McpServer(
    { name: "ctxpipe-conformance-fixture", version: "1.0.0" },
    // No resources.subscribe: a stateless JSON transport can never deliver resources/updated.
    { capabilities: { tools: {}, resources: {}, prompts: {}, logging: {}, completions: {} } },
  );

  const elicit = async (params: ElicitRequest["params"]) => {
    try {
      // server.request, not elicitInput: the per-request server never saw the client's
      // capabilities, and the point is to try the transport.
      const result = await mcp.server.request({ method: "elicitation/create", params }, ElicitResultSchema, { timeout: CLIENT_REQUEST_TIMEOUT_MS });
      return { content: [text(`Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`)] };
    } catch (err) {
      return { content: [text(`Elicitation not supported or error: ${message(err)}`)] };
    }
  };

  // Tools.
  mcp.registerTool("test_simple_text", { description: "Tests simple text content response" }, () => ({
    content: [text("This is a simple text response for testing.")],
  }));
  mcp.registerTool("test_image_content", { description: "Tests image content response" }, () => ({
    content: [{ type: "image", data: PNG_BASE64, mimeType: "image/png" }],
  }));
  mcp.registerTool("test_audio_content", { description: "Tests audio content response" }, () => ({
    content: [{ type: "audio", data: WAV_BASE64, mimeType: "audio/wav" }],
  }));
  mcp.registerTool("test_embedded_resource", { description: "Tests embedded resource content response" }, () => ({
    content: [{ type: "resource", resource: { uri: "test://embedded-resource", mimeType: "text/plain", text: "This is an embedded resource content." } }],
  }));
  mcp.registerTool("test_multiple_content_types", { description: "Tests response with multiple content types (text, image, resource)" }, () => ({
    content: [
      text("Multiple content types test:"),
      { type: "image", data: PNG_BASE64, mimeType: "image/png" },
      {
        type: "resource",
        resource: { uri: "test://mixed-content-resource", mimeType: "application/json", text: JSON.stringify({ test: "data", value: 123 }) },
      },
    ],
  }));
  mcp.registerTool("test_tool_with_logging", { description: "Tests tool that emits log messages during execution", inputSchema: {} }, async (_args, extra) => {
    for (const [i, data] of ["Tool execution started", "Tool processing data", "Tool execution completed"].entries()) {
      if (i > 0) await sleep(50);
      await extra.sendNotification({ method: "notifications/message", params: { level: "info", data } });
    }
    return { content: [text("Tool with logging executed successfully")] };
  });
  mcp.registerTool("test_tool_with_progress", { description: "Tests tool that reports progress notifications", inputSchema: {} }, async (_args, extra) => {
    const progressToken = extra._meta?.progressToken;
    for (const progress of [0, 50, 100]) {
      if (progress > 0) await sleep(50);
      if (progressToken !== undefined) {
        await extra.sendNotification({
          method: "notifications/progress",
          params: { progressToken, progress, total: 100, message: `Completed step ${progress} of 100` },
        });
      }
    }
    return { content: [text(String(progressToken ?? "no progress token"))] };
  });
  mcp.registerTool("test_error_handling", { description: "Tests error response handling" }, () => {
    throw new Error("This tool intentionally returns an error for testing");
  });
  mcp.registerTool(
    "test_sampling",
    {
      description: "Tests server-initiated sampling (LLM completion request)",
      inputSchema: { prompt: z.string().max(10_000).describe("The prompt to send to the LLM") },
    },
    async ({ prompt }) => {
      try {
        const result = await mcp.server.request(
          { method: "sampling/createMessage", params: { messages: [{ role: "user", content: text(prompt) }], maxTokens: 100 } },
          CreateMessageResultSchema,
          { timeout: CLIENT_REQUEST_TIMEOUT_MS },
        );
        const reply = result.content.type === "text" ? result.content.text : `[${result.content.type}]`;
        return { content: [text(`LLM response: ${reply}`)] };
      } catch (err) {
        return { content: [text(`Sampling not supported or error: ${message(err)}`)] };
      }
    },
  );
  mcp.registerTool(
    "test_elicitation",
    {
      description: "Tests server-initiated elicitation (user input request)",
      inputSchema: { message: z.string().max(10_000).describe("The message to show the user") },
    },
    ({ message: prompt }) => elicit({ ...ELICITATIONS.basic!, message: prompt }),
  );
  mcp.registerTool("test_elicitation_sep1034_defaults", { description: "Tests elicitation with default values per SEP-1034", inputSchema: {} }, () =>
    elicit(ELICITATIONS.defaults!),
  );
  mcp.registerTool("test_elicitation_sep1330_enums", { description: "Tests elicitation with enum schema improvements per SEP-1330", inputSchema: {} }, () =>
    elicit(ELICITATIONS.enums!),
  );
  mcp.registerTool(
    "json_schema_2020_12_tool",
    {
      description: "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)",
      // The SDK renders zod through toJSONSchema, which merges .meta() into the root.
      inputSchema: z
        .strictObject({
          name: z.string().max(200).optional(),
          address: z.object({ street: z.string().max(200).optional(), city: z.string().max(200).optional() }).optional(),
        })
        .meta({
          $schema: "https://json-schema.org/draft/2020-12/schema",
          $defs: { address: { type: "object", properties: { street: { type: "string" }, city: { type: "string" } } } },
        }),
    },
    (args) => ({ content: [text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`)] }),
  );

  // Resources.
  mcp.registerResource(
    "static-text",
    "test://static-text",
    { title: "Static Text Resource", description: "A static text resource for testing", mimeType: "text/plain" },
    () => ({
      contents: [{ uri: "test://static-text", mimeType: "text/plain", text: "This is the content of the static text resource." }],
    }),
  );
  mcp.registerResource(
    "static-binary",
    "test://static-binary",
    { title: "Static Binary Resource", description: "A static binary resource (image) for testing", mimeType: "image/png" },
    () => ({
      contents: [{ uri: "test://static-binary", mimeType: "image/png", blob: PNG_BASE64 }],
    }),
  );
  mcp.registerResource(
    "template",
    new ResourceTemplate("test://template/{id}/data", { list: undefined }),
    { title: "Resource Template", description: "A resource template with parameter substitution", mimeType: "application/json" },
    (uri, { id }) => ({
      contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${String(id)}` }) }],
    }),
  );
  mcp.registerResource(
    "watched-resource",
    "test://watched-resource",
    { title: "Watched Resource", description: "A resource clients may want to watch", mimeType: "text/plain" },
    () => ({
      contents: [{ uri: "test://watched-resource", mimeType: "text/plain", text: "Watched resource content" }],
    }),
  );

  // Prompts.
  mcp.registerPrompt("test_simple_prompt", { title: "Simple Test Prompt", description: "A simple prompt without arguments" }, () => ({
    messages: [{ role: "user", content: text("This is a simple prompt for testing.") }],
  }));
  mcp.registerPrompt(
    "test_prompt_with_arguments",
    {
      title: "Prompt With Arguments",
      description: "A prompt with required arguments",
      argsSchema: {
        arg1: completable(z.string().max(1000).describe("First test argument"), (value) => ["paris", "park", "party"].filter((v) => v.startsWith(value))),
        arg2: z.string().max(1000).describe("Second test argument"),
      },
    },
    ({ arg1, arg2 }) => ({ messages: [{ role: "user", content: text(`Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`) }] }),
  );
  mcp.registerPrompt(
    "test_prompt_with_embedded_resource",
    {
      title: "Prompt With Embedded Resource",
      description: "A prompt that includes an embedded resource",
      argsSchema: { resourceUri: z.string().max(2000).describe("URI of the resource to embed") },
    },
    ({ resourceUri }) => ({
      messages: [
        { role: "user", content: { type: "resource", resource: { uri: resourceUri, mimeType: "text/plain", text: "Embedded resource content for testing." } } },
        { role: "user", content: text("Please process the embedded resource above.") },
      ],
    }),
  );
  mcp.registerPrompt("test_prompt_with_image", { title: "Prompt With Image", description: "A prompt that includes image content" }, () => ({
    messages: [
      { role: "user", content: { type: "image", data: PNG_BASE64, mimeType: "image/png" } },
      { role: "user", content: text("Please analyze the image above.") },
    ],
  }));

  return mcp;
}

/** A running fixture. */
export interface ConformanceFixture {
  /** e.g. http://127.0.0.1:41234/mcp */
  url: string;
  stop(): Promise<void>;
}

/**
 * Serves the fixture on 127.0.0.1 (random port) at /mcp: POST goes through handleMcpRequest,
 * GET/DELETE answer 405, and a Host or Origin other than this loopback address answers 403
 * (DNS-rebinding defence).
 */
export async function startConformanceFixture(): Promise<ConformanceFixture> {
  let port = 0;
  const isLocal = (host: string) => LOCAL_HOSTNAMES.some((name) => host === `${name}:${port}`);
  const refuse = (reason: string) => Response.json({ jsonrpc: "2.0", error: { code: -32000, message: reason }, id: null }, { status: 403 });
  const app = new Hono()
    .use("/mcp", async (c, next) => {
      const host = c.req.header("host") ?? "";
      if (!isLocal(host)) return refuse(`Host ${host} is not allowed to use this MCP endpoint.`);
      const origin = c.req.header("origin");
      if (origin !== undefined && !LOCAL_HOSTNAMES.some((name) => origin === `http://${name}:${port}`)) {
        return refuse(`Origin ${origin} is not allowed to use this MCP endpoint.`);
      }
      await next();
    })
    .on(["GET", "DELETE", "PUT", "PATCH"], "/mcp", () => methodNotAllowed())
    .post("/mcp", (c) => handleMcpRequest(c.req.raw, buildFixtureServer()));

  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }) as Server;
    s.once("error", reject);
    s.once("listening", () => resolve(s));
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
