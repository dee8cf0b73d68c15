/**
 * `npm run bench:search`: the reproducible code-search benchmark (see bench/README.md).
 *
 * 1. Corpus: pinned npm packages → bench-corpus/repo (corpus.ts).
 * 2. Pipeline: embedded Postgres, `ctxpipe serve` as a child; a user, an organisation, an API
 *    key and the repository through the REST API; time to ready, throughput, peak RSS, CPU,
 *    index size (pipeline.ts).
 * 3. Queries: each through REST, through ripgrep over the same files (queries.ts) and through
 *    csearch over a codesearch index of those files (csearch.ts, csearch-query.ts).
 * 4. Incremental: one changed file, POST reindex, time until search finds the new string.
 * Results go to bench-corpus/results/ (JSON and Markdown) and stdout.
 *
 * Options: --runs N (measured runs per query, default 10), --no-explain, --profile-index
 * (second, in-process index run split into git / symbols / SQL), --cpu-prof (V8 profile of
 * the server process), --corpus-only, --index-only (full index run and index size only: no
 * queries, no incremental run), --smoke (the whole path once over packages npm ci installed, in a temporary folder), --keep
 * (leave the database running after the run, for psql, until SIGTERM or SIGINT),
 * --posting-model (after the run: the trigram posting-list model of ADR 007, posting-model.ts),
 * --content-index pg_trgm|postings (CTXPIPE_SEARCH_CONTENT_INDEX of the server), --drop-trgm
 * (drop the pg_trgm index over chunk text before indexing: the run's cost without it; only with
 * --content-index postings), --compare-content-index (after the queries, restart the server
 * with the other content index and run them again, rg included: both in one run, in
 * results/content-index-<time>.json; only with --content-index postings, whose server writes the
 * lists while indexing).
 * --corpus small|large (large: about ten times the indexed source, bench-corpus/large/, corpus-large.ts).
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { parseArgs, promisify } from "node:util";
import { BASE_TAG, CORPUS_NAMES, type CorpusName, corpusRoot, gitCommitEnv, LARGE_CORPUS, prepareCorpus, SMOKE_CORPUS } from "./corpus.js";
import { buildCsearchIndex, codesearchInstalled, csearchOnce } from "./csearch.js";
import { csearchCommand, translateToCsearch } from "./csearch-query.js";
import {
  ApiClient,
  cpuOf,
  indexSize,
  makeWorkDir,
  memoryOf,
  postgresCpu,
  REPO_ROOT,
  sleep,
  startDatabase,
  startServe,
  type BenchDatabase,
  type ServeProcess,
  waitDatabaseQuiet,
} from "./pipeline.js";
import { postingModelMarkdown, runPostingModel } from "./posting-model.js";
import { explainSearch, profileIndex, summariseCpuProfile } from "./profile.js";
import { QUERIES, rgOnce, searchOnce, summarise, type RgSpec } from "./queries.js";
import {
  type BenchResults,
  type CorpusComparison,
  type CsearchBaseline,
  type CsearchQueryResult,
  describeMachine,
  type QueryResult,
  targets,
  toMarkdown,
} from "./report.js";

const execFileAsync = promisify(execFile);
const { values: opts } = parseArgs({
  options: {
    runs: { type: "string" },
    "no-explain": { type: "boolean", default: false },
    "profile-index": { type: "boolean", default: false },
    "cpu-prof": { type: "boolean", default: false },
    "corpus-only": { type: "boolean", default: false },
    "index-only": { type: "boolean", default: false },
    smoke: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    "posting-model": { type: "boolean", default: false },
    "content-index": { type: "string", default: "pg_trgm" },
    "drop-trgm": { type: "boolean", default: false },
    "compare-content-index": { type: "boolean", default: false },
    corpus: { type: "string", default: "small" },
  },
});
if (!["pg_trgm", "postings"].includes(opts["content-index"]!)) throw new Error("--content-index is pg_trgm or postings");
if (opts["drop-trgm"] && opts["content-index"] !== "postings") throw new Error("--drop-trgm needs --content-index postings");
if (opts["drop-trgm"] && opts["compare-content-index"]) throw new Error("--compare-content-index needs the pg_trgm index: not with --drop-trgm");
// The lists are written only by a server set to `postings` (content-writer.ts): a comparison indexes with it.
if (opts["compare-content-index"] && opts["content-index"] !== "postings")
  throw new Error("--compare-content-index indexes with the lists: use it with --content-index postings");
if (!(CORPUS_NAMES as readonly string[]).includes(opts.corpus)) throw new Error(`--corpus takes ${CORPUS_NAMES.join(" or ")}, not ${opts.corpus}`);
const CORPUS_NAME = opts.corpus as CorpusName;
const RUNS = Math.max(1, Number.parseInt(opts.runs ?? (opts.smoke ? "1" : "10"), 10) || 10);
const SLUG = "bench";
const CORPUS = await corpusRoot(opts.smoke, CORPUS_NAME);
const RESULTS = path.join(CORPUS, "results");
const INCREMENTAL_FILE = opts.smoke ? "packages/pino/pino.js" : "packages/lodash/chunk.js";

const t0 = Date.now();
const log = (line: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);
const seconds = (from: number, to: number) => (to - from) / 1000;

function rgCommand(spec: RgSpec): string {
  const flags = [
    "rg --no-ignore --hidden --count",
    spec.fixed ? "-F" : "",
    spec.ignoreCase ? "-i" : "",
    ...(spec.iglobs ?? []).map((g) => `--iglob '${g}'`),
    spec.type ? `-t ${spec.type}` : "",
  ];
  const base = flags.filter(Boolean).join(" ");
  if (spec.patterns.length === 1) return `${base} -e '${spec.patterns[0]}' .`;
  return `${base.replace("--count", "-l")} -e '${spec.patterns[0]}' . | xargs ${base} -e '${spec.patterns.slice(1).join("' then -e '")}'`;
}

/** Repository status as the API reports it. */
interface RepoView {
  id: string;
  status: string;
  step: { key: string } | null;
  fileCount: number;
  byteCount: number;
  languages: Record<string, number>;
  skipped: Record<string, number>;
  error: string | null;
}

