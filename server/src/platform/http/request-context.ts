/**
 * First middleware of every request: assigns the request id (reusing a well-formed incoming
 * `x-request-id`), attaches a child logger, and logs one line when the response is sent.
 * The query string is not logged, and token segments of paths are redacted: they carry secrets.
 */
import { randomUUID } from "node:crypto";
import { createMiddleware } from "hono/factory";
import type { Logger } from "../logging.js";
import type { AppEnv } from "./app-env.js";

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Paths whose segments are one-time secrets (invitation and password-reset tokens). */
const SECRET_PATH_PATTERNS = [/^(\/api\/v1\/invitations\/)(?!accept$)[^/]+/, /^(\/\.auth\/reset-password\/)[^/]+/];

/** The request path as it may be logged: token segments replaced by "[redacted]". */
export function loggablePath(path: string): string {
  for (const pattern of SECRET_PATH_PATTERNS) {
    if (pattern.test(path)) return path.replace(pattern, "$1[redacted]");
  }
  return path;
}

/** Request id + access log middleware. */
export function requestContext(logger: Logger) {
  const log = logger.child({ module: "http" });
  return createMiddleware<AppEnv>(async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    const requestLog = log.child({ requestId });
    c.set("requestId", requestId);
    c.set("logger", requestLog);
    const started = performance.now();
    await next();
    c.header("x-request-id", requestId);
    const status = c.res.status;
    const line = { method: c.req.method, path: loggablePath(c.req.path), status, ms: Math.round(performance.now() - started) };
    if (status >= 500) requestLog.error(line, "request failed");
    else requestLog.info(line, "request");
  });
}
