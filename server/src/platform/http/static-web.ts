/**
 * Serves the built web app (web/dist) from the public origin: hashed files under /assets are
 * cached for a year, everything else is revalidated, and unknown non-API GET paths that
 * accept HTML get index.html so the React router can handle them (SPA fallback). The few
 * web pages under /.auth (OAuth sign-in, consent, device approval) are the exception to the
 * /.auth prefix: the /.auth routes pass browser navigations to them on to this fallback.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic } from "@hono/node-server/serve-static";
import type { Hono } from "hono";
import type { AppEnv } from "./app-env.js";

/** Default location of the web build, relative to this file. */
export const DEFAULT_WEB_DIST = fileURLToPath(new URL("../../../../web/dist/", import.meta.url));

/** Path prefixes that never fall back to the SPA (except SPA_AUTH_PAGES). */
export const NON_SPA_PREFIXES = ["/api/", "/.auth/", "/mcp", "/.well-known/", "/.status", "/assets/", "/downloads/"];

/** Web app pages under /.auth: exactly these paths get index.html for browser navigations. */
export const SPA_AUTH_PAGES: readonly string[] = ["/.auth/sign-in", "/.auth/consent", "/.auth/device"];

/** True for a browser navigation (HTML accepted) to one of SPA_AUTH_PAGES. */
export function isSpaAuthPage(method: string, path: string, accept: string | undefined): boolean {
  return (method === "GET" || method === "HEAD") && SPA_AUTH_PAGES.includes(path) && (accept ?? "").includes("text/html");
}

const NOT_BUILT_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ctx|</title></head>
<body><h1>ctx|</h1><p>The web app has not been built. Run <code>npm run build</code> (or <code>npm ci</code>) and reload.</p></body></html>`;

/** Mounts static assets and the SPA fallback on `app`. Call after every API route. */
export function mountStaticWeb(app: Hono<AppEnv>, webDist = DEFAULT_WEB_DIST): void {
  const indexFile = path.join(webDist, "index.html");
  const built = existsSync(indexFile);
  // Read once: index.html is small and changes only with a new build (a restart).
  const indexHtml = built ? readFileSync(indexFile, "utf8") : NOT_BUILT_PAGE;

  if (built) {
    app.use(
      "/assets/*",
      serveStatic({
        root: webDist,
        onFound: (_path, c) => {
          c.header("Cache-Control", "public, max-age=31536000, immutable");
        },
      }),
    );
    app.use(
      "*",
      serveStatic({
        root: webDist,
        rewriteRequestPath: (p) => (p === "/" || p === "/index.html" ? "/__no_such_file__" : p),
        onFound: (_path, c) => {
          c.header("Cache-Control", "public, max-age=3600");
        },
      }),
    );
  }

  app.get("*", async (c, next) => {
    const p = c.req.path;
    const wantsHtml = (c.req.header("accept") ?? "*/*").includes("text/html") || p === "/";
    const excluded = NON_SPA_PREFIXES.some((prefix) => p === prefix.replace(/\/$/, "") || p.startsWith(prefix)) && !SPA_AUTH_PAGES.includes(p);
    if (excluded || !wantsHtml) {
      return next();
    }
    c.header("Cache-Control", "no-cache");
    return c.html(indexHtml);
  });
}