/** Polls a repository until it is ready; records when it started running and each step. */
async function waitForRun(api: ApiClient, repoId: string, requestedAt: number, serve: ServeProcess, onSample?: () => Promise<void>) {
  let runningAt: number | undefined;
  const phases: { key: string; at: number }[] = [];
  for (;;) {
    const repo = await api.call<RepoView>("GET", `/api/v1/orgs/${SLUG}/repositories/${repoId}`);
    const now = Date.now();
    if (repo.status === "running" && runningAt === undefined) runningAt = now;
    const key = repo.step?.key;
    if (key && phases.at(-1)?.key !== key) {
      phases.push({ key, at: now });
      log(`  step ${key}`);
    }
    if (repo.status === "ready" || repo.status === "complete_with_issues") {
      return {
        repo,
        runningAt: runningAt ?? requestedAt,
        readyAt: now,
        phases: phases.map((p, i) => ({ key: p.key, seconds: seconds(p.at, phases[i + 1]?.at ?? now) })),
      };
    }
    if (repo.status === "failed") throw new Error(`index run failed: ${repo.error}; see ${serve.logFile}`);
    await onSample?.();
    await sleep(200);
  }
}

async function indexedLog(logFile: string): Promise<{ blobsRead: number; bytesRead: number; graphMs: number | null } | null> {
  const text = await fs.readFile(logFile, "utf8").catch(() => "");
  for (const line of text.split("\n").reverse()) {
    if (!line.includes('"repository indexed"')) continue;
    try {
      const entry = JSON.parse(line) as { blobsRead: number; bytesRead: number; graphMs?: number };
      return { blobsRead: entry.blobsRead, bytesRead: entry.bytesRead, graphMs: entry.graphMs ?? null };
    } catch {
      return null;
    }
  }
  return null;
}

/** What the knowledge graph's extractors read from the corpus (sources, facts, unreadable files). */
async function graphCounts(db: BenchDatabase): Promise<{ sources: number; facts: number; problems: number }> {
  const { rows } = await db.pool.query<{ sources: number; facts: number; problems: number }>(
    `select (select count(*)::int from graph_sources) as sources, (select count(*)::int from graph_facts) as facts,
            (select count(*)::int from graph_sources where problem is not null) as problems`,
  );
  return rows[0]!;
}

