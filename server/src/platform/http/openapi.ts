/**
 * Builds the OpenAPI 3.1 document from the registered route specs (zod 4 emits JSON Schema
 * 2020-12, which OpenAPI 3.1 uses as is), and serves it with a small reference page.
 */
import { Hono } from "hono";
import { z } from "zod";
import { VERSION } from "../version.js";
import type { ApiRouteSpec } from "./api-route.js";
import type { AppEnv } from "./app-env.js";

const errorSchema = z.object({
  error: z.object({
    code: z.string().describe("Stable snake_case error code"),
    message: z.string(),
    requestId: z.string(),
    details: z.unknown().optional(),
  }),
});

const STANDARD_ERRORS: Record<number, string> = {
  400: "Malformed or invalid input (`bad_request`, `invalid_input` with `details.fields`)",
  401: "Not signed in and no valid API key (`unauthorized`)",
  403: "Signed in, but the role does not allow this (`forbidden`), or a cross-site request (`csrf_failed`)",
  404: "The resource does not exist or is not visible to the caller (`not_found`)",
  429: "Too many requests (`rate_limited`), or more concurrent searches than the caller's or organisation's share; see Retry-After",
  503: "The database cannot be reached (`unavailable`); retry after Retry-After seconds",
};

function jsonSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { unrepresentable: "any", io: "output" });
}

/** The OpenAPI 3.1 document for `specs`. */
export function buildOpenApiDocument(specs: ApiRouteSpec[], baseUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of specs) {
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ["path", spec.params],
      ["query", spec.query],
    ] as const) {
      if (!schema) continue;
      for (const [name, field] of Object.entries(schema.shape)) {
        const f = field as z.ZodType;
        parameters.push({
          name,
          in: where,
          required: where === "path" || !f.safeParse(undefined).success,
          description: f.description,
          schema: jsonSchema(f),
        });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema ? { content: { "application/json": { schema: jsonSchema(response.schema) } } } : {}),
      };
    }
    const implied = spec.access === "public" ? [400, 429, 503] : spec.access === "user" ? [400, 401, 429, 503] : [400, 401, 403, 404, 429, 503];
    for (const status of implied) {
      responses[String(status)] ??= { description: STANDARD_ERRORS[status], content: { "application/json": { schema: jsonSchema(errorSchema) } } };
    }
    const operation: Record<string, unknown> = {
      summary: spec.summary,
      description: spec.description,
      tags: spec.tags,
      operationId: `${spec.method}${spec.path
        .replace(/\/api\/v1/, "")
        .replace(/[{}]/g, "")
        .replace(/[^a-zA-Z0-9]+(\w)/g, (_m, ch: string) => ch.toUpperCase())}`,
      parameters: parameters.length ? parameters : undefined,
      security: spec.access === "public" ? [] : spec.sessionOnly ? [{ session: [] }] : [{ session: [] }, { apiKey: [] }, { bearer: [] }],
      requestBody: spec.body ? { required: true, content: { "application/json": { schema: jsonSchema(spec.body) } } } : undefined,
      responses,
    };
    (paths[spec.path] ??= {})[spec.method] = operation;
  }
  return {
    openapi: "3.1.0",
    info: { title: "ctxpipe API", version: VERSION, description: 'REST API of ctxpipe. Errors use `{"error":{"code","message","requestId"}}`.' },
    servers: [{ url: baseUrl }],
    components: {
      securitySchemes: {
        session: { type: "apiKey", in: "cookie", name: "ctxpipe.session_token", description: "Browser session from /.auth sign-in" },
        apiKey: { type: "apiKey", in: "header", name: "x-api-key", description: "Organisation API key" },
        bearer: { type: "http", scheme: "bearer", description: "Organisation API key as a bearer token" },
      },
    },
    paths,
  };
}

const REFERENCE_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ctxpipe API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
code{background:#f0f0f3;padding:0 .25rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}
.op{margin:.75rem 0;padding:.5rem .75rem;border:1px solid #e2e2e6;border-radius:6px}
.m{display:inline-block;min-width:4.5rem;font-weight:600;text-transform:uppercase}</style></head>
<body><h1>ctxpipe API reference</h1><p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a></p>
<main id="ops">Loading…</main>
<script>
fetch("/api/v1/openapi.json").then(r=>r.json()).then(doc=>{
  const byTag={};
  for(const [path,ops] of Object.entries(doc.paths))for(const [method,op] of Object.entries(ops))(byTag[op.tags[0]]??=[]).push({path,method,op});
  const main=document.getElementById("ops");main.textContent="";
  for(const [tag,ops] of Object.entries(byTag)){const h=document.createElement("h2");h.textContent=tag;main.append(h);
    for(const {path,method,op} of ops){const d=document.createElement("section");d.className="op";
      const t=document.createElement("div");const m=document.createElement("span");m.className="m";m.textContent=method;
      const p=document.createElement("code");p.textContent=path;t.append(m,p);
      const s=document.createElement("p");s.textContent=op.summary+" — responses: "+Object.keys(op.responses).join(", ");
      d.append(t,s);main.append(d);}}
});
</script></body></html>`;

/** GET /api/v1/openapi.json and GET /api/v1/docs. `specs` is read at request time. */
export function openApiRoutes(specs: () => ApiRouteSpec[], baseUrl: string) {
  let cached: Record<string, unknown> | undefined;
  return new Hono<AppEnv>()
    .get("/api/v1/openapi.json", (c) => {
      cached ??= buildOpenApiDocument(specs(), baseUrl);
      return c.json(cached);
    })
    .get("/api/v1/docs", (c) => c.html(REFERENCE_PAGE));
}
