/**
 * A real git smart-HTTP server for tests: node:http on 127.0.0.1 runs `git http-backend`
 * as a CGI program over the repositories under `root`, behind Basic auth. Partial clone
 * (`uploadpack.allowFilter`) and protocol v2 (the Git-Protocol header) are enabled, as on
 * GitHub. Also helpers that build deterministic test repositories (fixed author and dates).
 */
import { execFile, spawn } from "node:child_process";
import fs from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** A running server. */
export interface GitHttpServer {
  /** `http://127.0.0.1:<port>/<name>` (without credentials). */
  url(repoName: string): string;
  port: number;
  /** Requests seen, in order: method, path and the Basic-auth user (if any). */
  requests: { method: string; path: string; user?: string }[];
  stop(): Promise<void>;
}

/** Options: the directory holding repositories and the Basic-auth pair (omit for none). */
export interface GitHttpServerOptions {
  root: string;
  username?: string;
  password?: string;
  /** Decides access instead of the fixed pair (e.g. a fake GitHub checking installation tokens). */
  authorize?: (user: string | undefined, password: string | undefined, path: string) => boolean;
}

/** Splits a CGI response head ("Status: 404 Not Found", headers) from its body. */
function parseCgiHead(head: string): { status: number; headers: [string, string][] } {
  let status = 200;
  const headers: [string, string][] = [];
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i <= 0) continue;
    const name = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 500;
    else headers.push([name, value]);
  }
  return { status, headers };
}

/** Decodes Basic auth; undefined when absent or malformed. */
function basicAuth(header: string | undefined): { user: string; pass: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const i = decoded.indexOf(":");
  return i < 0 ? undefined : { user: decoded.slice(0, i), pass: decoded.slice(i + 1) };
}

function handle(req: http.IncomingMessage, res: http.ServerResponse, options: GitHttpServerOptions, server: GitHttpServer): void {
  const url = new URL(req.url ?? "/", "http://localhost");
  const auth = basicAuth(req.headers.authorization);
  server.requests.push({ method: req.method ?? "GET", path: url.pathname, user: auth?.user });
  const refused = options.authorize
    ? !options.authorize(auth?.user, auth?.pass, url.pathname)
    : options.username !== undefined && (auth?.user !== options.username || auth.pass !== options.password);
  if (refused) {
    res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"', "Content-Type": "text/plain" });
    res.end("authentication required\n");
    return;
  }
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: options.root,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_PROJECT_ROOT: options.root,
    GIT_HTTP_EXPORT_ALL: "1",
    GIT_CONFIG_COUNT: "2",
    GIT_CONFIG_KEY_0: "uploadpack.allowFilter",
    GIT_CONFIG_VALUE_0: "true",
    GIT_CONFIG_KEY_1: "uploadpack.allowAnySHA1InWant",
    GIT_CONFIG_VALUE_1: "true",
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    REQUEST_METHOD: req.method ?? "GET",
    CONTENT_TYPE: req.headers["content-type"] ?? "",
    REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    REMOTE_USER: auth?.user ?? "",
    GATEWAY_INTERFACE: "CGI/1.1",
  };
  if (req.headers["content-length"]) env.CONTENT_LENGTH = req.headers["content-length"];
  if (req.headers["content-encoding"]) env.HTTP_CONTENT_ENCODING = req.headers["content-encoding"];
  const protocol = req.headers["git-protocol"];
  if (typeof protocol === "string") env.GIT_PROTOCOL = env.HTTP_GIT_PROTOCOL = protocol;

  const cgi = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "pipe"] });
  cgi.stdin.on("error", () => {});
  cgi.stderr.resume();
  req.pipe(cgi.stdin); // gzip'd bodies pass through; http-backend inflates them itself

  let head = Buffer.alloc(0);
  let headDone = false;
  cgi.stdout.on("data", (chunk: Buffer) => {
    if (headDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const crlf = head.indexOf("\r\n\r\n");
    const lf = head.indexOf("\n\n");
    const end = crlf >= 0 ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
    if (end < 0) return;
    headDone = true;
    const { status, headers } = parseCgiHead(head.subarray(0, end).toString("latin1"));
    res.writeHead(status, headers.flat());
    res.write(head.subarray(end));
  });
  cgi.on("close", () => {
    if (!headDone) {
      if (!res.headersSent) res.writeHead(500);
    }
    res.end();
  });
  cgi.on("error", () => {
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
}

/** Starts the server on 127.0.0.1 with an ephemeral port. */
export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const httpServer = http.createServer();
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const port = (httpServer.address() as AddressInfo).port;
  const server: GitHttpServer = {
    port,
    requests: [],
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    stop: () =>
      new Promise<void>((resolve) => {
        httpServer.closeAllConnections();
        httpServer.close(() => resolve());
      }),
  };
  httpServer.on("request", (req, res) => handle(req, res, options, server));
  return server;
}

const AUTHOR = { name: "Test Author", email: "author@example.com" };
const BASE_TIME = 1_767_225_600; // 2026-01-01T00:00:00Z

/** Runs git in `cwd` with a fixed identity and a date that advances one minute per commit. */
async function git(cwd: string, args: string[]): Promise<string> {
  const count = await execFileAsync("git", ["rev-list", "--all", "--count"], { cwd }).then(
    (r) => Number.parseInt(r.stdout, 10) || 0,
    () => 0,
  );
  const date = `${BASE_TIME + count * 60} +0000`;
  const { stdout } = await execFileAsync("git", args, {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: cwd,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_AUTHOR_NAME: AUTHOR.name,
      GIT_AUTHOR_EMAIL: AUTHOR.email,
      GIT_COMMITTER_NAME: AUTHOR.name,
      GIT_COMMITTER_EMAIL: AUTHOR.email,
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    },
  });
  return stdout.trim();
}

