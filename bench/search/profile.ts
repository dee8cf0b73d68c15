/**
 * Where the time goes, with the server's own code run in the bench process:
 * - `explainSearch`: runs searchCode (search.service.ts) on a Database whose app connections
 *   time every statement and record its EXPLAIN (ANALYZE, BUFFERS) plan.
 * - `profileIndex`: takes the index run's steps (indexer.ts, as the repository.sync job does,
 *   without the knowledge graph) into a fresh organisation with the real clone cache and symbol
 *   extractor, timing git, symbol extraction and each kind of SQL statement.
 * Both are diagnostics; the headline numbers come from the REST runs in run.ts.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import {
  collectIndexRun,
  planIndexRun,
  sealGeneration,
  stageGeneration,
  withIndexRun,
  writeIndexContent,
  type IndexSource,
} from "../../server/src/indexing/index.js";
import { SymbolExtractor } from "../../server/src/indexing/symbols/symbol-extractor.js";
import type { Database } from "../../server/src/platform/db/database.js";
import { GitCache } from "../../server/src/repositories/git/git-cache.js";
import { publishIndexRun, readPublishedIndex } from "../../server/src/repositories/index-publication.js";
import { parseRepoUrl } from "../../server/src/repositories/git/repo-url.js";
import { searchCode } from "../../server/src/search/search.service.js";

/** One timed statement. */
export interface StatementTiming {
  label: string;
  ms: number;
  rows: number;
  plan?: string;
}