/** Hard links of exactly the indexed files, for ripgrep and cindex; answers their paths and sizes. */
async function mirrorIndexedFiles(db: BenchDatabase, repoDir: string, dest: string): Promise<{ path: string; bytes: number }[]> {
  await fs.rm(dest, { recursive: true, force: true });
  const { rows } = await db.pool.query<{ path: string }>("select path from index_files where valid_to is null order by path");
  const dirs = new Set<string>();
  const files: { path: string; bytes: number }[] = [];
  for (const { path: p } of rows) {
    const target = path.join(dest, p);
    const dir = path.dirname(target);
    if (!dirs.has(dir)) {
      await fs.mkdir(dir, { recursive: true });
      dirs.add(dir);
    }
    await fs.link(path.join(repoDir, p), target);
    files.push({ path: p, bytes: (await fs.stat(target)).size });
  }
  return files;
}

/** csearch's index of the mirrored files (in the run's work folder), or why there is none. */
async function csearchBaseline(
  mirror: string,
  files: { path: string; bytes: number }[],
  workDir: string,
): Promise<{ baseline: CsearchBaseline; indexFile: string | null }> {
  const installed = codesearchInstalled();
  if (!installed.installed) {
    log(`csearch baseline skipped: ${installed.reason}`);
    return { baseline: { missing: installed.reason }, indexFile: null };
  }
  const dir = path.join(workDir, "csearch");
  await fs.mkdir(path.join(dir, "tmp"), { recursive: true });
  log(`cindex over the ${files.length} mirrored files`);
  const { file, ...index } = await buildCsearchIndex(mirror, path.join(dir, "index"), path.join(dir, "tmp"), files);
  log(
    `  cindex ${index.seconds.toFixed(1)} s, index ${(index.bytes / 1e6).toFixed(1)} MB; ${index.files} files indexed, ${index.skipped.byName + index.skipped.byContent} left out (${index.skipped.byName} by name)`,
  );
  return { baseline: { version: installed.version, ...index }, indexFile: file };
}

/** Each run of a query through csearch (1 warm-up + RUNS), or why it has no translation. */
async function csearchQuery(q: string, mirror: string, indexFile: string, rg: { files: number; lines: number }): Promise<CsearchQueryResult> {
  const translated = translateToCsearch(q, mirror);
  if ("na" in translated) return translated;
  await csearchOnce(translated.plan, indexFile);
  const samples = [];
  for (let i = 0; i < RUNS; i++) samples.push(await csearchOnce(translated.plan, indexFile));
  const last = samples.at(-1)!;
  return {
    command: csearchCommand(translated.plan, mirror),
    ...summarise(samples.map((s) => s.ms)),
    files: last.files,
    lines: last.lines,
    agreesWithRg: last.files === rg.files && last.lines === rg.lines,
    notes: translated.plan.notes,
  };
}

async function jobSeconds(db: BenchDatabase): Promise<number | null> {
  try {
    const { rows } = await db.pool.query<{ s: number }>(
      "select extract(epoch from completed_on - started_on)::float8 as s from pgboss.job where name = 'repository.sync' and completed_on is not null order by created_on limit 1",
    );
    return rows[0]?.s ?? null;
  } catch {
    return null;
  }
}

