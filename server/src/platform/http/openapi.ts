/**
 * Builds the OpenAPI 3.1 document from the registered route specs (zod 4 emits JSON Schema
 * 2020-12, which OpenAPI 3.1 uses as is), and serves it.
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
        ...(response.schema || response.events
          ? {
              content: {
                ...(response.schema ? { "application/json": { schema: jsonSchema(response.schema) } } : {}),
                ...(response.events ? { "text/event-stream": { schema: jsonSchema(response.events) } } : {}),
              },
            }
          : {}),
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

/** GET /api/v1/openapi.json (built once, on first request); the reference page is api-docs.ts. */
export function openApiRoutes(specs: () => ApiRouteSpec[], baseUrl: string) {
  let cached: Record<string, unknown> | undefined;
  return new Hono<AppEnv>().get("/api/v1/openapi.json", (c) => {
    cached ??= buildOpenApiDocument(specs(), baseUrl);
    return c.json(cached);
  });
}