/** Names a statement of scan.sql.ts, symbols.sql.ts / index-writer.ts / indexer.ts by its text. */
function labelOf(sql: string): string {
  const s = sql.replace(/\s+/g, " ").trim().toLowerCase();
  const rules: [RegExp, string][] = [
    [/^(begin|commit|rollback)/, "transaction"],
    [/set_config|statement_timeout|pg_advisory/, "session/locks"],
    [/from repositories/, "searchableRepos / repository row"],
    [/hits as/, "matchingBlobs (content trigram scan)"],
    [/from visible v where .*(~\*|ilike|like|~ )/, "pathMatches"],
    [/from visible v/, "visibleFiles"],
    [/from index_symbols s join visible/, "findSymbols"],
    [/select blob_oid, chunk_no, start_line, content from index_chunks/, "matchingChunks (line fetch)"],
    [/join unnest\(\$2::text\[\], \$3::int\[\]\) as w/, "chunksByNumber"],
    [/from index_symbols where .*lower\(name\)/, "definitionsIn"],
    [/^with new_chunks as \( ?insert into index_chunks/, "insert content (index_chunks + index_symbols + index_symbol_blobs)"],
    [/^insert into index_chunks/, "insert index_chunks"],
    [/^insert into index_symbol_blobs/, "insert index_symbol_blobs"],
    [/^insert into index_symbols/, "insert index_symbols"],
    [/^insert into index_files|^update index_files/, "stage index_files"],
    [/^update repositories/, "update repositories"],
    [/^delete from/, "collect garbage"],
    [/from index_files where repository_id = \$1 and valid_to is null/, "live files"],
    [/from index_chunks where org_id = \$1 and blob_oid = any\(\$2::text\[\]\) and chunk_no = 0/, "existing blobs"],
    [/from index_symbol_blobs/, "extracted symbol blobs"],
    [/group by language/, "generation totals"],
  ];
  return rules.find(([re]) => re.test(s))?.[1] ?? s.slice(0, 60);
}

/** Longest a garbage-collection statement may run in the index profile (it can go quadratic). */
const GC_TIMEOUT_MS = 120_000;

/**
 * A pg.Pool stand-in whose clients time (and optionally EXPLAIN) every statement. The
 * garbage-collection deletes always get their plan recorded (EXPLAIN without ANALYZE) and
 * a statement timeout.
 */
function timedPool(pool: pg.Pool, sink: StatementTiming[], explain: boolean): pg.Pool {
  const connect = async () => {
    const client = await pool.connect();
    const query = client.query.bind(client) as (text: string, values?: unknown[]) => Promise<pg.QueryResult>;
    const wrapped = Object.create(client) as pg.PoolClient;
    (wrapped as unknown as { query: unknown }).query = async (text: string, values?: unknown[]) => {
      const label = labelOf(text);
      let plan: string | undefined;
      if (explain && /^\s*(select|with)\b/i.test(text) && label !== "session/locks") {
        const res = await query(`explain (analyze, buffers, format text) ${text}`, values);
        plan = res.rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n");
      }
      if (label === "collect garbage") {
        const res = await query(`explain ${text}`, values);
        plan = res.rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n");
        await query(`set local statement_timeout = ${GC_TIMEOUT_MS}`);
      }
      const started = performance.now();
      try {
        const res = await query(text, values);
        sink.push({ label, ms: performance.now() - started, rows: res.rowCount ?? res.rows?.length ?? 0, ...(plan ? { plan } : {}) });
        return res;
      } catch (err) {
        sink.push({ label: `${label} (failed: ${(err as Error).message})`, ms: performance.now() - started, rows: 0, ...(plan ? { plan } : {}) });
        throw err;
      }
    };
    wrapped.release = (err?: Error | boolean) => client.release(err);
    return wrapped;
  };
  return { connect } as unknown as pg.Pool;
}

function databaseFor(url: string, sink: StatementTiming[], explain: boolean): { db: Database; end(): Promise<void> } {
  const app = new pg.Pool({ connectionString: url, max: 2, options: "-c role=ctxpipe_app" });
  const system = new pg.Pool({ connectionString: url, max: 1 });
  const db: Database = { app: timedPool(app, sink, explain), unsafeSystem: system, url, close: async () => {} };
  return { db, end: async () => void (await Promise.all([app.end(), system.end()])) };
}

/** Per-statement timings and plans of one search. */
export interface SearchExplain {
  q: string;
  totalMs: number;
  statements: StatementTiming[];
}

/** Runs each query once through searchCode with timed, explained statements. */
export async function explainSearch(
  databaseUrl: string,
  orgId: string,
  queries: readonly { id: string; q: string }[],
  outDir: string,
): Promise<Record<string, SearchExplain>> {
  await fs.mkdir(outDir, { recursive: true });
  const out: Record<string, SearchExplain> = {};
  for (const { id, q } of queries) {
    const sink: StatementTiming[] = [];
    const { db, end } = databaseFor(databaseUrl, sink, true);
    const started = performance.now();
    await searchCode(db, { orgId }, { query: q, limit: 20, context: 0, budgetMs: 60_000 });
    const totalMs = performance.now() - started;
    await end();
    const statements = sink.filter((s) => s.label !== "transaction" && s.label !== "session/locks");
    out[id] = { q, totalMs, statements: statements.map(({ plan: _plan, ...rest }) => rest) };
    const text = statements.map((s) => `-- ${s.label}: ${s.ms.toFixed(1)} ms, ${s.rows} rows\n${s.plan ?? "(not explained)"}\n`).join("\n");
    await fs.writeFile(path.join(outDir, `${id}.txt`), `query: ${q}\n\n${text}`);
  }
  return out;
}

/** Time spent per part of one index run. */
export interface IndexProfile {
  wallMs: number;
  syncMs: number;
  listTreeMs: number;
  attributesMs: number;
  readBlobsWaitMs: number;
  extractMs: number;
  extractCalls: number;
  sqlMs: Record<string, { ms: number; count: number }>;
  otherMs: number;
  files: number;
  bytes: number;
  /** Highest values of process.memoryUsage() during the run (bytes), sampled every 250 ms. */
  memoryPeaks: { rss: number; heapUsed: number; external: number; arrayBuffers: number };
  /** Set when the run failed (e.g. a garbage-collection statement hit its timeout). */
  failure?: string;
  /** Plans of the garbage-collection statements (EXPLAIN, chosen on the statistics of the moment). */
  gcPlans: string[];
}

/**
 * Indexes `repoPath` once more, in-process, into a new organisation (so no blob is shared with
 * the REST run), and splits the wall time into git, symbol extraction, SQL and the rest.
 */
export async function profileIndex(databaseUrl: string, repoPath: string, cacheRoot: string): Promise<IndexProfile> {
  const owner = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  const org = await owner.query<{ id: string }>("insert into orgs (slug, name) values ('bench-profile', 'Profile') returning id");
  const orgId = org.rows[0]!.id;
  const repo = await owner.query<{ id: string }>("insert into repositories (org_id, name, url, url_kind) values ($1, 'corpus', $2, 'local') returning id", [
    orgId,
    repoPath,
  ]);
  const repositoryId = repo.rows[0]!.id;
  await owner.end();

  const sink: StatementTiming[] = [];
  const { db, end } = databaseFor(databaseUrl, sink, false);
  const cache = new GitCache(cacheRoot, {
    maxRepoBytes: 8 * 1024 ** 3,
    timeoutMs: 900_000,
    allowLocal: true,
    allowedHosts: [],
    localPaths: { localRoot: path.dirname(path.resolve(repoPath)), dataDir: cacheRoot },
  });
  const timers = { listTreeMs: 0, attributesMs: 0, readBlobsWaitMs: 0, extractMs: 0, extractCalls: 0 };
  const time = async <T>(key: "listTreeMs" | "attributesMs", fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      timers[key] += performance.now() - t;
    }
  };
  const memoryPeaks = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    for (const k of Object.keys(memoryPeaks) as (keyof typeof memoryPeaks)[]) memoryPeaks[k] = Math.max(memoryPeaks[k], m[k]);
  };
  const sampler = setInterval(sample, 250);
  const started = performance.now();
  const synced = await cache.sync(repositoryId, parseRepoUrl(repoPath, { allowLocal: true }));
  const syncMs = performance.now() - started;
  const real = await SymbolExtractor.create();
  const extractor = {
    supports: (language: string) => real.supports(language),
    extract: async (language: string, source: string) => {
      const t = performance.now();
      try {
        return await real.extract(language, source);
      } finally {
        timers.extractMs += performance.now() - t;
        timers.extractCalls++;
      }
    },
  } as SymbolExtractor;
  let failure: string | undefined;
  const source: IndexSource = {
    listTree: (commit) => time("listTreeMs", () => cache.listTree(repositoryId, commit)),
    readAttributes: (commit, paths) => time("attributesMs", () => cache.readAttributes(repositoryId, commit, paths)),
    readBlobs: (oids) => ({
      async *[Symbol.asyncIterator]() {
        const it = cache.readBlobs(repositoryId, oids)[Symbol.asyncIterator]();
        for (;;) {
          const t = performance.now();
          const next = await it.next();
          timers.readBlobsWaitMs += performance.now() - t;
          if (next.done) return;
          yield next.value;
        }
      },
    }),
  };
  const target = { orgId, repositoryId };
  let result = { files: 0, bytes: 0 };
  try {
    const indexed = await withIndexRun(db, target, async (tx) => {
      const published = await readPublishedIndex(tx, repositoryId);
      const plan = await planIndexRun(tx, { ...target, commit: synced.commit, source, maxFileBytes: 1024 * 1024, published });
      const staged = await stageGeneration(tx, plan, await writeIndexContent(tx, plan, { source, extractor }));
      const summary = await sealGeneration(tx, staged);
      await publishIndexRun(tx, repositoryId, { ...summary, branch: synced.branch });
      return { staged, summary };
    });
    result = indexed.summary;
    await collectIndexRun(db, indexed.staged);
  } catch (err) {
    // The publish is committed before garbage collection; a timed-out collection is reported.
    failure = (err as Error).message;
  }
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  sample();
  await end();
  const sqlMs: Record<string, { ms: number; count: number }> = {};
  for (const s of sink) {
    const e = (sqlMs[s.label.replace(/ \(failed:.*$/, " (failed)")] ??= { ms: 0, count: 0 });
    e.ms += s.ms;
    e.count++;
  }
  const sqlTotal = Object.values(sqlMs).reduce((a, e) => a + e.ms, 0);
  const accounted = syncMs + timers.listTreeMs + timers.attributesMs + timers.readBlobsWaitMs + timers.extractMs + sqlTotal;
  return {
    wallMs,
    syncMs,
    ...timers,
    sqlMs,
    otherMs: Math.max(0, wallMs - accounted),
    files: result.files,
    bytes: result.bytes,
    memoryPeaks,
    ...(failure ? { failure } : {}),
    gcPlans: sink.filter((s) => s.label.startsWith("collect garbage") && s.plan).map((s) => `${s.label}: ${s.ms.toFixed(0)} ms\n${s.plan}`),
  };
}

