/**
 * `npm run bench:load`: can one caller take the server from the others? Starts embedded
 * Postgres and `ctxpipe serve` (default settings), indexes the search benchmark's corpus into
 * several organisations, then runs a closed-loop mixed workload (literal, phrase, regex, lang:,
 * file:, sym:, MCP search_code and read_file) from every organisation, each connection its own
 * API key, for a fixed time: once alone, once while one member of the first organisation
 * floods pathological regexes. A prober reads /.status every 100 ms throughout.
 *
 * Reported per run: throughput, p50/p99 of the other organisations' requests, /.status p99,
 * 5xx and 429 counts. Targets (issue: fair share): while the flood runs, /.status p99 <= 200 ms,
 * other organisations' p99 within 2x of the run without it, and no 5xx.
 *
 * Options: --connections 20,50 (levels), --seconds 30, --orgs 3, --smoke (packages npm ci installed; 4 connections, 3 s, 2 orgs, 2 flooders),
 * --flooders 12 (parallel flood loops), --work-dir DIR (keep the database and its indexes there;
 * a later run with the same DIR skips indexing). Output: bench-corpus/results/load-latest.{md,json}.
 *
 * The other organisations' clients wait as Retry-After says when refused (429), as the API
 * asks; the flooder retries at once, the worst case.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { corpusRoot, prepareCorpus, SMOKE_CORPUS } from "../search/corpus.js";
import { ApiClient, makeWorkDir, sleep, startDatabase, startServe, type ServeProcess } from "../search/pipeline.js";

const { values: opts } = parseArgs({
  options: {
    connections: { type: "string" },
    seconds: { type: "string" },
    orgs: { type: "string" },
    flooders: { type: "string" },
    smoke: { type: "boolean", default: false },
    "work-dir": { type: "string" },
  },
});
/** --smoke: the whole path at one small level for a few seconds. */
const LEVELS = (opts.connections ?? (opts.smoke ? "4" : "20,50")).split(",").map((n) => Math.max(1, Number.parseInt(n, 10)));
const SECONDS = Math.max(1, Number(opts.seconds ?? (opts.smoke ? "3" : "30")));
const ORGS = Math.max(2, Number.parseInt(opts.orgs ?? (opts.smoke ? "2" : "3"), 10));
const FLOODERS = Math.max(1, Number.parseInt(opts.flooders ?? (opts.smoke ? "2" : "12"), 10));
const CORPUS = await corpusRoot(opts.smoke);
const t0 = Date.now();
const log = (line: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);

/** One kind of request of the mixed workload. */
interface Operation {
  name: string;
  /** Sends the request for `org` with `key`; resolves to the HTTP status. */
  send(baseUrl: string, org: OrgSetup, key: string): Promise<number>;
}

/** An organisation under load: its slug, repository and one API key per connection. */
interface OrgSetup {
  slug: string;
  repositoryId: string;
  keys: string[];
  /** A file to read through MCP. */
  readPath: string;
}

/** A refused client waits as long as Retry-After says (the sample's time includes the wait). */
async function backOff(res: Response): Promise<void> {
  if (res.status === 429 || res.status === 503) await sleep(Number(res.headers.get("retry-after") ?? 1) * 1000);
}

const search = (q: string): Operation => ({
  name: q,
  async send(baseUrl, org, key) {
    const res = await fetch(`${baseUrl}/api/v1/orgs/${org.slug}/search?q=${encodeURIComponent(q)}&limit=20`, { headers: { "x-api-key": key } });
    await res.arrayBuffer();
    await backOff(res);
    return res.status;
  },
});

