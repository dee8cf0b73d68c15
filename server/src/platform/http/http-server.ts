/**
 * Binds the Hono app to a TCP port with @hono/node-server, and closes it gracefully:
 * stop accepting, let in-flight requests finish (up to a deadline), then cut the rest.
 */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import { AppError } from "../errors.js";
import type { Logger } from "../logging.js";
import type { AppEnv } from "./app-env.js";

/** A listening HTTP server. */
export interface HttpServer {
  /** The bound port (useful with PORT=0). */
  port: number;
  /** Stops accepting; waits for in-flight requests up to `timeoutMs`, then closes the rest. */
  close(timeoutMs: number): Promise<void>;
}

/**
 * Starts listening.
 * @throws AppError("port_in_use" | "listen_failed") with a one-line message.
 */
export function startHttpServer(app: Hono<AppEnv>, options: { host: string; port: number; logger: Logger }): Promise<HttpServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: options.host, port: options.port }) as Server;
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE") {
        reject(new AppError("port_in_use", 500, `Port ${options.port} is already in use; stop the other process or set PORT.`, { expose: true }));
      } else if (err.code === "EACCES") {
        reject(new AppError("listen_failed", 500, `Not allowed to listen on port ${options.port}; choose a port above 1024 with PORT.`, { expose: true }));
      } else {
        reject(new AppError("listen_failed", 500, `Could not listen on ${options.host}:${options.port} (${err.code ?? err.message}).`, { expose: true }));
      }
    });
    server.once("listening", () => {
      const port = (server.address() as AddressInfo).port;
      options.logger.info({ port, host: options.host }, "listening");
      resolve({
        port,
        close: (timeoutMs) =>
          new Promise<void>((done) => {
            const force = setTimeout(() => {
              options.logger.warn("shutdown deadline reached; closing open connections");
              server.closeAllConnections();
            }, timeoutMs);
            force.unref();
            server.close(() => {
              clearTimeout(force);
              done();
            });
            // Keep-alive connections with no request in flight would hold close() open.
            server.closeIdleConnections();
          }),
      });
    });
  });
}