/** Each query through REST, through rg over hard links to the indexed files, and through csearch over an index of them. */
async function runQueries(
  api: ApiClient,
  db: BenchDatabase,
  repoDir: string,
  workDir: string,
): Promise<{ queries: QueryResult[]; overall: BenchResults["overall"]; csearch: CsearchBaseline }> {
  const mirror = path.join(CORPUS, "indexed");
  const mirrored = await mirrorIndexedFiles(db, repoDir, mirror);
  const cs = await csearchBaseline(mirror, mirrored, workDir);
  log(`mirrored ${mirrored.length} indexed files for rg and cindex; running ${QUERIES.length} queries × (1 + ${RUNS})`);
  const queries: QueryResult[] = [];
  const pooled: number[] = [];
  for (const query of QUERIES) {
    await searchOnce(api, SLUG, query.q);
    const samples = [];
    for (let i = 0; i < RUNS; i++) samples.push(await searchOnce(api, SLUG, query.q));
    await rgOnce(query.rg, mirror);
    const rgSamples = [];
    for (let i = 0; i < RUNS; i++) rgSamples.push(await rgOnce(query.rg, mirror));
    const c = summarise(samples.map((s) => s.ms));
    const g = summarise(rgSamples.map((s) => s.ms));
    pooled.push(...samples.map((s) => s.ms));
    const last = samples.at(-1)!;
    const rgLast = rgSamples.at(-1)!;
    const csearch = cs.indexFile ? await csearchQuery(query.q, mirror, cs.indexFile, rgLast) : null;
    const csearchRatio = csearch && !("na" in csearch) ? csearch.median / c.median : null;
    queries.push({
      id: query.id,
      what: query.what,
      q: query.q,
      rgCommand: rgCommand(query.rg),
      ctxpipe: {
        ...c,
        serverMedian: summarise(samples.map((s) => s.serverMs)).median,
        matchedFiles: last.matchedFiles,
        returned: last.returned,
        partial: last.partial ? (last.partialReason ?? "yes") : null,
      },
      rg: { ...g, files: rgLast.files, lines: rgLast.lines },
      speedup: g.median / c.median,
      csearch,
      csearchRatio,
    });
    const csText = !csearch
      ? ""
      : "na" in csearch
        ? ", csearch n/a"
        : `, csearch ${csearch.median.toFixed(1)} ms ×${csearchRatio!.toFixed(2)} (files ${csearch.files}${csearch.agreesWithRg ? "" : ` ≠ rg's; lines ${csearch.lines} / ${rgLast.lines}`})`;
    log(
      `  ${query.id.padEnd(13)} ctxpipe ${c.median.toFixed(1)} ms (p95 ${c.p95.toFixed(1)}), rg ${g.median.toFixed(1)} ms, ×${(g.median / c.median).toFixed(2)}${csText}, files ${last.matchedFiles}${last.partial ? ` partial:${last.partialReason}` : ""} / ${rgLast.files}`,
    );
  }
  const overall = summarise(pooled);
  return { queries, overall: { p50: overall.median, p95: overall.p95, samples: overall.n }, csearch: cs.baseline };
}

/** One changed file, POST reindex, and how long until search finds the new string. */
async function runIncremental(api: ApiClient, repoId: string, repoDir: string, serve: ServeProcess): Promise<NonNullable<BenchResults["incremental"]>> {
  log("incremental: one changed file");
  const token = `ctxpipeBench${randomBytes(6).toString("hex")}`;
  const file = path.join(repoDir, INCREMENTAL_FILE);
  const content = await fs.readFile(file, "utf8");
  await fs.writeFile(`${file}.tmp`, `${content}\n// ${token}\n`);
  await fs.rename(`${file}.tmp`, file); // a new inode: the hard-linked copy in src/ stays as it was
  const env = gitCommitEnv("2026-01-02T00:00:00Z");
  await execFileAsync("git", ["add", INCREMENTAL_FILE], { cwd: repoDir, env });
  await execFileAsync("git", ["commit", "-q", "--no-verify", "-m", "bench: incremental change"], { cwd: repoDir, env });
  const reindexAt = Date.now();
  await api.call("POST", `/api/v1/orgs/${SLUG}/repositories/${repoId}/reindex`, undefined, 202);
  let foundAt: number | undefined;
  let foundSearchStartedAt: number | undefined;
  let searches = 0;
  const finder = (async () => {
    while (foundAt === undefined && Date.now() - reindexAt < 600_000) {
      const startedSearch = Date.now();
      const r = await searchOnce(api, SLUG, token);
      searches++;
      if (r.returned > 0) {
        foundAt = Date.now();
        foundSearchStartedAt = startedSearch;
      } else await sleep(50);
    }
  })();
  const rerun = await waitForRun(api, repoId, reindexAt, serve);
  await finder;
  const incremental = {
    file: INCREMENTAL_FILE,
    requestToSearchableSeconds: seconds(reindexAt, foundAt ?? Date.now()),
    requestToRunningSeconds: seconds(reindexAt, rerun.runningAt),
    runSeconds: seconds(rerun.runningAt, rerun.readyAt),
    requestToReadySeconds: seconds(reindexAt, rerun.readyAt),
    foundBySearchStartedAfterSeconds: seconds(reindexAt, foundSearchStartedAt ?? Date.now()),
    searches,
    phases: rerun.phases,
  };
  log(`  searchable after ${incremental.requestToSearchableSeconds.toFixed(2)} s (job ran ${incremental.runSeconds.toFixed(2)} s)`);
  await execFileAsync("git", ["reset", "-q", "--hard", BASE_TAG], { cwd: repoDir, env });
  return incremental;
}

