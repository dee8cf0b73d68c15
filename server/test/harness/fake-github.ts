/**
 * A local fake of GitHub for tests: only the REST endpoints ctxpipe calls, over real HTTP, and
 * git over real smart HTTP (`git http-backend`) for the repositories. Responses start from the
 * examples in GitHub's published OpenAPI description (@octokit/openapi), carry this fake's
 * state, and are validated against that description's response schema before they are sent: a
 * response that does not match is a 500 and is listed in `schemaErrors` (tests assert none).
 * The App's JWT (RS256, iss = App id) is checked on /app endpoints; installation tokens it minted
 * are checked on the others and on every git request (Basic auth, `x-access-token`).
 */
import { createPublicKey, createVerify, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { githubAppKey } from "./github-app-key.js";
import { commitFiles, createTestRepo, gitIn, startGitHttpServer, type GitHttpServer } from "./git-http-server.js";

const require = createRequire(import.meta.url);

/** GitHub's REST description (OpenAPI 3.0), loaded once per process. */
let openapi: { paths: Record<string, Record<string, any>>; components: { examples: Record<string, { value: any }> } } | undefined;
let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

/**
 * OpenAPI 3.0's `nullable: true` as JSON Schema: `type: [t, "null"]` (and null in an enum), or
 * `anyOf [schema, null]` where no type is given. Returns a transformed copy.
 */
function withoutNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutNullable);
  if (typeof node !== "object" || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) if (key !== "nullable") out[key] = withoutNullable(value);
  if ((node as { nullable?: unknown }).nullable !== true) return out;
  if (typeof out.type === "string") {
    out.type = [out.type, "null"];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: "null" }] };
}

function spec() {
  openapi ??= require("@octokit/openapi/generated/api.github.com.json");
  if (!ajv) {
    ajv = new Ajv({ strict: false, validateSchema: false, validateFormats: false, allErrors: false });
    ajv.addSchema({ components: withoutNullable(openapi!.components), paths: withoutNullable(openapi!.paths) }, "github");
  }
  return { doc: openapi!, ajv };
}

/** The response schema validator of `method route status` in the description. */
function validatorOf(route: string, method: string, status: number): ValidateFunction {
  const key = `${method} ${route} ${status}`;
  let validate = validators.get(key);
  if (!validate) {
    const pointer = ["paths", route, method, "responses", String(status), "content", "application/json", "schema"]
      .map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1"))
      .join("/");
    validate = spec().ajv.getSchema(`github#/${pointer}`);
    if (!validate) throw new Error(`no schema for ${key}`);
    validators.set(key, validate);
  }
  return validate;
}

