/**
 * A database failover does not take the process down. Under a concurrent mixed load (REST
 * search, file reads, MCP tool calls, and ctx_advisor and chat without a model, both
 * streamed), the app's Postgres backends are terminated one by one with
 * pg_terminate_backend, then Postgres is restarted:
 * no uncaught exception fires, every failed request answers 503 `unavailable` (not 500, not a
 * reset connection, not a stream cut without its error event), no chat claim is left held,
 * and /.status and search answer again afterwards.
 *
 * The file runs its own embedded Postgres, so that it can restart it without touching the
 * test run's shared one. TEST_FAILOVER_CONNECTIONS sets the number of concurrent clients
 * (default 8; the measurement in docs/operations.md used 20).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import pg from "pg";
import { migrateJobQueue } from "../../src/jobs/job-queue.js";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../../src/platform/db/embedded-postgres.js";
import { migrate } from "../../src/platform/db/migrator.js";
import { createLogger } from "../../src/platform/logging.js";
import { eventually } from "../harness/eventually.js";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, headersFor, signUp } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CONNECTIONS = Math.min(50, Math.max(1, Number(process.env.TEST_FAILOVER_CONNECTIONS) || 8));
const DATABASE = "ctxpipe_failover";

/** How each request of the load ended. */
type Outcome = "ok" | "unavailable" | "rate_limited" | "error" | "reset";
type Kind = "search" | "file" | "mcp" | "advisor" | "chat";

