/**
 * The agent setup CLI served by the instance itself (issue #27): the build packs
 * @ctxpipe/connect into cli/dist-pack/ctxpipe-connect.tgz, the server answers
 * GET /downloads/ctxpipe-connect.tgz without credentials (ETag = sha256, 304 when unchanged,
 * the version in a header), and the documented command
 * `npx --yes <origin>/downloads/ctxpipe-connect.tgz init --url <origin>` runs it from an empty
 * npm cache with the registry unreachable: the tarball bundles its one dependency. Without a
 * build the path is a 404 that says how to build it.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFile, spawn } from "node:child_process";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createHttpApp } from "../../src/platform/http/app.js";
import { createLogger } from "../../src/platform/logging.js";
import { VERSION } from "../../src/platform/version.js";
import { call, createOrgAs, signUp } from "../harness/http-client.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const TARBALL = path.join(ROOT, "cli", "dist-pack", "ctxpipe-connect.tgz");

/** An origin where nothing listens (stands for an unreachable npm registry). */
async function closedOrigin(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe("the agent setup CLI from the instance", () => {
  let app: TestApp;
  let root: string;
  let slug: string;
  let key: string;

  before(async () => {
    // What `npm ci` / `npm run build` does: compile the CLI and pack it (cli/pack.js).
    await promisify(execFile)("npm", ["run", "build", "-w", "cli"], { cwd: ROOT });
    app = await startTestApp({ roles: ["server"] });
    const user = await signUp(app);
    slug = (await createOrgAs(app, user, "download-org")).slug;
    key = (await call(app, "POST", `/api/v1/orgs/${slug}/api-keys`, { as: user, body: { name: "laptop" } })).json.key;
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-download-"));
  });
  after(async () => {
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("serves the packed CLI without credentials, with its digest and the server's version", async () => {
    const bytes = await fs.readFile(TARBALL);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const res = await fetch(`${app.url}/downloads/ctxpipe-connect.tgz`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/gzip");
    assert.equal(res.headers.get("etag"), `"sha256-${sha256}"`);
    assert.equal(res.headers.get("x-ctxpipe-sha256"), sha256);
    assert.equal(res.headers.get("x-ctxpipe-version"), VERSION);
    assert.match(res.headers.get("cache-control") ?? "", /no-cache/);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes);
    const again = await fetch(`${app.url}/downloads/ctxpipe-connect.tgz`, { headers: { "if-none-match": `"sha256-${sha256}"` } });
    assert.equal(again.status, 304);
    assert.equal((await again.arrayBuffer()).byteLength, 0);
    const other = await fetch(`${app.url}/downloads/other.tgz`, { headers: { accept: "text/html" } });
    assert.equal(other.status, 404);
    assert.equal(((await other.json()) as { error: { code: string } }).error.code, "not_found");
  });

  it("runs the documented npx command from an empty npm cache, with no registry", async () => {
    const home = path.join(root, "home");
    const project = path.join(root, "project");
    await fs.mkdir(home, { recursive: true });
    await fs.mkdir(project, { recursive: true });
    const registry = await closedOrigin();
    const args = [
      "--yes",
      `${app.url}/downloads/ctxpipe-connect.tgz`,
      "init",
      "--url",
      app.url,
      "--org",
      slug,
      "--agents",
      "cursor,claude-code",
      "--scope",
      "project",
      "--json",
    ];
    const child = spawn("npx", args, {
      cwd: project,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: home,
        CTXPIPE_API_KEY: key,
        npm_config_cache: path.join(root, "npm-cache"),
        npm_config_registry: `${registry}/`,
        npm_config_update_notifier: "false",
        npm_config_audit: "false",
        npm_config_fund: "false",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? 1)));
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout);
    assert.equal(result.mcpUrl, `${app.url}/mcp?orgSlug=${slug}`);
    assert.equal(result.auth, "api-key");
    assert.deepEqual(
      result.files.map((f: { agent: string; action: string }) => [f.agent, f.action]),
      [
        ["cursor", "create"],
        ["claude-code", "create"],
      ],
    );
    const cursor = JSON.parse(await fs.readFile(path.join(project, ".cursor", "mcp.json"), "utf8"));
    assert.equal(cursor.mcpServers.ctxpipe.url, result.mcpUrl);
    assert.ok(!(await fs.readFile(path.join(project, ".mcp.json"), "utf8")).includes(key), "no key is written");
  });

  it("answers a clear 404 when the package was not built", async () => {
    const empty = await fs.mkdtemp(path.join(root, "no-build-"));
    const http = createHttpApp({
      logger: createLogger("silent"),
      baseUrl: "http://localhost",
      allowedOrigins: [],
      bodyLimitBytes: 1024,
      trustedProxyHops: 0,
      routes: [],
      downloadsDir: empty,
    });
    const res = await http.request("/downloads/ctxpipe-connect.tgz");
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "download_not_built");
    assert.match(body.error.message, /npm run build/);
  });
});