const mcpCall = (name: string, args: (org: OrgSetup) => Record<string, unknown>): Operation => ({
  name: `mcp ${name}`,
  async send(baseUrl, org, key) {
    const res = await fetch(`${baseUrl}/mcp?orgSlug=${org.slug}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args(org) } }),
    });
    const body = await res.text();
    await backOff(res);
    // A tool error is a 200 with isError: count it as a failure of its own.
    if (res.status === 200 && body.includes('"isError":true')) return 599;
    return res.status;
  },
});

/** The mixed workload, in the order each connection cycles through it (from a different start). */
const WORKLOAD: Operation[] = [
  search("getBoundingClientRect"),
  search('"export default function"'),
  search("/use[A-Z]\\w+Effect/"),
  search("lang:python import"),
  search("Status file:\\.cc$"),
  search("sym:createElement"),
  mcpCall("search_code", () => ({ query: "XMLHttpRequest", limit: 10 })),
  mcpCall("read_file", (org) => ({ repo: "corpus", path: org.readPath, startLine: 1, endLine: 200 })),
];

/** What one member floods with: regexes that backtrack, scan everything, or are refused. */
const FLOOD = ["/(\\w+)+:$/", "/(a+)+$/", "/(.{1,20}){9}z/", "/(.{1,100}){100}/", "/([a-f0-9]{1,30}[^x]{1,30}){3}Q/"].map((q) => `${q}`);

/** One measured request. */
interface Sample {
  org: number;
  op: string;
  ms: number;
  status: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

/** Runs `connections` closed loops over the orgs for SECONDS, with or without the flood. */
async function runLoad(serve: ServeProcess, orgs: OrgSetup[], floodKey: string, connections: number, flood: boolean) {
  const samples: Sample[] = [];
  const status: number[] = [];
  const floodStatuses = new Map<number, number>();
  const until = performance.now() + SECONDS * 1000;
  const loop = async (c: number) => {
    const orgIndex = c % orgs.length;
    const org = orgs[orgIndex]!;
    const key = org.keys[Math.floor(c / orgs.length) % org.keys.length]!;
    for (let i = c; performance.now() < until; i++) {
      const op = WORKLOAD[i % WORKLOAD.length]!;
      const started = performance.now();
      const code = await op.send(serve.baseUrl, org, key).catch(() => 0);
      samples.push({ org: orgIndex, op: op.name, ms: performance.now() - started, status: code });
    }
  };
  const probe = async () => {
    while (performance.now() < until) {
      const started = performance.now();
      const res = await fetch(`${serve.baseUrl}/.status`).catch(() => undefined);
      await res?.arrayBuffer();
      status.push(res?.status === 200 ? performance.now() - started : Number.POSITIVE_INFINITY);
      await sleep(100);
    }
  };
  const flooder = async (f: number) => {
    for (let i = f; performance.now() < until; i++) {
      const q = FLOOD[i % FLOOD.length]!;
      const res = await fetch(`${serve.baseUrl}/api/v1/orgs/${orgs[0]!.slug}/search?q=${encodeURIComponent(q)}&budgetMs=30000`, {
        headers: { "x-api-key": floodKey },
      }).catch(() => undefined);
      await res?.arrayBuffer();
      const code = res?.status ?? 0;
      floodStatuses.set(code, (floodStatuses.get(code) ?? 0) + 1);
      // A refused flooder retries at once: the worst case, not a polite client.
    }
  };
  await Promise.all([
    ...Array.from({ length: connections }, (_, c) => loop(c)),
    probe(),
    ...(flood ? Array.from({ length: FLOODERS }, (_, f) => flooder(f)) : []),
  ]);
  const others = samples.filter((s) => s.org !== 0);
  const ok = (s: Sample) => s.status === 200;
  const summary = {
    connections,
    flood,
    requests: samples.length,
    throughput: samples.filter(ok).length / SECONDS,
    othersP50: percentile(
      others.filter(ok).map((s) => s.ms),
      50,
    ),
    othersP99: percentile(
      others.filter(ok).map((s) => s.ms),
      99,
    ),
    allP50: percentile(
      samples.filter(ok).map((s) => s.ms),
      50,
    ),
    allP99: percentile(
      samples.filter(ok).map((s) => s.ms),
      99,
    ),
    statusP99: percentile(status, 99),
    statusMax: Math.max(...status),
    serverErrors:
      samples.filter((s) => s.status >= 500 && s.status !== 599).length + [...floodStatuses].filter(([code]) => code >= 500).reduce((n, [, k]) => n + k, 0),
    toolErrors: samples.filter((s) => s.status === 599).length,
    refused: samples.filter((s) => s.status === 429).length,
    failed: samples.filter((s) => s.status === 0).length,
    floodAnswers: Object.fromEntries(floodStatuses),
    perOperation: Object.fromEntries(
      WORKLOAD.map((op) => {
        const mine = others.filter((s) => s.op === op.name && ok(s)).map((s) => s.ms);
        return [op.name, { n: mine.length, p50: percentile(mine, 50), p99: percentile(mine, 99) }];
      }),
    ),
  };
  return summary;
}

type Summary = Awaited<ReturnType<typeof runLoad>>;

function toMarkdown(runs: Summary[], machine: string, orgs: number): string {
  const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(0)} ms` : "timeout");
  const lines = [
    `# Load benchmark (${new Date().toISOString()})`,
    "",
    `${machine}; ${orgs} organisations, each with the corpus; ${SECONDS} s per run; flood: ${FLOODERS} parallel loops of one API key in the first organisation.`,
    "",
    "| connections | flood | req/s | others p50 | others p99 | /.status p99 | 5xx | 429 (others) | flood answers |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of runs) {
    lines.push(
      `| ${r.connections} | ${r.flood ? "yes" : "no"} | ${r.throughput.toFixed(1)} | ${ms(r.othersP50)} | ${ms(r.othersP99)} | ${ms(r.statusP99)} | ${r.serverErrors} | ${r.refused} | ${r.flood ? JSON.stringify(r.floodAnswers) : "-"} |`,
    );
  }
  lines.push("", "Targets while flooded: /.status p99 <= 200 ms; others' p99 <= 2x the same level without the flood; no 5xx.", "");
  for (const level of [...new Set(runs.map((r) => r.connections))]) {
    const calm = runs.find((r) => r.connections === level && !r.flood);
    const flooded = runs.find((r) => r.connections === level && r.flood);
    if (!calm || !flooded) continue;
    const ratio = flooded.othersP99 / calm.othersP99;
    lines.push(
      `- ${level} connections: /.status p99 ${ms(flooded.statusP99)} (${flooded.statusP99 <= 200 ? "pass" : "miss"}), others' p99 ${ratio.toFixed(2)}x (${ratio <= 2 ? "pass" : "miss"}), 5xx ${flooded.serverErrors + calm.serverErrors} (${flooded.serverErrors + calm.serverErrors === 0 ? "pass" : "miss"})`,
    );
  }
  lines.push(
    "",
    "Per operation, other organisations (p50 / p99):",
    "",
    `| operation | ${runs.map((r) => `${r.connections}${r.flood ? " flood" : ""}`).join(" | ")} |`,
    `| --- |${runs.map(() => " --- |").join("")}`,
  );
  for (const op of WORKLOAD)
    lines.push(`| \`${op.name}\` | ${runs.map((r) => `${ms(r.perOperation[op.name]!.p50)} / ${ms(r.perOperation[op.name]!.p99)}`).join(" | ")} |`);
  return `${lines.join("\n")}\n`;
}

/** What --work-dir keeps between runs (a throw-away local cluster's password and keys). */
interface SavedState {
  password: string;
  orgs: OrgSetup[];
  floodKey: string;
}

/** Signs up one owner per organisation, indexes the corpus into each, and makes the API keys. */
async function setUpOrgs(serve: ServeProcess): Promise<{ orgs: OrgSetup[]; floodKey: string }> {
  const keysPerOrg = Math.ceil(Math.max(...LEVELS) / ORGS);
  const orgs: OrgSetup[] = [];
  let floodKey = "";
  for (let o = 0; o < ORGS; o++) {
    const slug = `load-${o + 1}`;
    const api = new ApiClient(serve.baseUrl);
    await api.setUp(slug);
    const repo = await api.call<{ id: string }>("POST", `/api/v1/orgs/${slug}/repositories`, { url: corpusRepo, name: "corpus" }, 201);
    log(`indexing the corpus into ${slug}`);
    for (;;) {
      const view = await api.call<{ status: string; error: string | null }>("GET", `/api/v1/orgs/${slug}/repositories/${repo.id}`);
      if (view.status === "ready" || view.status === "complete_with_issues") break;
      if (view.status === "failed") throw new Error(`index run failed: ${view.error}`);
      await sleep(1000);
    }
    const keys = [api.key];
    for (let k = 1; k < keysPerOrg; k++) keys.push(await api.createApiKey(slug, `load-${k}`));
    if (o === 0) floodKey = await api.createApiKey(slug, "flood");
    const files = await api.call<{ files: { path: string }[] }>("GET", `/api/v1/orgs/${slug}/repositories/${repo.id}/files?glob=**/*.ts&limit=1`);
    orgs.push({ slug, repositoryId: repo.id, keys, readPath: files.files[0]?.path ?? "README.md" });
  }
  return { orgs, floodKey };
}

let corpusRepo = "";

async function main(): Promise<void> {
  const { paths } = await prepareCorpus(CORPUS, log, opts.smoke ? SMOKE_CORPUS : {});
  corpusRepo = paths.repo;
  const workDir = opts["work-dir"] ? path.resolve(opts["work-dir"]) : await makeWorkDir();
  const stateFile = path.join(workDir, "load-state.json");
  const saved = JSON.parse(await fs.readFile(stateFile, "utf8").catch(() => "null")) as SavedState | null;
  const password = saved?.password ?? randomBytes(12).toString("hex");
  const db = await startDatabase(workDir, password);
  // One owner signs up per organisation, so sign-up stays open (the default closes after the first).
  const serve = await startServe({
    databaseUrl: db.url,
    dataDir: path.join(workDir, "data"),
    localRepositoriesRoot: CORPUS,
    logFile: path.join(workDir, "serve.log"),
    env: { AUTH_SIGN_UP: "open" },
  });
  try {
    const { orgs, floodKey } = saved && saved.orgs.length >= ORGS ? saved : await setUpOrgs(serve);
    if (!saved) await fs.writeFile(stateFile, JSON.stringify({ password, orgs, floodKey } satisfies SavedState));
    const runs: Summary[] = [];
    for (const level of LEVELS) {
      for (const flood of [false, true]) {
        log(`run: ${level} connections, ${flood ? "with" : "without"} the flood`);
        const summary = await runLoad(serve, orgs, floodKey, level, flood);
        log(
          `  ${summary.throughput.toFixed(1)} req/s, others p50 ${summary.othersP50.toFixed(0)} ms p99 ${summary.othersP99.toFixed(0)} ms, /.status p99 ${summary.statusP99.toFixed(0)} ms, 5xx ${summary.serverErrors}`,
        );
        runs.push(summary);
        await sleep(2000);
      }
    }
    const cpu = os.cpus();
    const machine = `${cpu.length} vCPU ${cpu[0]?.model.trim() ?? ""}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
    const markdown = toMarkdown(runs, machine, ORGS);
    const results = path.join(CORPUS, "results");
    await fs.mkdir(results, { recursive: true });
    await fs.writeFile(path.join(results, "load-latest.md"), markdown);
    await fs.writeFile(path.join(results, "load-latest.json"), JSON.stringify({ machine, orgs: ORGS, seconds: SECONDS, runs }, null, 2));
    process.stdout.write(markdown);
  } finally {
    await serve.stop();
    await db.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
