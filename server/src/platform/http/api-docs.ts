/**
 * GET /api/v1/docs: the API reference, Swagger UI (the npm package swagger-ui-dist) over
 * /api/v1/openapi.json, with parameters, request bodies, response schemas and "Try it out"
 * (same origin, so the signed-in session or an API key works). Every asset is served from
 * this process: no CDN, and the page passes the strict Content-Security-Policy (no inline
 * script or style of ours).
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Hono } from "hono";
import type { AppEnv } from "./app-env.js";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ctxpipe API reference</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/api/v1/docs/assets/swagger-ui.css">
</head>
<body>
<div id="docs"></div>
<script src="/api/v1/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/v1/docs/assets/init.js"></script>
</body>
</html>`;

/** Starts Swagger UI on #docs with our document; deep links name the operation. */
const INIT = `window.ui = SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#docs",
  deepLinking: true,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true,
  tryItOutEnabled: false,
  withCredentials: true,
});
`;

/** The swagger-ui-dist files served, by the name under /api/v1/docs/assets/. */
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
};

/** The reference page and its assets (read once, on first request). */
export function apiDocsRoutes() {
  const dist = path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  const loaded = new Map<string, Buffer>();
  const read = (name: string) => {
    let body = loaded.get(name);
    if (!body) loaded.set(name, (body = fs.readFileSync(path.join(dist, name))));
    return body;
  };
  return new Hono<AppEnv>()
    .get("/api/v1/docs", (c) => c.html(PAGE))
    .get("/api/v1/docs/assets/init.js", (c) => c.body(INIT, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=3600" }))
    .get("/api/v1/docs/assets/:name", (c) => {
      const name = c.req.param("name");
      const type = ASSETS[name];
      if (!type) return c.notFound();
      return c.body(new Uint8Array(read(name)), 200, { "content-type": type, "cache-control": "public, max-age=86400" });
    });
}