/** Writes (string) or deletes (null) files relative to `repoDir`. */
async function applyChanges(repoDir: string, changes: Record<string, string | null>): Promise<void> {
  for (const [file, content] of Object.entries(changes)) {
    const target = path.join(repoDir, file);
    if (content === null) {
      await fs.rm(target, { force: true });
    } else {
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, content);
    }
  }
}

/**
 * Creates `root/name` (a non-bare repository on branch `main`) with one commit of `files`.
 * @returns the repository directory.
 */
export async function createTestRepo(root: string, name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(root, name);
  await fs.mkdir(dir, { recursive: true });
  await git(dir, ["init", "--quiet", "--initial-branch=main"]);
  await commitFiles(dir, files, "initial commit");
  return dir;
}

/**
 * Applies `changes` (null deletes a file) and commits them.
 * @returns the new commit id.
 */
export async function commitFiles(repoDir: string, changes: Record<string, string | null>, message: string): Promise<string> {
  await applyChanges(repoDir, changes);
  await git(repoDir, ["add", "--all"]);
  await git(repoDir, ["commit", "--quiet", "--allow-empty", "-m", message]);
  return git(repoDir, ["rev-parse", "HEAD"]);
}

/** Renames a file with `git mv` and commits. @returns the new commit id. */
export async function renameFile(repoDir: string, from: string, to: string, message = `rename ${from}`): Promise<string> {
  await fs.mkdir(path.dirname(path.join(repoDir, to)), { recursive: true });
  await git(repoDir, ["mv", "--", from, to]);
  await git(repoDir, ["commit", "--quiet", "-m", message]);
  return git(repoDir, ["rev-parse", "HEAD"]);
}

/**
 * Replaces the branch's history with one unrelated root commit of `files` (what a force
 * push of a rewritten history leaves on the server). @returns the new commit id.
 */
export async function rewriteHistory(repoDir: string, files: Record<string, string>, message = "rewritten"): Promise<string> {
  const branch = await git(repoDir, ["symbolic-ref", "--short", "HEAD"]);
  await git(repoDir, ["checkout", "--quiet", "--orphan", "rewrite-tmp"]);
  await git(repoDir, ["rm", "-r", "--quiet", "--cached", "--ignore-unmatch", "."]);
  await git(repoDir, ["clean", "-fdq"]);
  const commit = await commitFiles(repoDir, files, message);
  await git(repoDir, ["branch", "--quiet", "-M", branch]);
  return commit;
}

/** Runs git in a test repository (for assertions and odd setups). */
export function gitIn(repoDir: string, args: string[]): Promise<string> {
  return git(repoDir, args);
}
