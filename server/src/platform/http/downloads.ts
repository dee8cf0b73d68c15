/**
 * GET /downloads/ctxpipe-connect.tgz: the agent setup CLI (@ctxpipe/connect) packed by the
 * build (`npm ci` / `npm run build` → cli/dist-pack/ctxpipe-connect.tgz, cli/pack.js), so that
 * `npx --yes {AUTH_BASE_URL}/downloads/ctxpipe-connect.tgz init --url {AUTH_BASE_URL}` works
 * from any machine that reaches the instance: the tarball bundles its one dependency, and no
 * registry release is needed. Public (no credentials: it holds nothing secret). The URL stays
 * the same across upgrades, so it is revalidated (`no-cache`) against a strong ETag (the
 * tarball's sha256), answering 304 when unchanged; the server's version is in
 * `X-Ctxpipe-Version` and the digest in `X-Ctxpipe-Sha256`. A tarball that was never built is a
 * 404 that says how to build it.
 */
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Hono } from "hono";
import { AppError } from "../errors.js";
import { VERSION } from "../version.js";
import type { AppEnv } from "./app-env.js";

/** Default location of the packed CLI, relative to this file. */
export const DEFAULT_DOWNLOADS_DIR = fileURLToPath(new URL("../../../../cli/dist-pack/", import.meta.url));

/** The public path of the packed CLI. */
export const CONNECT_TARBALL_PATH = "/downloads/ctxpipe-connect.tgz";

/** The tarball as last read, kept while its size and modification time stay the same. */
interface Tarball {
  mtimeMs: number;
  size: number;
  bytes: Uint8Array<ArrayBuffer>;
  sha256: string;
}

/** Mounts GET /downloads/ctxpipe-connect.tgz on `app`, served from `dir`. */
export function mountDownloads(app: Hono<AppEnv>, dir = DEFAULT_DOWNLOADS_DIR): void {
  const file = path.join(dir, "ctxpipe-connect.tgz");
  let cached: Tarball | undefined;

  /** The tarball, re-read only when a build replaced it (a few tens of KB). */
  async function load(): Promise<Tarball> {
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat?.isFile()) {
      throw new AppError(
        "download_not_built",
        404,
        "The agent setup package has not been built on this instance. The operator runs `npm run build` (or `npm ci`) in the ctxpipe directory; the container image includes it.",
      );
    }
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached;
    const bytes = new Uint8Array(await fs.readFile(file));
    cached = { mtimeMs: stat.mtimeMs, size: stat.size, bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
    return cached;
  }

  app.get(CONNECT_TARBALL_PATH, async (c) => {
    const tarball = await load();
    const etag = `"sha256-${tarball.sha256}"`;
    const headers = {
      ETag: etag,
      "Cache-Control": "public, no-cache",
      "X-Ctxpipe-Version": VERSION,
      "X-Ctxpipe-Sha256": tarball.sha256,
    };
    const wanted = c.req.header("if-none-match");
    if (wanted?.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag)) {
      return c.body(null, 304, headers);
    }
    return c.body(tarball.bytes, 200, {
      ...headers,
      "Content-Type": "application/gzip",
      "Content-Length": String(tarball.size),
      "Content-Disposition": 'attachment; filename="ctxpipe-connect.tgz"',
    });
  });
}
