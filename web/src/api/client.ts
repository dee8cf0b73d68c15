/**
 * The typed REST client: openapi-fetch over the types generated from our OpenAPI document
 * (schema.d.ts, `npm run api-types`), same origin with the session cookie. `call` turns the
 * client's `{ data, error }` into a value or an ApiError carrying the server's code and message.
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

/** The client: `api.GET("/api/v1/orgs/{orgSlug}/repositories", { params: { path: { orgSlug } } })`. */
export const api = createClient<paths>({ baseUrl: "", credentials: "same-origin" });

/** The JSON shape of a response body, by OpenAPI schema name (few are named; most are inline). */
export type Schemas = components extends { schemas: infer S } ? S : never;

/** A failed request: the HTTP status, the server's stable error code and its message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a failed request means to a person, from our `{ error: { code, message } }` shape. */
function errorOf(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof error?.code === "string" ? error.code : `http_${status}`;
  const message = typeof error?.message === "string" ? error.message : `The server answered ${status}; try again.`;
  return new ApiError(status, code, message);
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
