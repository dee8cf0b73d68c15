/**
 * Binds the Hono app to a TCP port with @hono/node-server, and closes it gracefully:
 * stop accepting, let in-flight requests finish (up to a deadline), then cut the rest.
 *
 * An answer that closes the connection before the request body was read (a 413 says
 * `Connection: close`) closes it gently, as nginx's lingering close does: our side is shut
 * after the answer, and the rest of the body is read and discarded (at most LINGER) before the
 * socket goes. Closing at once would make the kernel reset a connection whose client is still
 * sending, and the client would lose the answer it had not read yet. A client that asks
 * `Expect: 100-continue` for a body over the limit gets the 413 instead of the 100, and sends
 * nothing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { getRequestListener } from "@hono/node-server";
import type { Hono } from "hono";
import { AppError } from "../errors.js";
import type { Logger } from "../logging.js";
import type { AppEnv } from "./app-env.js";

/** How long, and how many bytes, a refused body is read and discarded before the connection closes. */
const LINGER = { ms: 10_000, bytes: 64 * 1024 * 1024 };

/** The request a socket is serving (its body may be unread when the answer closes the socket). */
const CURRENT_REQUEST = Symbol("currentRequest");
type AppSocket = Socket & { [CURRENT_REQUEST]?: IncomingMessage };

/** The node:http server for `app`: Hono's listener, a lingering close, and 100-continue by size. */
function createAppServer(app: Hono<AppEnv>, bodyLimitBytes: number): Server {
  // Hono's own clean-up reads an unread body for only 500 ms, then destroys the socket.
  const listener = getRequestListener(app.fetch, { autoCleanupIncoming: false });
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    (req.socket as AppSocket)[CURRENT_REQUEST] = req;
    return listener(req, res);
  };
  const server = createServer(handle);
  server.on("connection", (socket: AppSocket) => {
    // Node closes a `Connection: close` answer's socket with destroySoon: linger instead while
    // the request body is still coming.
    const destroySoon = socket.destroySoon.bind(socket);
    socket.destroySoon = () => {
      const req = socket[CURRENT_REQUEST];
      if (!req || req.complete || req.destroyed) return destroySoon();
      linger(socket, req);
    };
  });
  server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
    // Over the limit: no 100, so the app's 413 comes before any byte of the body.
    const length = Number(req.headers["content-length"]);
    if (!(length > bodyLimitBytes)) res.writeContinue();
    void handle(req, res);
  });
  return server;
}

/** Shuts our side after the answer, reads and discards the rest of `req` (bounded), then destroys the socket. */
function linger(socket: Socket, req: IncomingMessage): void {
  let read = 0;
  const done = () => {
    clearTimeout(timer);
    req.off("data", onData);
    socket.destroy();
  };
  const onData = (chunk: Buffer) => {
    read += chunk.length;
    if (read > LINGER.bytes) done();
  };
  const timer = setTimeout(done, LINGER.ms);
  timer.unref();
  // A reader the app abandoned (a chunked body cut at the limit) must not keep the stream
  // paused or buffer what is discarded: only this listener reads now.
  req.removeAllListeners("data");
  req.on("data", onData);
  req.once("end", done);
  req.once("error", done);
  socket.once("end", done);
  socket.end();
  req.resume();
}

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
export function startHttpServer(app: Hono<AppEnv>, options: { host: string; port: number; logger: Logger; bodyLimitBytes: number }): Promise<HttpServer> {
  return new Promise((resolve, reject) => {
    const server = createAppServer(app, options.bodyLimitBytes);
    server.listen(options.port, options.host);
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
