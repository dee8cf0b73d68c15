/**
 * The one error family. Domain code throws an AppError with a stable snake_case `code`;
 * every transport normalises what it caught with `toAppError` (HTTP: http/error-handler.ts;
 * MCP: the route and the tool calls; jobs: retry vs terminal). A database that cannot be
 * reached becomes 503 `unavailable` there, wherever it surfaced. Anything else that is not an
 * AppError is an internal error whose details never reach a client.
 */

/** Options for an AppError beyond its code, status and message. */
export interface AppErrorOptions {
  /** Safe to show the client? Defaults to true for 4xx, false for 5xx. */
  expose?: boolean;
  /** Field-level or other structured detail shown to the client when exposed. */
  details?: unknown;
  cause?: unknown;
}

/** An error with a stable code and an HTTP status hint. */
export class AppError extends Error {
  readonly expose: boolean;
  readonly details: unknown;

  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.expose = options.expose ?? status < 500;
    this.details = options.details;
  }
}

/** 400: the request is malformed (bad JSON, bad query syntax). */
export const badRequest = (message: string, details?: unknown) => new AppError("bad_request", 400, message, { details });

/** 400: a body or query that fails its schema; `details` lists the fields. */
export const invalidInput = (message: string, details?: unknown) => new AppError("invalid_input", 400, message, { details });

/** 401: no or bad credentials. */
export const unauthorized = (message = "Sign in or send an API key.") => new AppError("unauthorized", 401, message);

/** 403: signed in, but the role does not allow this. */
export const forbidden = (message = "Your role does not allow this.") => new AppError("forbidden", 403, message);

/** 404: the resource does not exist, or the caller may not know that it does. */
export const notFound = (what = "resource") => new AppError("not_found", 404, `The ${what} was not found.`);

/** 409: the request conflicts with existing state (e.g. a duplicate slug). */
export const conflict = (message: string) => new AppError("conflict", 409, message);

/** 413: the body exceeds the configured limit. */
export const payloadTooLarge = (limitBytes: number) => new AppError("payload_too_large", 413, `The request body exceeds the limit of ${limitBytes} bytes.`);

/** 503: a dependency is unavailable; the client may retry. */
export const unavailable = (message: string) => new AppError("unavailable", 503, message, { expose: true });

/** True when `err` is an AppError (works across module copies). */
export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

// The database that cannot be reached: recognised here so that every transport maps it alike.

/** SQLSTATE classes and codes of an unreachable or unready server. */
const UNAVAILABLE_CODES = new Set(["57P01", "57P02", "57P03", "53300", "08000", "08001", "08003", "08004", "08006"]);
/** Node socket errors of a refused, reset or unreachable connection. */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
/** node-postgres messages that carry no code. */
const UNAVAILABLE_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /connection terminated/i,
  /connection error/i,
  /Client was closed and is not queryable/i,
  /Client has encountered a connection error and is not queryable/i,
];

/** Seconds a client is told to wait before retrying. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** True when `err` (or its cause) says the database is unreachable or not ready. */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== "object" || depth > 3) return false;
  const { code, message, cause, errors } = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === "string" && (UNAVAILABLE_CODES.has(code) || SOCKET_CODES.has(code))) return true;
  if (typeof message === "string" && UNAVAILABLE_MESSAGES.some((re) => re.test(message))) return true;
  // Node's connection attempts over several addresses fail with an AggregateError.
  if (Array.isArray(errors) && errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return isDatabaseUnavailable(cause, depth + 1);
}

/** The 503 a client gets while the database is unavailable. */
export function databaseUnavailable(cause?: unknown): AppError {
  return new AppError("unavailable", 503, `The database is unavailable; try again in ${DATABASE_RETRY_AFTER_SECONDS} s.`, {
    expose: true,
    details: { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS },
    cause,
  });
}

/**
 * What a transport answers for `err`: the AppError itself, 503 `unavailable` when the database
 * cannot be reached (wherever the error surfaced), otherwise undefined (an internal error).
 */
export function toAppError(err: unknown): AppError | undefined {
  if (isAppError(err)) return err;
  return isDatabaseUnavailable(err) ? databaseUnavailable(err) : undefined;
}
