/**
 * The typed REST client: openapi-fetch over the types generated from our OpenAPI document
 * (schema.d.ts, `npm run api-types`), same origin with the session cookie. `call` turns the
 * client's `{ data, error }` into a value or an ApiError carrying the server's code, message and
 * the problems it found per field (`details.fields`), for forms to show beside their inputs.
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

/** The client: `api.GET("/api/v1/orgs/{orgSlug}/repositories", { params: { path: { orgSlug } } })`. */
export const api = createClient<paths>({ baseUrl: "", credentials: "same-origin" });

/** The JSON shape of a response body, by OpenAPI schema name (few are named; most are inline). */
export type Schemas = components extends { schemas: infer S } ? S : never;

/**
 * A failed request: the HTTP status, the server's stable error code and its message, and
 * `fields`: the problem with each named input (`privateKey`, `name`), without the `body.`
 * prefix of schema errors. Empty when the server named none.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** `details.fields` of an error body as input name → message (the first problem of each). */
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

/** What a failed request means to a person, from our `{ error: { code, message, details } }` shape. */
function errorOf(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  const code = typeof error?.code === "string" ? error.code : `http_${status}`;
  const message = typeof error?.message === "string" ? error.message : `The server answered ${status}; try again.`;
  return new ApiError(status, code, message, fieldsOf(error?.details));
}

/**
 * Awaits an openapi-fetch call; resolves with its data, rejects with ApiError.
 * A network failure becomes an ApiError with status 0.
 */
export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await request;
  } catch {
    throw new ApiError(0, "network", "The server could not be reached; check your connection and try again.");
  }
  if (!result.response.ok) throw errorOf(result.response.status, result.error);
  return result.data as T;
}