/** Why `body` is not a valid `status` answer of `method route` per GitHub's description ([] when it is). */
export function githubSchemaProblems(route: string, method: string, status: number, body: unknown): string[] {
  const validate = validatorOf(route, method, status);
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** A deep copy of a named example from the description. */
function example(name: string): any {
  const value = spec().doc.components.examples[name]?.value;
  if (value === undefined) throw new Error(`no example ${name}`);
  return structuredClone(value);
}

/** A repository the fake hosts. */
export interface FakeRepository {
  id: number;
  fullName: string;
  /** The working repository that plays the remote (commit to it to "push"). */
  dir: string;
  defaultBranch: string;
  private: boolean;
  pushedAt: string;
}

/** An installation of the fake's App. */
export interface FakeInstallation {
  id: number;
  account: string;
  repositories: Set<number>;
  suspended: boolean;
}

/** The running fake. */
export interface FakeGithub {
  /** Use as the connection's API URL. */
  apiUrl: string;
  app: { id: number; slug: string; privateKey: string };
  git: GitHttpServer;
  repositories: Map<number, FakeRepository>;
  installations: Map<number, FakeInstallation>;
  /** Installation tokens minted so far. */
  tokensMinted: number;
  /** Every token minted (to check none leaks into logs or the database). */
  issuedTokens(): string[];
  /** API requests seen: method, path and how they authenticated. */
  requests: { method: string; path: string; auth: "jwt" | "token" | "none" | "refused" }[];
  /** Responses that did not match GitHub's schema (tests expect none). */
  schemaErrors: string[];
  addRepository(fullName: string, files: Record<string, string>, options?: { private?: boolean }): Promise<FakeRepository>;
  addInstallation(account: string, repositoryIds: number[]): FakeInstallation;
  /** Commits `changes` to the repository's default branch (a push). @returns the commit. */
  push(repositoryId: number, changes: Record<string, string | null>, message?: string): Promise<string>;
  /** Renames (or transfers, with another owner) a repository; its clone URL follows. */
  rename(repositoryId: number, fullName: string): Promise<void>;
  cloneUrl(repositoryId: number): string;
  /**
   * What GitHub does with a manifest POSTed to its "new App" page: creates the App (this fake's
   * one, named as the manifest says) and returns the one-time code its redirect carries.
   */
  createAppFromManifest(manifest: string): string;
  /** The webhook secret and hook URL of the App made from the last manifest. */
  manifestApp?: { webhookSecret: string; hookUrl: string; redirectUrl: string; name: string };
  /**
   * Holds the answer to the next API request for `path` (computed already) until `release` is
   * called, for a test that changes things while a caller waits on GitHub; `reached` resolves
   * when that request has arrived.
   */
  hold(path: string): { reached: Promise<void>; release(): void };
  /** An installation token minted outside the API (for a benchmark's baseline clone). */
  mintToken(installationId: number): string;
  stop(): Promise<void>;
}

/** Checks an App JWT: RS256 over header.payload with the App's key, iss = the App id, not expired. */
function verifyAppJwt(token: string, publicKey: ReturnType<typeof createPublicKey>, appId: number): boolean {
  const [header, payload, signature] = token.split(".");
  if (!header || !payload || !signature) return false;
  const verifier = createVerify("RSA-SHA256");
  verifier.update(`${header}.${payload}`);
  if (!verifier.verify(publicKey, Buffer.from(signature, "base64url"))) return false;
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { iss?: unknown; exp?: number; iat?: number };
  const now = Date.now() / 1000;
  return (
    String(claims.iss) === String(appId) && (claims.exp ?? 0) > now && (claims.iat ?? now + 120) <= now + 60 && (claims.exp ?? 0) - (claims.iat ?? 0) <= 600
  );
}

/** Starts the fake on 127.0.0.1 (API and git on two ports). */
export async function startFakeGithub(options: { appId?: number; slug?: string } = {}): Promise<FakeGithub> {
  spec(); // load before the first request, not during it
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-fake-github-"));
  const privateKey = githubAppKey();
  const publicKey = createPublicKey(privateKey);
  const appId = options.appId ?? 4242;
  const tokens = new Map<string, { installationId: number; expiresAt: number }>();
  const manifestCodes = new Map<string, { name: string; webhookSecret: string; events: string[] }>();
  let nextId = 500_000;

  const tokenOf = (header: string | undefined) => /^(?:token|bearer)\s+(\S+)$/i.exec(header ?? "")?.[1];
  const installationOfToken = (token: string | undefined) => {
    const entry = token ? tokens.get(token) : undefined;
    return entry && entry.expiresAt > Date.now() ? fake.installations.get(entry.installationId) : undefined;
  };

  const git = await startGitHttpServer({
    root,
    authorize: (user, password, requestPath) => {
      const installation = user === "x-access-token" ? installationOfToken(password) : undefined;
      if (!installation || installation.suspended) return false;
      return [...installation.repositories].some((id) => {
        const repo = fake.repositories.get(id);
        return repo !== undefined && requestPath.startsWith(`/${repo.fullName}.git/`);
      });
    },
  });

  const repositoryJson = (repo: FakeRepository) => {
    const [owner, name] = repo.fullName.split("/") as [string, string];
    const r = example("repository-paginated-2").repositories[0];
    Object.assign(r, {
      id: repo.id,
      node_id: Buffer.from(`010:Repository${repo.id}`).toString("base64"),
      name,
      full_name: repo.fullName,
      private: repo.private,
      visibility: repo.private ? "private" : "public",
      html_url: `https://github.com/${repo.fullName}`,
      url: `${fake.apiUrl}/repos/${repo.fullName}`,
      clone_url: fake.cloneUrl(repo.id),
      default_branch: repo.defaultBranch,
      pushed_at: repo.pushedAt,
    });
    Object.assign(r.owner, { login: owner });
    return r;
  };

  const installationJson = (installation: FakeInstallation) => {
    const i = example("base-installation");
    Object.assign(i, {
      id: installation.id,
      app_id: appId,
      app_slug: fake.app.slug,
      target_type: "Organization",
      repository_selection: "selected",
      suspended_at: installation.suspended ? new Date().toISOString() : null,
      access_tokens_url: `${fake.apiUrl}/app/installations/${installation.id}/access_tokens`,
    });
    Object.assign(i.account, { login: installation.account, type: "Organization" });
    return i;
  };

  type Answer = { status: number; body: unknown; route?: string; headers?: Record<string, string> };

  const route = async (
    method: string,
    url: URL,
    authorization: string | undefined,
  ): Promise<{ answer: Answer; auth: FakeGithub["requests"][number]["auth"] }> => {
    const parts = url.pathname.split("/").filter(Boolean);
    const token = tokenOf(authorization);
    const notFound: Answer = { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" } };
    const unauthorized: Answer = { status: 401, body: { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" } };
    // /app/installations/{id} and /app/installations/{id}/access_tokens: the App's JWT.
    if (parts[0] === "app" && parts[1] === "installations" && parts[2]) {
      if (!token || !verifyAppJwt(token, publicKey, appId)) return { answer: unauthorized, auth: "refused" };
      const installation = fake.installations.get(Number(parts[2]));
      if (!installation) return { answer: notFound, auth: "jwt" };
      if (method === "GET" && parts.length === 3) {
        return { answer: { status: 200, body: installationJson(installation), route: "/app/installations/{installation_id}" }, auth: "jwt" };
      }
      if (method === "POST" && parts[3] === "access_tokens") {
        if (installation.suspended) return { answer: { status: 403, body: { message: "This installation has been suspended" } }, auth: "jwt" };
        const minted = `ghs_${randomBytes(18).toString("hex")}`;
        const expiresAt = Date.now() + 3600_000;
        tokens.set(minted, { installationId: installation.id, expiresAt });
        fake.tokensMinted++;
        const body = example("installation-token");
        delete body.repositories;
        Object.assign(body, { token: minted, expires_at: new Date(expiresAt).toISOString(), permissions: { contents: "read", metadata: "read" } });
        return { answer: { status: 201, body, route: "/app/installations/{installation_id}/access_tokens" }, auth: "jwt" };
      }
      return { answer: notFound, auth: "jwt" };
    }
    // POST /app-manifests/{code}/conversions: no credentials; the code works once.
    if (method === "POST" && parts[0] === "app-manifests" && parts[2] === "conversions") {
      const made = manifestCodes.get(parts[1] ?? "");
      if (!made) return { answer: notFound, auth: "none" };
      manifestCodes.delete(parts[1]!);
      const body = example("integration-from-manifest");
      Object.assign(body, {
        id: appId,
        slug: fake.app.slug,
        name: made.name,
        pem: fake.app.privateKey,
        webhook_secret: made.webhookSecret,
        permissions: { contents: "read", metadata: "read" },
        events: made.events,
      });
      return { answer: { status: 201, body, route: "/app-manifests/{code}/conversions" }, auth: "none" };
    }
    const installation = installationOfToken(token);
    if (!installation) return { answer: unauthorized, auth: "refused" };
    if (method === "GET" && url.pathname === "/installation/repositories") {
      const perPage = Math.min(100, Number(url.searchParams.get("per_page") ?? 30));
      const page = Math.max(1, Number(url.searchParams.get("page") ?? 1));
      const all = [...installation.repositories].map((id) => fake.repositories.get(id)!).filter(Boolean);
      const body = { total_count: all.length, repositories: all.slice((page - 1) * perPage, page * perPage).map(repositoryJson) };
      return { answer: { status: 200, body, route: "/installation/repositories" }, auth: "token" };
    }
    if (method === "GET" && parts[0] === "repos" && parts[3] === "branches" && parts.length === 5) {
      const fullName = `${parts[1]}/${parts[2]}`;
      const repo = [...installation.repositories].map((id) => fake.repositories.get(id)).find((r) => r?.fullName === fullName);
      if (!repo || parts[4] !== repo.defaultBranch) return { answer: notFound, auth: "token" };
      const sha = await gitIn(repo.dir, ["rev-parse", "HEAD"]);
      const body = example("branch-get");
      Object.assign(body, { name: repo.defaultBranch });
      Object.assign(body.commit, { sha, url: `${fake.apiUrl}/repos/${repo.fullName}/commits/${sha}` });
      return { answer: { status: 200, body, route: "/repos/{owner}/{repo}/branches/{branch}" }, auth: "token" };
    }
    return { answer: notFound, auth: "token" };
  };

  const holds = new Map<string, { arrived: () => void; released: Promise<void> }>();

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const { answer, auth } = await route(req.method ?? "GET", url, req.headers.authorization);
      fake.requests.push({ method: req.method ?? "GET", path: url.pathname, auth });
      const held = holds.get(url.pathname);
      if (held) {
        holds.delete(url.pathname);
        held.arrived();
        await held.released;
      }
      if (answer.route) {
        const problems = githubSchemaProblems(answer.route, (req.method ?? "GET").toLowerCase(), answer.status, answer.body);
        if (problems.length > 0) {
          const problem = `${req.method} ${answer.route}: ${problems.slice(0, 3).join("; ")}`;
          fake.schemaErrors.push(problem);
          answer.status = 500;
          answer.body = { message: problem };
        }
      }
      res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8", "x-github-media-type": "github.v3; format=json" });
      res.end(JSON.stringify(answer.body));
    })().catch((err: unknown) => {
      fake.schemaErrors.push(`fake failed: ${(err as Error).message}`);
      res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  const fake: FakeGithub = {
    apiUrl: `http://127.0.0.1:${port}`,
    app: { id: appId, slug: options.slug ?? "ctxpipe-test", privateKey },
    git,
    repositories: new Map(),
    installations: new Map(),
    tokensMinted: 0,
    issuedTokens: () => [...tokens.keys()],
    hold(path) {
      let arrived = () => {};
      let release = () => {};
      const reached = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      holds.set(path, { arrived, released });
      return { reached, release };
    },
    requests: [],
    schemaErrors: [],
    async addRepository(fullName, files, repoOptions = {}) {
      // The working repository lives at <root>/<owner>/<name>.git, so that http-backend serves
      // it at GitHub's clone path /<owner>/<name>.git.
      const dir = await createTestRepo(root, `${fullName}.git`, files);
      const repo: FakeRepository = {
        id: nextId++,
        fullName,
        dir,
        defaultBranch: "main",
        private: repoOptions.private ?? true,
        pushedAt: new Date().toISOString(),
      };
      fake.repositories.set(repo.id, repo);
      return repo;
    },
    addInstallation(account, repositoryIds) {
      const installation: FakeInstallation = { id: nextId++, account, repositories: new Set(repositoryIds), suspended: false };
      fake.installations.set(installation.id, installation);
      return installation;
    },
    async push(repositoryId, changes, message = "change") {
      const repo = fake.repositories.get(repositoryId)!;
      const commit = await commitFiles(repo.dir, changes, message);
      repo.pushedAt = new Date().toISOString();
      return commit;
    },
    async rename(repositoryId, fullName) {
      const repo = fake.repositories.get(repositoryId)!;
      const dir = path.join(root, `${fullName}.git`);
      await fs.mkdir(path.dirname(dir), { recursive: true });
      await fs.rename(repo.dir, dir);
      Object.assign(repo, { fullName, dir });
    },
    cloneUrl: (repositoryId) => `${git.url(fake.repositories.get(repositoryId)!.fullName)}.git`,
    createAppFromManifest(manifest) {
      const m = JSON.parse(manifest) as { name: string; hook_attributes: { url: string }; redirect_url: string; default_events: string[] };
      const code = randomBytes(10).toString("hex");
      const webhookSecret = randomBytes(20).toString("hex");
      manifestCodes.set(code, { name: m.name, webhookSecret, events: m.default_events });
      fake.manifestApp = { webhookSecret, hookUrl: m.hook_attributes.url, redirectUrl: m.redirect_url, name: m.name };
      return code;
    },
    mintToken(installationId) {
      const minted = `ghs_${randomBytes(18).toString("hex")}`;
      tokens.set(minted, { installationId, expiresAt: Date.now() + 3600_000 });
      return minted;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await git.stop();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
  return fake;
}