/** Self CPU time of the server process by area, from the V8 profile written at its exit. */
export async function summariseCpuProfile(
  dir: string,
): Promise<{ file: string; totalMs: number; areas: { area: string; ms: number; share: number }[] } | null> {
  const files = (await fs.readdir(dir).catch(() => [])).filter((f) => f.endsWith(".cpuprofile"));
  if (files.length === 0) return null;
  // The main thread's profile (thread 0); the others are pino's workers (and esbuild's, when a source was not cached).
  const file = path.join(dir, files.find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)) ?? files.sort().at(0)!);
  const profile = JSON.parse(await fs.readFile(file, "utf8")) as {
    nodes: { id: number; callFrame: { functionName: string; url: string } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const areaOf = (frame: { functionName: string; url: string }): string => {
    const url = frame.url;
    if (frame.functionName === "(idle)") return "idle";
    if (frame.functionName === "(garbage collector)") return "garbage collector";
    if (frame.functionName === "(program)") return "(program: native, wasm without frames)";
    if (url.includes("web-tree-sitter") || url.startsWith("wasm://")) return "tree-sitter (parse + query)";
    if (url.includes("/server/src/indexing/symbols/")) return "symbol extractor (JS side)";
    if (url.includes("/server/src/indexing/chunker")) return "chunker";
    if (url.includes("/server/src/indexing/languages/")) return "file triage (binary/generated)";
    if (url.includes("/server/src/indexing/")) return "indexer / index writer";
    if (url.includes("/server/src/repositories/git/")) return "git cache (blob stream parsing)";
    if (url.includes("/node_modules/pg") && !url.includes("pg-boss")) return "pg driver (protocol, serialisation)";
    if (url.includes("pg-boss")) return "pg-boss";
    if (url.includes("/server/src/search/")) return "search service";
    if (url.startsWith("node:")) return "node internals (streams, buffers, net)";
    if (url === "") return `native: ${frame.functionName || "(anonymous)"}`;
    return url.includes("/node_modules/") ? `node_modules/${url.split("/node_modules/").at(-1)!.split("/")[0]}` : "other";
  };
  const ms = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const area = areaOf(byId.get(id) ?? { functionName: "", url: "" });
    ms.set(area, (ms.get(area) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const busy = [...ms].filter(([a]) => a !== "idle").reduce((s, [, v]) => s + v, 0);
  const areas = [...ms].map(([area, v]) => ({ area, ms: Math.round(v), share: area === "idle" ? 0 : v / busy })).sort((a, b) => b.ms - a.ms);
  return { file, totalMs: Math.round(busy), areas };
}
