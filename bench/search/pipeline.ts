/**
 * The system under test: a throw-away embedded Postgres (durable settings, as in production;
 * or a fresh database on the server BENCH_POSTGRES_URL names, as the smoke tests do),
 * `ctxpipe migrate`, and `ctxpipe serve` as a child process (so its memory and CPU can be read
 * from /proc), driven only through the public REST API: sign-up, organisation, API key,
 * repository. Also the /proc readers (peak RSS, CPU seconds) and the index size query.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { runCli as runCliInProcess } from "../../server/src/commands/run-cli.js";
import { startEmbeddedPostgres } from "../../server/src/platform/db/embedded-postgres.js";
import { createLogger } from "../../server/src/platform/logging.js";

/** The repository root (the folder holding package.json). */
export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const CLI = path.join(REPO_ROOT, "server/bin/ctxpipe.js");

/** A started database. */
export interface BenchDatabase {
  url: string;
  /** The embedded cluster's folder; unset on a BENCH_POSTGRES_URL server (no CPU reading then). */
  clusterDir?: string;
  pool: pg.Pool;
  /** Creates an empty database beside this one (a restore target); answers its URL. */
  createEmpty(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The Postgres server to use instead of an embedded one (an admin URL: the smoke tests give
 * their test cluster's, so that no run pays an initdb). Each run makes fresh databases on it
 * and drops them when it stops.
 */
const EXTERNAL_POSTGRES = process.env.BENCH_POSTGRES_URL;

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A fresh database `ctxpipe_bench_<random>` on the server `adminUrl`; answers its name. */
async function createBenchDatabase(adminUrl: string): Promise<string> {
  const name = `ctxpipe_bench_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return name;
}

/** A migrated database on the BENCH_POSTGRES_URL server; stop() drops it and those createEmpty made. */
async function startExternalDatabase(adminUrl: string): Promise<BenchDatabase> {
  const names = [await createBenchDatabase(adminUrl)];
  const url = withDatabase(adminUrl, names[0]!);
  await migrate(url);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  return {
    url,
    pool,
    async createEmpty() {
      const name = await createBenchDatabase(adminUrl);
      names.push(name);
      return withDatabase(adminUrl, name);
    },
    async stop() {
      await pool.end().catch(() => {});
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      for (const name of names) await admin.query(`drop database if exists ${name} with (force)`).catch(() => {});
      await admin.end();
    },
  };
}

/**
 * Starts an embedded Postgres (fsync and synchronous commit on) in a temporary folder and
 * applies the migrations with `ctxpipe migrate`. An existing cluster in `workDir` is started
 * again when `password` is its password. With BENCH_POSTGRES_URL set, a fresh database on
 * that server instead.
 */
export async function startDatabase(workDir: string, password = randomBytes(12).toString("hex")): Promise<BenchDatabase> {
  if (EXTERNAL_POSTGRES) return startExternalDatabase(EXTERNAL_POSTGRES);
  await fs.mkdir(workDir, { recursive: true });
  await fs.chmod(workDir, 0o755); // the cluster runs as the postgres user when we are root
  const clusterDir = path.join(workDir, "postgres");
  const cluster = await startEmbeddedPostgres({
    clusterDir,
    password,
    logger: createLogger("warn"),
    database: "ctxpipe_bench",
    unsafeFast: false,
  });
  await migrate(cluster.url);
  const pool = new pg.Pool({ connectionString: cluster.url, max: 2 });
  return {
    url: cluster.url,
    clusterDir,
    pool,
    async createEmpty() {
      const name = await createBenchDatabase(cluster.adminUrl);
      return withDatabase(cluster.url, name);
    },
    async stop() {
      await pool.end().catch(() => {});
      await cluster.stop();
    },
  };
}

/** The environment without any ctxpipe setting of the calling shell. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(CTXPIPE_|DATABASE_|AUTH_|SMTP_|EMAIL_|CONNECTION_SECRETS_|LOG_LEVEL$|PORT$|HOST$|NODE_ENV$|NODE_OPTIONS$)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/**
 * `ctxpipe migrate` on `url`, in this process (runCli): what the command does, without a Node
 * start of its own (it is not measured).
 */
async function migrate(url: string): Promise<void> {
  let output = "";
  const out = { write: (text: string) => (output += text) };
  const code = await runCliInProcess(["migrate"], cleanEnv({ DATABASE_URL: url, LOG_LEVEL: "warn" }), { stdout: out, stderr: out, cwd: REPO_ROOT });
  if (code !== 0) throw new Error(`ctxpipe migrate failed (${code}): ${output.slice(-2000)}`);
}

/** Runs `ctxpipe <args>` to completion with only `env` of ctxpipe's settings; answers its output. */
export async function runCli(args: string[], env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`ctxpipe ${args.join(" ")} failed (${code}): ${output.slice(-2000)}`);
  return output;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** A running `ctxpipe serve` child. */
export interface ServeProcess {
  pid: number;
  baseUrl: string;
  logFile: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * `--liftoff-only` when this benchmark runs with it: `npm test`'s smoke runs (bench-smoke.ts) run
 * WebAssembly on V8's baseline compiler, as the test files do, and pass it on to their server.
 * A measured run never has it, so its server parses at full speed.
 */
const BASELINE_WASM = process.execArgv.includes("--liftoff-only") ? ["--liftoff-only"] : [];

/** Starts `ctxpipe serve` (all roles in one process) and waits until /.status answers ok. */
export async function startServe(options: {
  databaseUrl: string;
  dataDir: string;
  logFile: string;
  nodeArgs?: string[];
  /** More environment (e.g. GITHUB_API_URL for bench:freshness). */
  env?: Record<string, string>;
  /** Where the local repositories the benchmark adds by path are (the corpus folder); unset: none allowed. */
  localRepositoriesRoot?: string;
}): Promise<ServeProcess> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  await fs.mkdir(options.dataDir, { recursive: true });
  const env = cleanEnv({
    DATABASE_URL: options.databaseUrl,
    AUTH_BASE_URL: baseUrl,
    AUTH_SECRET: randomBytes(24).toString("hex"),
    CONNECTION_SECRETS_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    PORT: String(port),
    HOST: "127.0.0.1",
    CTXPIPE_DATA_DIR: options.dataDir,
    ...(options.localRepositoriesRoot ? { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true", CTXPIPE_LOCAL_REPOSITORIES_ROOT: options.localRepositoriesRoot } : {}),
    LOG_LEVEL: "info",
    ...options.env,
  });
  const log = createWriteStream(options.logFile);
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...BASELINE_WASM, CLI, "serve"], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.on("close", (code) => {
      exited = code;
      log.end();
      resolve();
    }),
  );
  const stop = async () => {
    if (exited !== undefined) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    await exit;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`ctxpipe serve exited (${exited}); see ${options.logFile}`);
    const res = await fetch(`${baseUrl}/.status`).catch(() => undefined);
    if (res) {
      const body = (await res.json().catch(() => ({}))) as { status?: string };
      if (body.status === "ok") break;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`ctxpipe serve did not become ready; see ${options.logFile}`);
    }
    await sleep(250);
  }
  return { pid: child.pid!, baseUrl, logFile: options.logFile, child, stop };
}

/** Sleeps `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A REST client acting as one user (session cookie) and then through an API key. */
export class ApiClient {
  private cookie = "";
  private apiKey = "";

  /** The API key created by setUp (for MCP clients). */
  get key(): string {
    return this.apiKey;
  }

  constructor(readonly baseUrl: string) {}

  /** Acts through an existing API key (e.g. on an instance restored from a backup). */
  useKey(key: string): void {
    this.apiKey = key;
  }

  /** Signs a user up, creates the organisation `slug` and an API key for it. */
  async setUp(slug: string): Promise<void> {
    const res = await fetch(`${this.baseUrl}/.auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: this.baseUrl },
      body: JSON.stringify({ email: `bench-${Date.now()}@example.invalid`, password: randomBytes(12).toString("hex"), name: "Bench" }),
    });
    if (res.status !== 200) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
    this.cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .filter((c) => c && !c.endsWith("="))
      .join("; ");
    await this.call("POST", "/api/v1/orgs", { slug, name: "Benchmark" }, 201);
    const key = await this.call<{ key: string }>("POST", `/api/v1/orgs/${slug}/api-keys`, { name: "bench" }, 201);
    this.apiKey = key.key;
  }

  /** Creates one more API key of the organisation `slug` (through the session: keys cannot make keys). */
  async createApiKey(slug: string, name: string): Promise<string> {
    const res = await fetch(`${this.baseUrl}/api/v1/orgs/${slug}/api-keys`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: this.cookie, origin: this.baseUrl },
      body: JSON.stringify({ name }),
    });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`create API key: ${res.status} ${text.slice(0, 500)}`);
    return (JSON.parse(text) as { key: string }).key;
  }

  /** Calls the API with the session (routes that refuse API keys), without following redirects. */
  async callAsSession(method: string, urlPath: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { cookie: this.cookie, origin: this.baseUrl };
    if (body !== undefined) headers["content-type"] = "application/json";
    return fetch(`${this.baseUrl}${urlPath}`, { method, headers, redirect: "manual", body: body === undefined ? undefined : JSON.stringify(body) });
  }

  /** Calls the API (API key once there is one, else the session) and checks the status. */
  async call<T = any>(method: string, urlPath: string, body?: unknown, expect = 200): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.apiKey) headers["x-api-key"] = this.apiKey;
    else {
      headers.cookie = this.cookie;
      headers.origin = this.baseUrl;
    }
    const res = await fetch(`${this.baseUrl}${urlPath}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (res.status !== expect) throw new Error(`${method} ${urlPath}: ${res.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

/** Peak and current resident memory of a process, in bytes (from /proc/<pid>/status). */
export async function memoryOf(pid: number): Promise<{ peakRss: number; rss: number }> {
  const status = await fs.readFile(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { peakRss: kb("VmHWM"), rss: kb("VmRSS") };
}

const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

async function statOf(pid: number): Promise<{ ppid: number; self: number; children: number } | undefined> {
  const text = await fs.readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  if (!text) return undefined;
  const f = text.slice(text.lastIndexOf(")") + 2).split(" "); // fields from 3 (state) on
  const n = (i: number) => Number(f[i - 3]);
  return { ppid: n(4), self: (n(14) + n(15)) / CLOCK_TICKS, children: (n(16) + n(17)) / CLOCK_TICKS };
}

/** CPU seconds so far: a process itself, and its waited-for children (git). */
export async function cpuOf(pid: number): Promise<{ self: number; children: number }> {
  const s = await statOf(pid);
  return { self: s?.self ?? 0, children: s?.children ?? 0 };
}

/** CPU seconds of the whole Postgres server: postmaster, live backends and exited ones (0 without a cluster folder). */
export async function postgresCpu(clusterDir: string | undefined): Promise<number> {
  if (!clusterDir) return 0;
  const postmaster = Number((await fs.readFile(path.join(clusterDir, "postmaster.pid"), "utf8")).split("\n")[0]);
  const root = await statOf(postmaster);
  let total = (root?.self ?? 0) + (root?.children ?? 0);
  for (const entry of await fs.readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const s = await statOf(Number(entry));
    if (s && s.ppid === postmaster) total += s.self;
  }
  return total;
}

/** On-disk size of the index tables (heap, TOAST and indexes), in bytes. */
export interface IndexSize {
  total: number;
  tables: { name: string; total: number; heap: number; toast: number; indexes: number; rows: number }[];
  indexes: { name: string; bytes: number }[];
}

/** Index tables whose size counts as "index size". */
export const INDEX_TABLES = [
  "index_chunks",
  "index_files",
  "index_symbols",
  "index_symbol_blobs",
  "index_term_blobs",
  "index_term_stats",
  "index_trigram_segments",
  "index_trigram_postings",
];

/** Measures the index tables (as the owner: row-level security does not hide rows). */
export async function indexSize(pool: pg.Pool): Promise<IndexSize> {
  const { rows } = await pool.query<{ name: string; total: string; heap: string; toast: string; indexes: string }>(
    `select c.relname as name, pg_total_relation_size(c.oid) as total, pg_relation_size(c.oid) as heap,
       coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0) as toast, pg_indexes_size(c.oid) as indexes
     from pg_class c where c.relname = any($1::text[]) and c.relkind = 'r' order by c.relname`,
    [INDEX_TABLES],
  );
  const tables = [];
  for (const r of rows) {
    const count = await pool.query<{ n: string }>(`select count(*) as n from ${r.name}`);
    tables.push({
      name: r.name,
      total: Number(r.total),
      heap: Number(r.heap),
      toast: Number(r.toast),
      indexes: Number(r.indexes),
      rows: Number(count.rows[0]!.n),
    });
  }
  const idx = await pool.query<{ name: string; bytes: string }>(
    `select i.relname as name, pg_relation_size(i.oid) as bytes from pg_index x join pg_class i on i.oid = x.indexrelid
     join pg_class t on t.oid = x.indrelid where t.relname = any($1::text[]) order by 2 desc`,
    [INDEX_TABLES],
  );
  return { total: tables.reduce((s, t) => s + t.total, 0), tables, indexes: idx.rows.map((r) => ({ name: r.name, bytes: Number(r.bytes) })) };
}

/** A temporary working folder (Postgres cluster, data dir), removed by the caller. */
export async function makeWorkDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-bench-"));
}

/**
 * Waits until the database has settled after indexing: a CHECKPOINT (the index run's dirty
 * pages written now, not under the first queries), then no autovacuum worker and no other
 * active query for 5 s in a row (at most 10 min), so the first method or content index
 * measured does not share the machine with the index run's aftermath. Answers the seconds
 * waited.
 */
export async function waitDatabaseQuiet(db: Pick<BenchDatabase, "pool">): Promise<number> {
  const started = Date.now();
  await db.pool.query("checkpoint");
  let quietSince = 0;
  while (Date.now() - started < 10 * 60_000) {
    const { rows } = await db.pool.query<{ busy: number }>(
      `select count(*)::int as busy from pg_stat_activity
        where pid <> pg_backend_pid() and (backend_type = 'autovacuum worker' or (backend_type = 'client backend' and state = 'active'))`,
    );
    if (rows[0]!.busy === 0) {
      quietSince ||= Date.now();
      if (Date.now() - quietSince >= 5_000) break;
    } else quietSince = 0;
    await sleep(500);
  }
  return (Date.now() - started) / 1000;
}