describe("database failover", () => {
  let dir: string;
  let cluster: EmbeddedPostgres;
  let app: TestApp;
  let slug: string;
  let repositoryId: string;
  let key: string;
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);

  before(async () => {
    process.on("uncaughtException", onUncaught);
    process.on("unhandledRejection", onUncaught);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-failover-"));
    await fs.chmod(dir, 0o755);
    const logger = createLogger("silent");
    cluster = await startEmbeddedPostgres({ clusterDir: path.join(dir, "postgres"), password: "test", logger, database: DATABASE, unsafeFast: true });
    const pool = new pg.Pool({ connectionString: cluster.url, max: 1 });
    await migrate(pool, logger);
    await pool.end();
    await migrateJobQueue(cluster.url, logger);
    const db = { name: DATABASE, url: cluster.url, adminUrl: cluster.adminUrl, drop: async () => {} };
    app = await startTestApp({
      db,
      env: {
        CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true",
        DATABASE_POOL_SIZE: "10",
        // Every client of the load is one caller of one organisation: let them all in at once.
        CTXPIPE_SEARCH_SLOTS: String(CONNECTIONS),
        CTXPIPE_SEARCH_SLOTS_PER_ORG: String(CONNECTIONS),
        CTXPIPE_SEARCH_SLOTS_PER_CALLER: String(CONNECTIONS),
        CTXPIPE_SEARCH_QUEUE_MS: "10000",
      },
    });
    const repoDir = await createTestRepo(dir, "shop", {
      "src/app.py": "def create_app():\n    return App()\n\nclass App:\n    pass\n",
      "src/discount.ts": "export function applyDiscount(price: number) {\n  return price * 0.9;\n}\n",
    });
    const owner = await signUp(app);
    slug = (await createOrgAs(app, owner)).slug;
    const added = await call(app, "POST", `/api/v1/orgs/${slug}/repositories`, { as: owner, body: { url: repoDir, name: "shop" } });
    assert.equal(added.status, 201, added.text);
    repositoryId = added.json.id;
    assert.equal((await waitForRepository(app, owner, slug, repositoryId)).status, "ready");
    key = (await call(app, "POST", `/api/v1/orgs/${slug}/api-keys`, { as: owner, body: { name: "load" } })).json.key;
  });
  after(async () => {
    await app?.stop();
    await cluster?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
    process.removeListener("uncaughtException", onUncaught);
    process.removeListener("unhandledRejection", onUncaught);
  });

  /** One request of the load, classified. */
  async function once(kind: Kind): Promise<Outcome> {
    const base = `${app.url}/api/v1/orgs/${slug}`;
    const as = { apiKey: key };
    const signal = AbortSignal.timeout(20_000);
    let res: Response;
    try {
      if (kind === "search") res = await fetch(`${base}/search?q=applyDiscount`, { headers: headersFor({ as }), signal });
      else if (kind === "file") res = await fetch(`${base}/repositories/${repositoryId}/file?path=src/app.py`, { headers: headersFor({ as }), signal });
      else if (kind === "mcp") {
        res = await fetch(`${app.url}/mcp?orgSlug=${slug}`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "search_code", arguments: { query: "App" } } }),
          signal,
        });
      } else if (kind === "advisor") {
        // With a progress token ctx_advisor answers with a stream of its progress and result.
        res = await fetch(`${app.url}/mcp?orgSlug=${slug}`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 2,
            method: "tools/call",
            params: { name: "ctx_advisor", arguments: { prompt: "Where is applyDiscount?" }, _meta: { progressToken: "p" } },
          }),
          signal,
        });
      } else {
        res = await fetch(`${base}/chat/conversations`, {
          method: "POST",
          headers: { ...headersFor({ as, body: {} }), accept: "text/event-stream" },
          body: JSON.stringify({ prompt: "Where is applyDiscount?" }),
          signal,
        });
      }
      const body = await res.text();
      if (res.status === 503) return "unavailable";
      if (res.status === 429) return "rate_limited";
      if (res.status !== 200) return "error";
      if (kind === "mcp" || kind === "advisor") {
        // JSON, or the stream's last message: the call's result (a stream without one was cut).
        const message = kind === "mcp" ? body : [...body.matchAll(/^data: (.*)$/gm)].map((m) => m[1]!).find((d) => d.includes('"result"'));
        if (message === undefined) return "reset";
        const result = (JSON.parse(message) as { result?: { isError?: boolean; content: { text: string }[] } }).result;
        if (!result) return "error";
        if (!result.isError) return "ok";
        return /database is unavailable/.test(result.content[0]?.text ?? "") ? "unavailable" : "error";
      }
      if (kind === "chat") {
        // The stream's last event: the answer, or an error saying why (a stream that just stops is a reset).
        const events = [...body.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((m) => ({ event: m[1], data: JSON.parse(m[2]!) }));
        const last = events.at(-1);
        if (last?.event === "answer") return "ok";
        if (last?.event === "error") return last.data.error.code === "unavailable" ? "unavailable" : "error";
        return "reset";
      }
      return "ok";
    } catch {
      // A connection reset, a body cut short, or no answer within the bound.
      return "reset";
    }
  }

  it("survives terminated backends and a restart under load, answering 503 meanwhile", async (t) => {
    const counts = new Map<string, number>();
    const count = (kind: Kind, outcome: Outcome) => counts.set(`${kind} ${outcome}`, (counts.get(`${kind} ${outcome}`) ?? 0) + 1);
    const total = (outcome: Outcome) => [...counts].filter(([k]) => k.endsWith(` ${outcome}`)).reduce((n, [, v]) => n + v, 0);
    let loading = true;
    const kinds: Kind[] = ["search", "file", "mcp", "advisor", "chat"];
    const clients = Array.from({ length: CONNECTIONS }, async (_, i) => {
      // Bounded: at most 2,000 requests per client, though the load stops long before.
      for (let n = i; loading && n < i + 2_000; n++) {
        const kind = kinds[n % kinds.length]!;
        count(kind, await once(kind));
      }
    });

    const admin = new pg.Client({ connectionString: cluster.adminUrl });
    admin.on("error", () => {});
    await admin.connect();
    let terminated = 0;
    try {
      // Not a wait for a condition: the load runs a while before and between the terminations.
      await sleep(1_000);
      // Five of the app's backends, one at a time, busy ones (in a statement or a transaction) first.
      for (let i = 0; i < 20 && terminated < 5; i++) {
        const { rows } = await admin.query<{ ok: boolean }>(
          `select pg_terminate_backend(pid) as ok from pg_stat_activity
            where datname = $1 and pid <> pg_backend_pid() and backend_type = 'client backend'
            order by (state <> 'idle') desc, random() limit 1`,
          [DATABASE],
        );
        if (rows[0]?.ok) terminated++;
        await sleep(300);
      }
    } finally {
      await admin.end();
    }
    assert.equal(terminated, 5);

    // A restart: every backend ends with 57P01, and connections are refused until it is back.
    await restartPostgres(path.join(dir, "postgres"));
    const back = Date.now();
    let statusOk: number | undefined;
    let searchOk: number | undefined;
    for (let i = 0; i < 300 && (statusOk === undefined || searchOk === undefined); i++) {
      if (statusOk === undefined) {
        const status = await fetch(`${app.url}/.status`).then((r) => r.json() as Promise<{ status: string }>);
        if (status.status === "ok") statusOk = Date.now() - back;
      }
      if (searchOk === undefined && (await once("search")) === "ok") searchOk = Date.now() - back;
      await sleep(100);
    }
    // The load goes on a second after the recovery, then stops.
    await sleep(1_000);
    loading = false;
    await Promise.all(clients);

    t.diagnostic(`${CONNECTIONS} clients: ${JSON.stringify(Object.fromEntries([...counts].sort()))}`);
    t.diagnostic(`after the restart: /.status ok in ${statusOk} ms, first search ok in ${searchOk} ms`);
    assert.deepEqual(uncaught, []);
    assert.ok(statusOk !== undefined, "/.status did not come back to ok");
    assert.ok(searchOk !== undefined, "search did not answer again");
    assert.equal(total("error"), 0, "a failed request answered something else than 503");
    assert.equal(total("reset"), 0, "a request got a reset connection or a cut stream");
    assert.ok(total("ok") > 0);

    // Every answer that failed gives its conversation back, once the database is there again
    // (the app retries for a few seconds): none is left claimed.
    const probe = new pg.Client({ connectionString: cluster.url });
    probe.on("error", () => {});
    await probe.connect();
    try {
      await eventually(
        async () => {
          const { rows } = await probe.query<{ n: number }>("select count(*)::int as n from chat_conversations where answering_until > now()");
          assert.equal(rows[0]!.n, 0);
        },
        { timeoutMs: 15_000, intervalMs: 200, message: "every conversation is given back" },
      );
    } finally {
      await probe.end();
    }
  });
});

/** Restarts the cluster with its own pg_ctl (as the `postgres` user when the tests run as root), keeping its port. */
async function restartPostgres(clusterDir: string): Promise<void> {
  const bins = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { pg_ctl: string };
  const runAs: { uid?: number; gid?: number } = {};
  if (process.getuid?.() === 0) {
    runAs.uid = Number.parseInt((await run("id", ["-u", "postgres"])).stdout, 10);
    runAs.gid = Number.parseInt((await run("id", ["-g", "postgres"])).stdout, 10);
  }
  await run(bins.pg_ctl, ["restart", "-D", clusterDir, "-m", "fast", "-w", "-t", "60", "-l", path.join(clusterDir, "server.log")], {
    ...runAs,
    env: { PATH: process.env.PATH ?? "", LC_MESSAGES: "C" },
  });
}
