/**
 * First middleware of every request: assigns the request id (reusing a well-formed incoming
 * `x-request-id`), attaches a child logger, and logs one line when the response is sent.
 * The query string is not logged: it may carry tokens.
 */
import { randomUUID } from "node:crypto";
import { createMiddleware } from "hono/factory";
import type { Logger } from "../logging.js";
import type { AppEnv } from "./app-env.js";

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,64}$/;

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
    const line = { method: c.req.method, path: c.req.path, status, ms: Math.round(performance.now() - started) };
    if (status >= 500) requestLog.error(line, "request failed");
    else requestLog.info(line, "request");
  });
}