/** The large corpus' p50 against the small one's: this run and the other corpus' latest results. */
async function compareCorpora(results: BenchResults): Promise<CorpusComparison | null> {
  const other: CorpusName = CORPUS_NAME === "large" ? "small" : "large";
  const file = path.join(await corpusRoot(false, other), "results", "latest.json");
  let previous: BenchResults;
  try {
    previous = JSON.parse(await fs.readFile(file, "utf8")) as BenchResults;
  } catch {
    return null; // that corpus has not run here yet
  }
  if ((previous.corpusName ?? "small") !== other || !(previous.overall?.p50 > 0)) return null;
  const side = (r: BenchResults) => ({ p50: r.overall.p50, p95: r.overall.p95, startedAt: r.startedAt, indexedBytes: r.indexing.indexedBytes });
  const [small, large] = other === "small" ? [side(previous), side(results)] : [side(results), side(previous)];
  return { small, large, p50Ratio: large.p50 / small.p50 };
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const machine = await describeMachine();
  log(`machine: ${machine.cpus} × ${machine.cpuModel}, node ${machine.node}`);
  const installed = codesearchInstalled();
  machine.codesearch = installed.installed ? installed.version : `not installed (${installed.reason})`;
  const { paths, stats } = await prepareCorpus(CORPUS, log, opts.smoke ? SMOKE_CORPUS : CORPUS_NAME === "large" ? LARGE_CORPUS : {});
  log(
    `corpus ${CORPUS_NAME}: ${stats.files} files, ${(stats.bytes / 1e6).toFixed(1)} MB (${(stats.textBytes / 1e6).toFixed(1)} MB text; ~${(stats.expectedIndexable.bytes / 1e6).toFixed(1)} MB indexable); prepared in ${Object.entries(
      stats.prepareSeconds,
    )
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(", ")}`,
  );
  if (opts["corpus-only"]) {
    for (const p of stats.perPackage)
      log(
        `  ${`${p.name}@${p.version}`.padEnd(48)} ${(p.bytes / 1e6).toFixed(1).padStart(7)} MB, ~${(p.expectedIndexableBytes / 1e6).toFixed(1).padStart(6)} MB indexable`,
      );
    return;
  }

  await fs.mkdir(RESULTS, { recursive: true });
  const stamp = startedAt.replace(/[:.]/g, "-");
  const workDir = await makeWorkDir();
  let db: BenchDatabase | undefined;
  let serve: ServeProcess | undefined;
  const cleanup = async () => {
    await serve?.stop().catch(() => {});
    await db?.stop().catch(() => {});
    await fs.rm(workDir, { recursive: true, force: true });
  };
  process.once("SIGINT", () => void cleanup().finally(() => process.exit(130)));
  try {
    log("starting Postgres and migrating");
    db = await startDatabase(workDir);
    machine.postgres = (await db.pool.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]!.v;
    const cpuProfDir = path.join(RESULTS, `cpuprof-${stamp}`);
    serve = await startServe({
      databaseUrl: db.url,
      dataDir: path.join(workDir, "data"),
      localRepositoriesRoot: CORPUS,
      logFile: path.join(RESULTS, `serve-${stamp}.log`),
      nodeArgs: opts["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfDir}`] : undefined,
      env: {
        CTXPIPE_SEARCH_CONTENT_INDEX: opts["content-index"]!,
        // The large corpus' clone is over the default limit of 4 GiB.
        ...(CORPUS_NAME === "large" ? { CTXPIPE_MAX_REPOSITORY_BYTES: String(64 * 1024 ** 3) } : {}),
      },
    });
    if (opts["drop-trgm"]) await db.pool.query("drop index index_chunks_content_trgm_idx");
    log(`content index: ${opts["content-index"]}${opts["drop-trgm"] ? " (pg_trgm index over chunks dropped)" : ""}`);
    log(`ctxpipe serve running (pid ${serve.pid}) at ${serve.baseUrl}`);
    let api = new ApiClient(serve.baseUrl);
    await api.setUp(SLUG);
    const orgId = (await db.pool.query<{ id: string }>("select id from orgs where slug = $1", [SLUG])).rows[0]!.id;

    // ---- full index -------------------------------------------------------------------
    const baseline = await memoryOf(serve.pid);
    const cpuBefore = { serve: await cpuOf(serve.pid), pg: await postgresCpu(db.clusterDir) };
    log("adding the repository (full index)");
    const requestedAt = Date.now();
    const added = await api.call<RepoView>("POST", `/api/v1/orgs/${SLUG}/repositories`, { url: paths.repo, name: "corpus" }, 201);
    const run = await waitForRun(api, added.id, requestedAt, serve);
    const peak = await memoryOf(serve.pid);
    const cpuAfter = { serve: await cpuOf(serve.pid), pg: await postgresCpu(db.clusterDir) };
    const runSeconds = seconds(run.runningAt, run.readyAt);
    log(
      `indexed ${run.repo.fileCount} files, ${(run.repo.byteCount / 1e6).toFixed(1)} MB in ${runSeconds.toFixed(1)} s; peak RSS ${(peak.peakRss / 1e6).toFixed(0)} MB`,
    );
    const read = await indexedLog(serve.logFile);

    const graph = await graphCounts(db);
    const afterRun = await indexSize(db.pool);
    log("VACUUM ANALYZE of the index tables");
    const vacuumStart = Date.now();
    await db.pool.query("vacuum (analyze) index_chunks, index_files, index_symbols, index_symbol_blobs, index_trigram_segments, index_trigram_postings");
    const vacuumSeconds = seconds(vacuumStart, Date.now());
    const afterVacuum = await indexSize(db.pool);

    let queries: QueryResult[] = [];
    let overall = { p50: Number.NaN, p95: Number.NaN, samples: 0 };
    let explain: BenchResults["explain"];
    let incremental: BenchResults["incremental"] = null;
    let csearch: CsearchBaseline | undefined;
    if (!opts["index-only"]) {
      if (!opts.smoke) log(`database quiet after ${(await waitDatabaseQuiet(db)).toFixed(0)} s`);
      ({ queries, overall, csearch } = await runQueries(api, db, paths.repo, workDir));
      if (opts["compare-content-index"]) {
        const first = opts["content-index"]!;
        const other = first === "postings" ? "pg_trgm" : "postings";
        await serve.stop();
        serve = await startServe({
          databaseUrl: db.url,
          dataDir: path.join(workDir, "data"),
          localRepositoriesRoot: CORPUS,
          logFile: path.join(RESULTS, `serve-${stamp}-${other}.log`),
          env: {
            CTXPIPE_SEARCH_CONTENT_INDEX: other,
            ...(CORPUS_NAME === "large" ? { CTXPIPE_MAX_REPOSITORY_BYTES: String(64 * 1024 ** 3) } : {}),
          },
        });
        const key = api.key;
        api = new ApiClient(serve.baseUrl);
        api.useKey(key);
        // The same settling as before the first half: a comparison, not the order, decides.
        log(`database quiet after ${(await waitDatabaseQuiet(db)).toFixed(0)} s; the queries again, content index ${other}`);
        const again = await runQueries(api, db, paths.repo, workDir);
        await fs.writeFile(
          path.join(RESULTS, `content-index-${stamp}.json`),
          `${JSON.stringify({ [first]: { queries, overall }, [other]: again }, null, 2)}\n`,
        );
        log(
          `content index ${first}: p50 ${overall.p50.toFixed(1)} ms, p95 ${overall.p95.toFixed(1)} ms; ${other}: p50 ${again.overall.p50.toFixed(1)} ms, p95 ${again.overall.p95.toFixed(1)} ms`,
        );
      }
      if (!opts["no-explain"]) {
        log("explaining the queries (statement timings and plans)");
        explain = await explainSearch(db.url, orgId, QUERIES, path.join(RESULTS, `explain-${stamp}`));
      }
      incremental = await runIncremental(api, added.id, paths.repo, serve);
    }

    const jobs = await jobSeconds(db);
    await serve.stop();
    serve = undefined;
    let cpuProfile: unknown;
    if (opts["cpu-prof"]) cpuProfile = await summariseCpuProfile(cpuProfDir);

    const results: BenchResults = {
      startedAt,
      durationSeconds: seconds(t0, Date.now()),
      machine,
      corpusName: CORPUS_NAME,
      corpus: {
        packages: stats.perPackage,
        files: stats.files,
        bytes: stats.bytes,
        textFiles: stats.textFiles,
        textBytes: stats.textBytes,
        commit: stats.commit,
        prepareSeconds: stats.prepareSeconds,
      },
      indexing: {
        indexedFiles: run.repo.fileCount,
        indexedBytes: run.repo.byteCount,
        blobsRead: read?.blobsRead ?? null,
        bytesRead: read?.bytesRead ?? null,
        languages: run.repo.languages,
        skipped: run.repo.skipped,
        status: run.repo.status,
        requestToRunningSeconds: seconds(requestedAt, run.runningAt),
        runSeconds,
        requestToReadySeconds: seconds(requestedAt, run.readyAt),
        jobSeconds: jobs,
        phases: run.phases,
        mbPerSecond: run.repo.byteCount / 1e6 / runSeconds,
        peakRssBytes: peak.peakRss,
        baselineRssBytes: baseline.peakRss,
        cpuSeconds: {
          serveProcess: cpuAfter.serve.self - cpuBefore.serve.self,
          gitChildren: cpuAfter.serve.children - cpuBefore.serve.children,
          postgres: cpuAfter.pg - cpuBefore.pg,
        },
        vacuumSeconds,
        graph: {
          extractionSeconds: read?.graphMs != null ? read.graphMs / 1000 : null,
          share: read?.graphMs != null ? read.graphMs / 1000 / runSeconds : null,
          ...graph,
        },
      },
      indexSize: { afterRun, afterVacuum, ratio: afterVacuum.total / run.repo.byteCount, ratioAfterRun: afterRun.total / run.repo.byteCount },
      queries,
      overall,
      csearch,
      comparison: null,
      incremental,
      explain,
      cpuProfile,
    };
    if (!opts.smoke && !opts["index-only"]) results.comparison = await compareCorpora(results);
    const save = async () => {
      await fs.writeFile(path.join(RESULTS, `${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
      await fs.writeFile(path.join(RESULTS, `${stamp}.md`), `${toMarkdown(results)}\n`);
      await fs.copyFile(path.join(RESULTS, `${stamp}.json`), path.join(RESULTS, "latest.json"));
      await fs.copyFile(path.join(RESULTS, `${stamp}.md`), path.join(RESULTS, "latest.md"));
    };
    await save();
    process.stdout.write(`${toMarkdown(results)}\n`);
    if (opts["profile-index"]) {
      // After the results are saved: a diagnostic, it does not change the measured numbers.
      log("profiling a second, in-process index run into a new organisation (git / symbols / SQL)");
      results.indexProfile = await profileIndex(db.url, paths.repo, path.join(workDir, "profile-repos"));
      log(`  ${JSON.stringify(results.indexProfile)}`);
      await save();
    }
    if (opts["posting-model"]) {
      // A diagnostic after the saved results, like --profile-index.
      log("modelling trigram posting lists over the indexed chunks (ADR 007)");
      const model = await runPostingModel(db.url, log);
      await fs.writeFile(path.join(RESULTS, `posting-model-${stamp}.json`), `${JSON.stringify(model, null, 2)}\n`);
      await fs.writeFile(path.join(RESULTS, `posting-model-${stamp}.md`), `${postingModelMarkdown(model)}\n`);
      process.stdout.write(`${postingModelMarkdown(model)}\n`);
    }
    const missed = targets(results).filter((t) => !t.ok).length;
    log(
      `done in ${((Date.now() - t0) / 60000).toFixed(1)} min; ${missed} target(s) missed; results in ${path.relative(REPO_ROOT, RESULTS)}/${stamp}.{json,md}`,
    );
    if (opts.keep) {
      log(`--keep: Postgres stays up until SIGTERM/SIGINT to pid ${process.pid}: psql '${db.url}'`);
      const alive = setInterval(() => {}, 60_000); // signal listeners alone do not keep Node running
      await new Promise<void>((resolve) => {
        process.removeAllListeners("SIGINT");
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      });
      clearInterval(alive);
    }
  } finally {
    await cleanup();
  }
}

await main();
