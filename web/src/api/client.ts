/**
 * The web app's one way to the server. `api` is openapi-fetch over the types generated from our
 * OpenAPI document (schema.d.ts, `npm run api-types`), same origin with the session cookie;
 * `call` turns its `{ data, error }` into a value or an ApiError. `requestJson` does the same for
 * what the OpenAPI document does not describe (/.auth, /.status). Every failed request, whatever
 * sent it, is one ApiError carrying the server's status, code, message and details (with the
 * problem per field, `fields`, for forms to show beside their inputs). Pages do not call these
 * directly: each feature's `*-api.ts` does, with its query keys and hooks.
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

/** The client: `api.GET("/api/v1/orgs/{orgSlug}/repositories", { params: { path: { orgSlug } } })`. */
export const api = createClient<paths>({ baseUrl: "", credentials: "same-origin" });

/** The JSON shape of a response body, by OpenAPI schema name (few are named; most are inline). */
export type Schemas = components extends { schemas: infer S } ? S : never;

/** The JSON request body of an operation: `JsonBody<"/api/v1/orgs/{orgSlug}/connections", "post">`. */
export type JsonBody<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { requestBody?: { content: { "application/json": infer B } } }
  ? B
  : never;

/** `details.fields` of an error body as input name → message (the first problem of each), without the `body.` prefix. */
function fieldsOf(details: unknown): Record<string, string> {
  const list = (details as { fields?: unknown } | undefined)?.fields;
  const fields: Record<string, string> = {};
  if (!Array.isArray(list)) return fields;
  for (const item of list as { path?: unknown; message?: unknown }[]) {
    if (typeof item?.path !== "string" || typeof item.message !== "string") continue;
    const name = item.path.replace(/^body\./, "");
    fields[name] ??= item.message;
  }
  return fields;
}

/**
 * A failed request: the HTTP status (0 when the server could not be reached), the server's
 * stable error code and its message, its `details` as sent, and `fields`: the problem with each
 * named input (`privateKey`, `name`) read from `details.fields`, empty when the server named none.
 */
export class ApiError extends Error {
  /** The problem with each named input, from `details.fields`. */
  readonly fields: Readonly<Record<string, string>>;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
    this.fields = fieldsOf(details);
  }
}

/**
 * The ApiError a failed response means, from whichever error shape it has: ctxpipe's
 * `{ error: { code, message, details } }`, Better Auth's `{ code, message }` or OAuth's
 * `{ error, error_description }`; a body with none of them gets a generic message.
 */
export function apiErrorOf(status: number, body: unknown): ApiError {
  const b = (body ?? {}) as { error?: unknown; code?: unknown; message?: unknown; error_description?: unknown };
  const generic = `The server answered ${status}; try again.`;
  if (b.error && typeof b.error === "object") {
    const e = b.error as { code?: unknown; message?: unknown; details?: unknown };
    return new ApiError(status, typeof e.code === "string" ? e.code : `http_${status}`, typeof e.message === "string" ? e.message : generic, e.details);
  }
  const code = typeof b.error === "string" ? b.error : typeof b.code === "string" ? b.code : `http_${status}`;
  const message =
    typeof b.error_description === "string" ? b.error_description : typeof b.message === "string" ? b.message : typeof b.error === "string" ? b.error : generic;
  return new ApiError(status, code, message);
}

/** The ApiError of a request that never reached the server (status 0, code `network`). */
export function networkError(): ApiError {
  return new ApiError(0, "network", "The server could not be reached; check your connection and try again.");
}

/** Awaits an openapi-fetch call; resolves with its data, rejects with ApiError. */
export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await request;
  } catch {
    throw networkError();
  }
  if (!result.response.ok) throw apiErrorOf(result.response.status, result.error);
  return result.data as T;
}

/** Calls `path` on this origin with JSON (for /.auth and other paths outside the OpenAPI document); resolves with the parsed body, rejects with ApiError. */
export async function requestJson<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw networkError();
  }
  const parsed = await jsonOf(res);
  if (!res.ok) throw apiErrorOf(res.status, parsed);
  return parsed as T;
}

/** A response's body as JSON, or undefined when it is empty or not JSON. */
export async function jsonOf(res: Response): Promise<unknown> {
  const text = await res.text().catch(() => "");
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
