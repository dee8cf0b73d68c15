/**
 * The one error family. Domain code throws an AppError with a stable snake_case `code`;
 * each transport maps it once (HTTP: http/error-handler.ts; jobs: retry vs terminal).
 * Anything that is not an AppError is an internal error whose details never reach a client.
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
