/**
 * The public HTTP application: one origin for the web UI, REST (/api/v1), auth (/.auth),
 * MCP (/mcp) and webhooks. Middleware order: request context → security headers → CORS →
 * body limit → downloads (the packed agent setup CLI) → routes → static web app → JSON 404.
 */
import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import { payloadTooLarge } from "../errors.js";
import type { Logger } from "../logging.js";
import type { AppEnv } from "./app-env.js";
import { clientIp } from "./client-ip.js";
import { mountDownloads } from "./downloads.js";
import { errorResponse, handleError } from "./error-handler.js";
import { requestContext } from "./request-context.js";
import { httpTelemetry } from "../telemetry/spans.js";
import { mountStaticWeb } from "./static-web.js";

/** What the app needs from the configuration. */
export interface HttpAppOptions {
  logger: Logger;
  /** The public origin; HSTS is sent only when it is https. */
  baseUrl: string;
  allowedOrigins: string[];
  bodyLimitBytes: number;
  /** X-Forwarded-For hops to trust when resolving the client IP. */
  trustedProxyHops: number;
  /** Middleware that identifies the caller (accounts capability) on /api; MCP authenticates itself. */
  authenticate?: MiddlewareHandler<AppEnv>;
  /** Route groups, mounted in order at the root (each defines its own full paths). */
  routes: Hono<AppEnv>[];
  /**
   * Origins forms may be sent to besides this one: GitHub's web origin, where the App-manifest
   * flow POSTs the manifest (connections/github/manifest.service.ts).
   */
  formTargets?: string[];
  /** Override the web build location (tests). */
  webDist?: string;
  /** Override the location of the packed CLI, cli/dist-pack (tests). */
  downloadsDir?: string;
}

/** Path prefixes answered with JSON errors rather than the web app. */
const API_PREFIXES = ["/api/", "/.auth/", "/mcp", "/.well-known/", "/downloads/"];

/** Builds the Hono app. Pure wiring: it opens no sockets. */
export function createHttpApp(options: HttpAppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // The request's span first, so that everything after it (the access log too) runs inside it.
  app.use("*", httpTelemetry());
  app.use("*", requestContext(options.logger));
  app.use("*", clientIp(options.trustedProxyHops));
  app.use(
    "*",
    secureHeaders({
      crossOriginResourcePolicy: "same-origin",
      crossOriginOpenerPolicy: "same-origin",
      referrerPolicy: "strict-origin-when-cross-origin",
      xFrameOptions: "DENY",
      // Everything the web app and the API reference load is ours: no inline script or style,
      // no other origin (forms: also GitHub, for the App manifest). React's style props go
      // through the CSSOM, which CSP does not cover.
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'", ...(options.formTargets ?? [])],
        frameAncestors: ["'none'"],
      },
      permissionsPolicy: { camera: [], microphone: [], geolocation: [], payment: [], usb: [] },
      strictTransportSecurity: options.baseUrl.startsWith("https:") ? "max-age=15552000; includeSubDomains" : false,
    }),
  );
  const corsMiddleware = cors({
    origin: (origin) => (options.allowedOrigins.includes(origin) ? origin : null),
    credentials: true,
    allowHeaders: ["Content-Type", "Authorization", "x-api-key", "x-request-id", "mcp-session-id", "mcp-protocol-version"],
    exposeHeaders: ["x-request-id", "mcp-session-id", "WWW-Authenticate", "Retry-After"],
    maxAge: 600,
  });
  for (const prefix of ["/api/*", "/.auth/*", "/mcp"]) app.use(prefix, corsMiddleware);
  app.use(
    "*",
    bodyLimit({
      maxSize: options.bodyLimitBytes,
      onError: () => {
        throw payloadTooLarge(options.bodyLimitBytes);
      },
    }),
  );
  if (options.authenticate) {
    app.use("/api/*", options.authenticate);
  }
  mountDownloads(app, options.downloadsDir);
  for (const routes of options.routes) app.route("/", routes);
  mountStaticWeb(app, options.webDist);
  app.notFound((c) => {
    const p = c.req.path;
    if (API_PREFIXES.some((prefix) => p.startsWith(prefix)) || p === "/mcp" || !(c.req.header("accept") ?? "").includes("text/html")) {
      return errorResponse(c, 404, "not_found", `No route for ${c.req.method} ${p}.`);
    }
    return c.text("Not found", 404);
  });
  app.onError(handleError);
  return app;
}
