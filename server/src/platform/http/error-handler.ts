/**
 * Maps every thrown error to the one wire shape `{"error":{"code","message","requestId"}}`.
 * AppErrors keep their code and status; Hono HTTP exceptions keep their status; anything
 * else is a 500 whose details stay in the log.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { toAppError } from "../errors.js";
import type { AppEnv } from "./app-env.js";

/** The JSON error body. */
export interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: unknown };
}

/** Builds an error response in the standard shape. */
export function errorResponse(c: Context<AppEnv>, status: number, code: string, message: string, details?: unknown) {
  const body: ErrorBody = { error: { code, message, requestId: c.get("requestId") } };
  if (details !== undefined) body.error.details = details;
  c.header("x-request-id", c.get("requestId"));
  return c.json(body, status as ContentfulStatusCode);
}

/** Hono `onError` handler. */
export function handleError(caught: Error, c: Context<AppEnv>) {
  const log = c.get("logger");
  // A database that cannot be reached is a 503 the client may retry, wherever it surfaced.
  const err = toAppError(caught);
  if (err) {
    if (err.status === 503) log.warn({ err, code: err.code }, "dependency unavailable");
    else if (err.status >= 500) log.error({ err, code: err.code }, "request error");
    const retryAfter = (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
    if ((err.status === 429 || err.status === 503) && retryAfter) c.header("Retry-After", String(retryAfter));
    // The unread rest of an oversized body must not be parsed as the next request.
    if (err.status === 413) c.header("Connection", "close");
    const message = err.expose ? err.message : "Internal error.";
    return errorResponse(c, err.status, err.code, message, err.expose ? err.details : undefined);
  }
  if (caught instanceof HTTPException) {
    const code = caught.status === 413 ? "payload_too_large" : caught.status === 401 ? "unauthorized" : "http_error";
    return errorResponse(c, caught.status, code, caught.message || "Request failed.");
  }
  log.error({ err: caught }, "unhandled error");
  return errorResponse(c, 500, "internal_error", `Internal error. Quote request id ${c.get("requestId")} when reporting it.`);
}
