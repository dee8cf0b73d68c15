/**
 * `npm run bench:ops`: what the operations features cost, each beside its baseline in the
 * same run, on the search benchmark's corpus (bench-corpus; --smoke for the small one):
 * - backup: `ctxpipe backup` of the indexed instance, its time and size, against the
 *   database's own size (pg_database_size) and the size of the index it leaves out;
 * - restore: `ctxpipe restore` into an empty database, then the time until the re-indexed
 *   repository answers the same search, against the first index run's time;
 * - tracing: search latency with OpenTelemetry exporting every span to a local receiver,
 *   against the same searches with telemetry off, on the same database.
 * Results go to bench-corpus/results/ops-latest.md and stdout.
 *
 * Options: --smoke (packages npm ci installed, 2 runs), --runs N (searches per query and side, default 10).
 */
import fs from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { corpusRoot, prepareCorpus, SMOKE_CORPUS } from "../search/corpus.js";
import { ApiClient, makeWorkDir, runCli, type ServeProcess, sleep, startDatabase, startServe } from "../search/pipeline.js";

const { values: opts } = parseArgs({ options: { smoke: { type: "boolean", default: false }, runs: { type: "string" } } });
const RUNS = Math.max(1, Number.parseInt(opts.runs ?? (opts.smoke ? "2" : "10"), 10) || 10);
const SLUG = "bench";
const CORPUS = await corpusRoot(opts.smoke);
const QUERIES = ["getBoundingClientRect", "useState useEffect", "sym:createRoot", "/^import .* from 'react'/"];
const SECRET = { AUTH_SECRET: "bench-secret-bench-secret-bench-secret-0123", CONNECTION_SECRETS_ENCRYPTION_KEY: "0f".repeat(32) };
const t0 = Date.now();
const log = (line: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}
const mb = (bytes: number) => (bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(0)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`);
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function waitReady(api: ApiClient, id: string): Promise<void> {
  for (;;) {
    const view = await api.call<{ status: string; error: string | null }>("GET", `/api/v1/orgs/${SLUG}/repositories/${id}`);
    if (view.status === "ready" || view.status === "complete_with_issues") return;
    if (view.status === "failed") throw new Error(`indexing failed: ${view.error}`);
    await sleep(500);
  }
}

/** Each query RUNS times (after one warm-up); the latencies in ms. */
async function searchLatencies(api: ApiClient): Promise<{ ms: number[]; totals: string }> {
  const ms: number[] = [];
  const totals: number[] = [];
  for (const q of QUERIES) {
    await api.call("GET", `/api/v1/orgs/${SLUG}/search?q=${encodeURIComponent(q)}`);
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      const res = await api.call<{ stats: { matchedFiles: number } }>("GET", `/api/v1/orgs/${SLUG}/search?q=${encodeURIComponent(q)}`);
      ms.push(performance.now() - started);
      if (i === 0) totals.push(res.stats.matchedFiles);
    }
  }
  return { ms, totals: totals.join(",") };
}

/** An OTLP/HTTP receiver that accepts and counts spans. */
async function nullReceiver(): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  let requests = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      requests++;
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function main(): Promise<void> {
  const { paths, stats } = await prepareCorpus(CORPUS, log, opts.smoke ? SMOKE_CORPUS : {});
  const workDir = await makeWorkDir();
  const db = await startDatabase(workDir);
  let serve: ServeProcess | undefined;
  const receiver = await nullReceiver();
  const lines: string[] = [];
  try {
    serve = await startServe({
      databaseUrl: db.url,
      dataDir: path.join(workDir, "data"),
      localRepositoriesRoot: CORPUS,
      logFile: path.join(workDir, "serve.log"),
      env: SECRET,
    });
    const api = new ApiClient(serve.baseUrl);
    await api.setUp(SLUG);
    const indexStarted = performance.now();
    const repo = await api.call<{ id: string }>("POST", `/api/v1/orgs/${SLUG}/repositories`, { url: paths.repo, name: "corpus" }, 201);
    await waitReady(api, repo.id);
    const firstIndexMs = performance.now() - indexStarted;
    log(`first index ${s(firstIndexMs)}`);
    const before = await searchLatencies(api);

    // Backup, against the database's size.
    const archive = path.join(workDir, "backup.tar.gz");
    const backupStarted = performance.now();
    await runCli(["backup", "--out", archive], { DATABASE_URL: db.url, ...SECRET, LOG_LEVEL: "warn" });
    const backupMs = performance.now() - backupStarted;
    const archiveBytes = (await fs.stat(archive)).size;
    const sizes = await db.pool.query<{ database: string; index: string }>(
      `select pg_database_size(current_database())::text as database,
              (select sum(pg_total_relation_size(c.oid)) from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = 'public' and c.relkind = 'r' and (c.relname like 'index\\_%' or c.relname like 'graph\\_%'))::text as index`,
    );
    const databaseBytes = Number(sizes.rows[0]!.database);
    const indexBytes = Number(sizes.rows[0]!.index);
    log(`backup ${s(backupMs)}, ${mb(archiveBytes)}; database ${mb(databaseBytes)}, index ${mb(indexBytes)}`);
    await serve.stop();
    serve = undefined;

    // Restore into an empty database, then the time until the same search answers.
    const restoredUrl = new URL(await db.createEmpty());
    const restoreStarted = performance.now();
    await runCli(["restore", "--from", archive], { DATABASE_URL: restoredUrl.toString(), ...SECRET, LOG_LEVEL: "warn" });
    const restoreMs = performance.now() - restoreStarted;
    serve = await startServe({
      databaseUrl: restoredUrl.toString(),
      dataDir: path.join(workDir, "data-restored"),
      localRepositoriesRoot: CORPUS,
      logFile: path.join(workDir, "serve-restored.log"),
      env: SECRET,
    });
    const restoredApi = new ApiClient(serve.baseUrl);
    // The same API key: the backup carried it.
    restoredApi.useKey(api.key);
    await waitReady(restoredApi, repo.id);
    const searchableMs = performance.now() - restoreStarted;
    const untraced = await searchLatencies(restoredApi);
    log(`restore ${s(restoreMs)}, searchable again after ${s(searchableMs)}`);
    await serve.stop();

    // The same searches with every span exported.
    serve = await startServe({
      databaseUrl: restoredUrl.toString(),
      dataDir: path.join(workDir, "data-restored"),
      localRepositoriesRoot: CORPUS,
      logFile: path.join(workDir, "serve-traced.log"),
      env: { ...SECRET, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: "1000" },
    });
    const tracedApi = new ApiClient(serve.baseUrl);
    tracedApi.useKey(api.key);
    const traced = await searchLatencies(tracedApi);
    await sleep(1500);

    const same = before.totals === untraced.totals && untraced.totals === traced.totals;
    lines.push(
      `# bench:ops (${new Date().toISOString()})`,
      "",
      `Corpus: ${opts.smoke ? "smoke" : "full"} (${stats.files} files); ${QUERIES.length} queries × ${RUNS} runs per side.`,
      "",
      "| measure | ctxpipe | baseline |",
      "| --- | --- | --- |",
      `| backup (\`ctxpipe backup\`) | ${s(backupMs)}, archive ${mb(archiveBytes)} | database ${mb(databaseBytes)}, of which index and graph ${mb(indexBytes)} (left out) |`,
      `| restore into an empty database (\`ctxpipe restore\`) | ${s(restoreMs)} | |`,
      `| restore until the same search answers (re-index included) | ${s(searchableMs)} | first index run ${s(firstIndexMs)} |`,
      `| search p50 / p95, traced (every span exported) | ${percentile(traced.ms, 50).toFixed(0)} / ${percentile(traced.ms, 95).toFixed(0)} ms | untraced ${percentile(untraced.ms, 50).toFixed(0)} / ${percentile(untraced.ms, 95).toFixed(0)} ms |`,
      "",
      `Same results before the backup, after the restore and traced: ${same ? "yes" : `NO (${before.totals} / ${untraced.totals} / ${traced.totals})`}; OTLP export requests received: ${receiver.requests()}.`,
      "",
    );
    process.stdout.write(`${lines.join("\n")}\n`);
    await fs.mkdir(path.join(CORPUS, "results"), { recursive: true });
    await fs.writeFile(path.join(CORPUS, "results", "ops-latest.md"), lines.join("\n"));
  } finally {
    await serve?.stop();
    await receiver.close();
    await db.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
