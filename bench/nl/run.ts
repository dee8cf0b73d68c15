/**
 * `npm run bench:nl`: questions in words (issue #29). Six real repositories (questions.ts),
 * each fetched at its pinned commit (depth 1) from a local mirror (BENCH_NL_MIRRORS, default
 * /work/.mirror, `<owner>+<name>/repo`) or else from GitHub, into bench-corpus/nl/<id>; one
 * organisation holds all six. Every question is then asked of each method:
 *
 * - `search_code`: today's MCP tool with the whole question as its query;
 * - `question mode`: REST search with `mode=question` (n/a while the server's OpenAPI document
 *   has no such parameter, or it refuses it);
 * - `question + embeddings`: the same on a server restarted with an embedding model pointed at
 *   a local fake provider (fake-embeddings.ts: OpenAI's wire format, hashed bag-of-words
 *   vectors). It measures plumbing and cost, not the quality of real embeddings. n/a while the
 *   server's configuration has no embedding model setting;
 * - `ctx_advisor`: the MCP tool without a model;
 * - `rg baseline`: ripgrep of the question's content words (stop words removed) in the named
 *   repository's checkout, files ranked by how many distinct words they contain, ties by the
 *   total count.
 *
 * Per method: hit@5 (an answer file among the first five distinct files), MRR over the first
 * ten, p50/p95 latency of the whole call, mean answer characters (the MCP text an agent reads;
 * the REST JSON body; rg's output), and per kind. Markdown on stdout and, for a full run,
 * bench-corpus/results/nl-latest.{md,json}.
 *
 * Options: --runs N (measured calls per question and method after one warm-up, default 3),
 * --methods a,b (only these: search_code, question, question_embeddings, ctx_advisor, rg),
 * --smoke (two packages npm ci installed, four questions, one run, no warm-up), --skip-check (measure
 * even when the question set breaks its rules), --with-search-corpus (the same organisation also
 * holds bench:search's 366 MB corpus, bench-corpus/repo, built by `npm run bench:search --
 * --corpus-only`: each question then ranks over about 430 MB, as the issue's latency target asks),
 * --unscoped (each question without its "In <repository>, ": ranked over the whole organisation).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs, promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { envSchema } from "../../server/src/platform/config/config.schema.js";
import { corpusPaths, corpusRoot, gitCommitEnv } from "../search/corpus.js";
import {
  ApiClient,
  makeWorkDir,
  REPO_ROOT,
  sleep,
  startDatabase,
  startServe,
  type BenchDatabase,
  type ServeProcess,
  waitDatabaseQuiet,
} from "../search/pipeline.js";
import { describeMachine } from "../search/report.js";
import { checkQuestions, DEFAULT_MIRRORS, mirrorDir } from "./check.js";
import { startFakeEmbeddings, type FakeEmbeddings } from "../../server/test/harness/fake-embeddings.js";
import { NL_QUESTIONS, NL_REPOS, type NlKind, type NlQuestion } from "./questions.js";
import { SMOKE_QUESTIONS, SMOKE_REPOS } from "./smoke.js";

const execFileAsync = promisify(execFile);
const { values: opts } = parseArgs({
  options: {
    runs: { type: "string" },
    smoke: { type: "boolean", default: false },
    "skip-check": { type: "boolean", default: false },
    methods: { type: "string" },
    "with-search-corpus": { type: "boolean", default: false },
    unscoped: { type: "boolean", default: false },
  },
});
const RUNS = Math.max(1, Number.parseInt(opts.runs ?? (opts.smoke ? "1" : "3"), 10) || 3);
const SLUG = "bench";
/** Where the mirrors are (the benchmark needs no network when all six are there). */
const MIRRORS = process.env.BENCH_NL_MIRRORS || DEFAULT_MIRRORS;
const ROOT = await corpusRoot(opts.smoke);
const CHECKOUTS = path.join(ROOT, "nl");
const RESULTS = path.join(ROOT, "results");
/**
 * --unscoped: each question without its leading "In <repository>, ", so nothing scopes it to one
 * repository and it ranks over the whole organisation (harder: the same topic lives in several).
 */
const unscope = (q: NlQuestion): NlQuestion => {
  const rest = q.q.replace(/^In [^,]+, /, "");
  return { ...q, q: rest.charAt(0).toUpperCase() + rest.slice(1) };
};
const QUESTIONS: readonly NlQuestion[] = (opts.smoke ? SMOKE_QUESTIONS : NL_QUESTIONS).map((q) => (opts.unscoped ? unscope(q) : q));
/** bench:search's corpus repository, indexed into the same organisation with --with-search-corpus. */
const WITH_SEARCH_CORPUS = opts["with-search-corpus"] === true && !opts.smoke;
const SEARCH_CORPUS = corpusPaths(ROOT).repo;
const KINDS: readonly NlKind[] = ["where", "how", "setting"];
/** The methods to measure (--methods a,b: ids search_code, question, question_embeddings, ctx_advisor, rg); all by default. */
const ONLY = opts.methods ? new Set(opts.methods.split(",").map((m) => m.trim())) : null;
/** Files a method's answer is judged on (MRR over the first ten; hit@5 over the first five). */
const DEPTH = 10;
const t0 = Date.now();
const log = (line: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(7)}s] ${line}\n`);

/** A file in a method's answer. */
interface RankedFile {
  repo: string;
  path: string;
}

/** One call of a method: its ranked files, the characters of its answer, its latency. */
interface Answer {
  files: RankedFile[];
  chars: number;
  ms: number;
  /** The call answered with an error (as the agent would see it). */
  error?: string;
}

/** A method under test; `ask` is absent when the server does not offer it (printed n/a). */
interface Method {
  id: string;
  label: string;
  ask?: (q: NlQuestion) => Promise<Omit<Answer, "ms">>;
  /** Why it is n/a. */
  unavailable?: string;
}

/** What one method did on one question. */
interface QuestionOutcome {
  id: string;
  kind: NlKind;
  /** 1-based rank of the first answer file among the first DEPTH distinct files; null when absent. */
  rank: number | null;
  top: string[];
  chars: number;
  ms: number[];
  /** The tool's error text, when it answered with one. */
  error?: string;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

/** Distinct files in order of first appearance. */
function distinct(files: RankedFile[]): RankedFile[] {
  const seen = new Set<string>();
  return files.filter((f) => {
    const key = `${f.repo}\u0000${f.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The files cited in a text (`repo@commit:path`, with an optional `:line`), in order. */
function citedFiles(text: string): RankedFile[] {
  const out: RankedFile[] = [];
  for (const m of text.matchAll(/([A-Za-z0-9_./-]+)@[0-9a-f]{7,40}:([^\s`'"]+?)(?=:\d|[\s`'"]|$)/g)) out.push({ repo: m[1]!, path: m[2]! });
  return out;
}

/** 1-based rank of the first answer file of `q` among the first DEPTH files, or null. */
function rankOf(q: NlQuestion, files: RankedFile[]): number | null {
  const i = distinct(files)
    .slice(0, DEPTH)
    .findIndex((f) => f.repo === q.repo && q.answers.includes(f.path));
  return i < 0 ? null : i + 1;
}

// ---- corpus --------------------------------------------------------------------------------

async function git(args: string[], cwd?: string): Promise<string> {
  const { stdout } = await execFileAsync("git", args, { cwd, env: gitCommitEnv(), maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

/**
 * Each repository at its pinned commit, as CHECKOUTS/<id> on branch `bench`: the commit is
 * fetched alone (depth 1: a mirror may lack objects of older history), and its tree committed
 * again without parents (fixed author and date, the pinned commit in a `Pinned-Commit:`
 * trailer), so that the folder is a complete repository ctxpipe can clone like any other (a
 * shallow one cannot be). Kept between runs.
 */
async function prepareRepos(): Promise<void> {
  await fs.mkdir(CHECKOUTS, { recursive: true });
  for (const repo of NL_REPOS) {
    const dest = path.join(CHECKOUTS, repo.id);
    if (existsSync(path.join(dest, ".git"))) {
      const pinned = await git(["log", "-1", "--format=%(trailers:key=Pinned-Commit,valueonly)"], dest).catch(() => "");
      const dirty = await git(["status", "--porcelain"], dest).catch(() => "?");
      const shallow = await git(["rev-parse", "--is-shallow-repository"], dest).catch(() => "");
      if (pinned === repo.commit && dirty === "" && shallow === "false") continue;
      await fs.rm(dest, { recursive: true, force: true });
    }
    const mirror = mirrorDir(MIRRORS, repo);
    const source = mirror ? `file://${mirror}` : `https://github.com/${repo.github}.git`;
    log(`fetching ${repo.github} @ ${repo.commit.slice(0, 12)} from ${source}`);
    await fs.mkdir(dest, { recursive: true });
    await git(["init", "-q", "-b", "bench"], dest);
    await git(["fetch", "-q", "--depth", "1", source, repo.commit], dest);
    const tree = await git(["rev-parse", "FETCH_HEAD^{tree}"], dest);
    const commit = await git(["commit-tree", tree, "-m", `${repo.github} at ${repo.commit}\n\nPinned-Commit: ${repo.commit}`], dest);
    await git(["checkout", "-q", "-B", "bench", commit], dest);
    // The fetched commit is no longer needed: drop it, and with it the shallow boundary.
    await fs.rm(path.join(dest, ".git", "shallow"), { force: true });
    await fs.rm(path.join(dest, ".git", "FETCH_HEAD"), { force: true });
    await git(["reflog", "expire", "--expire=now", "--all"], dest);
    await git(["gc", "-q", "--prune=now"], dest);
  }
}

/** The smoke corpus: each package npm ci installed, copied and committed as a repository of its own. */
async function prepareSmokeRepos(): Promise<void> {
  await fs.mkdir(CHECKOUTS, { recursive: true });
  for (const repo of SMOKE_REPOS) {
    const dest = path.join(CHECKOUTS, repo.id);
    await fs.cp(path.join(REPO_ROOT, "node_modules", repo.id), dest, { recursive: true, dereference: true });
    await git(["init", "-q", "-b", "bench"], dest);
    await git(["add", "-A"], dest);
    await git(["commit", "-q", "-m", `${repo.id} as npm ci installed it`], dest);
  }
  for (const q of SMOKE_QUESTIONS) {
    if (!q.answers.some((a) => existsSync(path.join(CHECKOUTS, q.repo, a)))) throw new Error(`${q.id}: no answer file in node_modules/${q.repo}`);
  }
}

// ---- the methods ---------------------------------------------------------------------------

/** Words the naive baseline drops: English function words and question words. */
const BASELINE_STOP_WORDS = new Set(
  (
    "a about after all also an and any are as at be been being but by can could do does doing done each for from get gets " +
    "had has have how i if in into is it its itself just may me might more most much must my no not of on once one only or " +
    "other our out over own same should so some such than that the their them then there these they this those through to " +
    "too under until up us very was we were what when where whether which while who whom whose why will with would you your"
  ).split(" "),
);

/** The content words of a question, lower case, each once, without the repository it names. */
function contentWords(q: string, repo: string): string[] {
  const words = (q.toLowerCase().match(/[a-z0-9_]+/g) ?? []).filter((w) => w.length >= 3 && !BASELINE_STOP_WORDS.has(w) && w !== repo);
  return [...new Set(words)];
}

/**
 * rg of each content word in the repository's checkout (--unscoped: in all six checkouts); files
 * by distinct words, then total count.
 */
async function rgBaseline(q: NlQuestion): Promise<Omit<Answer, "ms">> {
  const dir = opts.unscoped ? CHECKOUTS : path.join(CHECKOUTS, q.repo);
  const perFile = new Map<string, { words: number; total: number }>();
  let chars = 0;
  for (const word of contentWords(q.q, q.repo)) {
    const { stdout } = await execFileAsync("rg", ["--count-matches", "--ignore-case", "--fixed-strings", "--no-messages", "--", word, "."], {
      cwd: dir,
      maxBuffer: 64 * 1024 * 1024,
    }).catch((err: { code?: number; stdout?: string }) => ({ stdout: err.code === 1 ? "" : (err.stdout ?? "") }));
    chars += stdout.length;
    for (const line of stdout.split("\n")) {
      const m = /^(.*):(\d+)$/.exec(line);
      if (!m) continue;
      const file = m[1]!.replace(/^\.\//, "");
      const entry = perFile.get(file) ?? { words: 0, total: 0 };
      entry.words++;
      entry.total += Number(m[2]);
      perFile.set(file, entry);
    }
  }
  const files = [...perFile.entries()]
    .sort((a, b) => b[1].words - a[1].words || b[1].total - a[1].total || a[0].localeCompare(b[0]))
    .slice(0, DEPTH)
    .map(([p]) => (opts.unscoped ? { repo: p.split("/")[0]!, path: p.split("/").slice(1).join("/") } : { repo: q.repo, path: p }));
  return { files, chars };
}

/**
 * The MCP text of a tool call. A tool error (e.g. "more than 20 terms" for a long question)
 * is what the agent gets: an answer without files, counted, not a failed benchmark.
 */
async function callTool(client: Client, name: string, args: Record<string, unknown>): Promise<{ text: string; error: boolean }> {
  const result = await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 });
  const text = (result.content as { type: string; text?: string }[]).map((c) => c.text ?? "").join("\n");
  return { text, error: result.isError === true };
}

/** Whether the server's REST search documents a `mode` parameter that takes "question". */
async function questionModeOffered(baseUrl: string): Promise<boolean> {
  const res = await fetch(`${baseUrl}/api/v1/openapi.json`);
  if (!res.ok) return false;
  const doc = (await res.json()) as { paths?: Record<string, { get?: { parameters?: { name: string; schema?: unknown }[] } }> };
  const params = doc.paths?.["/api/v1/orgs/{orgSlug}/search"]?.get?.parameters ?? [];
  const mode = params.find((p) => p.name === "mode");
  return mode !== undefined && JSON.stringify(mode.schema ?? {}).includes("question");
}

/** REST search in question mode: the ranked files and the JSON body's characters. */
function restQuestion(api: ApiClient): (q: NlQuestion) => Promise<Omit<Answer, "ms">> {
  return async (q) => {
    const params = new URLSearchParams({ q: q.q, mode: "question", limit: String(DEPTH) });
    const res = await fetch(`${api.baseUrl}/api/v1/orgs/${SLUG}/search?${params}`, { headers: { "x-api-key": api.key } });
    const body = await res.text();
    if (!res.ok) throw new Error(`question mode: ${res.status} ${body.slice(0, 300)}`);
    const json = JSON.parse(body) as { results?: { repository: { name: string }; path: string }[] };
    return { files: (json.results ?? []).map((r) => ({ repo: r.repository.name, path: r.path })), chars: body.length };
  };
}

/** The configuration key that names an embedding model, when the server has one. */
function embeddingSetting(): string | undefined {
  return Object.keys(envSchema.shape).find((k) => /EMBEDDING/.test(k) && /(NAME|MODEL)$/.test(k));
}

/** Asks one question of a method: one warm-up (not in a smoke run) and RUNS measured calls. */
async function askMeasured(method: Method, q: NlQuestion): Promise<QuestionOutcome> {
  const ask = method.ask!;
  if (!opts.smoke) await ask(q); // warm-up (a smoke run checks the path, not the times)
  const ms: number[] = [];
  let first: Omit<Answer, "ms"> | undefined;
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const answer = await ask(q);
    ms.push(performance.now() - started);
    first ??= answer;
  }
  const files = distinct(first!.files).slice(0, DEPTH);
  return {
    id: q.id,
    kind: q.kind,
    rank: rankOf(q, files),
    top: files.slice(0, 5).map((f) => `${f.repo}:${f.path}`),
    chars: first!.chars,
    ms,
    error: first!.error?.slice(0, 200),
  };
}

/**
 * Asks every question of each method, the methods in turn on each question (not one method
 * after the other): whatever the machine does meanwhile (the index run's aftermath, a
 * neighbour) falls on every method alike. Measured one after the other, the first method
 * (`search_code`) read twice as slow as the same search through REST after it, which an
 * interleaved trial did not reproduce. A method that fails is n/a with its error; the others go on.
 */
async function measureInTurn(methods: Method[]): Promise<Map<string, QuestionOutcome[] | null>> {
  const outcomes = new Map<string, QuestionOutcome[] | null>(methods.map((m) => [m.id, []]));
  for (const m of methods) log(`measuring ${m.label}`);
  for (const q of QUESTIONS)
    for (const method of methods) {
      const done = outcomes.get(method.id);
      if (!done) continue;
      try {
        done.push(await askMeasured(method, q));
      } catch (err) {
        method.unavailable = `failed: ${err instanceof Error ? err.message.slice(0, 300) : String(err)}`;
        log(`${method.label} ${method.unavailable}`);
        outcomes.set(method.id, null);
      }
    }
  for (const method of methods) {
    const done = outcomes.get(method.id);
    if (done) log(`${method.label}: ${done.filter((o) => o.rank !== null && o.rank <= 5).length}/${done.length} in the top 5`);
  }
  return outcomes;
}

// ---- report --------------------------------------------------------------------------------

interface Summary {
  n: number;
  /** Answers citing no file, and of those, tool errors. */
  empty: number;
  errors: number;
  hit5: number;
  mrr: number;
  p50: number;
  p95: number;
  chars: number;
}

function summarise(outcomes: QuestionOutcome[]): Summary {
  const n = outcomes.length;
  const ms = outcomes.flatMap((o) => o.ms);
  return {
    n,
    empty: outcomes.filter((o) => o.top.length === 0).length,
    errors: outcomes.filter((o) => o.error !== undefined).length,
    hit5: n ? outcomes.filter((o) => o.rank !== null && o.rank <= 5).length / n : 0,
    mrr: n ? outcomes.reduce((s, o) => s + (o.rank ? 1 / o.rank : 0), 0) / n : 0,
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
    chars: n ? outcomes.reduce((s, o) => s + o.chars, 0) / n : 0,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(0)} %`;

function report(methods: Method[], results: Map<string, QuestionOutcome[] | null>, header: string): string {
  const lines = [
    header,
    "",
    "| method | hit@5 | MRR@10 | p50 | p95 | mean answer chars | no file (errors) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const m of methods) {
    const r = results.get(m.id);
    if (!r) {
      lines.push(`| ${m.label} | n/a | n/a | n/a | n/a | n/a | n/a |`);
      continue;
    }
    const s = summarise(r);
    lines.push(
      `| ${m.label} | ${pct(s.hit5)} (${Math.round(s.hit5 * s.n)}/${s.n}) | ${s.mrr.toFixed(2)} | ${s.p50.toFixed(0)} ms | ${s.p95.toFixed(0)} ms | ${Math.round(s.chars).toLocaleString("en")} | ${s.empty} (${s.errors}) |`,
    );
  }
  lines.push("", `| method | ${KINDS.map((k) => `${k}: hit@5 / MRR`).join(" | ")} |`, `| --- | ${KINDS.map(() => "---:").join(" | ")} |`);
  for (const m of methods) {
    const r = results.get(m.id);
    const cells = KINDS.map((k) => {
      if (!r) return "n/a";
      const s = summarise(r.filter((o) => o.kind === k));
      return `${pct(s.hit5)} / ${s.mrr.toFixed(2)}`;
    });
    lines.push(`| ${m.label} | ${cells.join(" | ")} |`);
  }
  const notes = methods.filter((m) => m.unavailable).map((m) => `- ${m.label}: n/a, ${m.unavailable}`);
  if (notes.length > 0) lines.push("", ...notes);
  return lines.join("\n");
}

// ---- main ----------------------------------------------------------------------------------

async function waitIndexed(api: ApiClient, ids: string[]): Promise<void> {
  const pending = new Set(ids);
  while (pending.size > 0) {
    for (const id of [...pending]) {
      const view = await api.call<{ name: string; status: string; error: string | null }>("GET", `/api/v1/orgs/${SLUG}/repositories/${id}`);
      if (view.status === "ready" || view.status === "complete_with_issues") {
        pending.delete(id);
        log(`  ${view.name} ${view.status}`);
      } else if (view.status === "failed") throw new Error(`indexing ${view.name} failed: ${view.error}`);
    }
    if (pending.size > 0) await sleep(2000);
  }
}

async function connectMcp(serve: ServeProcess, api: ApiClient): Promise<Client> {
  const client = new Client({ name: "ctxpipe-bench-nl", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${serve.baseUrl}/mcp?orgSlug=${SLUG}`), { requestInit: { headers: { Authorization: `Bearer ${api.key}` } } }),
  );
  return client;
}

/** Waits until the fake provider has had no request for `quietMs` (the backfill is done), at most `maxMs`. */
async function waitEmbeddingsQuiet(fake: FakeEmbeddings, quietMs: number, maxMs: number): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < maxMs) {
    const last = fake.stats.lastRequestAt;
    if (last > 0 && Date.now() - last > quietMs) return;
    if (last === 0 && Date.now() - started > 120_000) return; // no backfill at all
    await sleep(1000);
  }
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const machine = await describeMachine();
  if (!opts.smoke) {
    const check = await checkQuestions(NL_REPOS, NL_QUESTIONS, MIRRORS);
    if (check.problems.length > 0) {
      for (const p of check.problems) log(`question set: ${p}`);
      if (!opts["skip-check"]) throw new Error(`${check.problems.length} question(s) break the rules (--skip-check measures anyway)`);
    }
    log(
      `question set: ${NL_QUESTIONS.length} questions, ${check.filesChecked} answer files checked${check.unchecked.length ? `, no mirror for ${check.unchecked.join(", ")}` : ""}`,
    );
    await prepareRepos();
    if (WITH_SEARCH_CORPUS && !existsSync(path.join(SEARCH_CORPUS, ".git")))
      throw new Error(`--with-search-corpus needs ${SEARCH_CORPUS}: run \`npm run bench:search -- --corpus-only\` first`);
  } else await prepareSmokeRepos();
  const repos = opts.smoke ? SMOKE_REPOS.map((r) => r.id) : NL_REPOS.map((r) => r.id);

  const workDir = await makeWorkDir();
  let db: BenchDatabase | undefined;
  let serve: ServeProcess | undefined;
  let fake: FakeEmbeddings | undefined;
  const cleanup = async () => {
    await serve?.stop().catch(() => {});
    await db?.stop().catch(() => {});
    await fake?.close().catch(() => {});
    await fs.rm(workDir, { recursive: true, force: true });
  };
  process.once("SIGINT", () => void cleanup().finally(() => process.exit(130)));
  const results = new Map<string, QuestionOutcome[] | null>();
  const methods: Method[] = [];
  let indexSeconds = 0;
  let embeddingNote = "";
  try {
    log("starting Postgres and migrating");
    db = await startDatabase(workDir);
    machine.postgres = (await db.pool.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]!.v;
    // With the search corpus, local repositories may come from anywhere under bench-corpus/.
    const serveOptions = { databaseUrl: db.url, dataDir: path.join(workDir, "data"), localRepositoriesRoot: WITH_SEARCH_CORPUS ? ROOT : CHECKOUTS };
    serve = await startServe({ ...serveOptions, logFile: path.join(workDir, "serve.log") });
    const api = new ApiClient(serve.baseUrl);
    await api.setUp(SLUG);
    const indexStarted = Date.now();
    const ids: string[] = [];
    for (const id of repos)
      ids.push((await api.call<{ id: string }>("POST", `/api/v1/orgs/${SLUG}/repositories`, { url: path.join(CHECKOUTS, id), name: id }, 201)).id);
    if (WITH_SEARCH_CORPUS)
      ids.push((await api.call<{ id: string }>("POST", `/api/v1/orgs/${SLUG}/repositories`, { url: SEARCH_CORPUS, name: "corpus" }, 201)).id);
    log(`indexing ${ids.length} repositories`);
    await waitIndexed(api, ids);
    indexSeconds = (Date.now() - indexStarted) / 1000;
    log(`indexed in ${indexSeconds.toFixed(0)} s`);
    if (!opts.smoke) log(`database quiet after ${(await waitDatabaseQuiet(db)).toFixed(0)} s`);

    const client = await connectMcp(serve, api);
    const questionMode = await questionModeOffered(serve.baseUrl);
    const embeddingKey = embeddingSetting();
    methods.push(
      {
        id: "search_code",
        label: "search_code (MCP, question as query)",
        ask: async (q) => {
          const { text, error } = await callTool(client, "search_code", { query: q.q, limit: DEPTH });
          return { files: error ? [] : citedFiles(text), chars: text.length, error: error ? text : undefined };
        },
      },
      questionMode
        ? { id: "question", label: "question mode (REST)", ask: restQuestion(api) }
        : { id: "question", label: "question mode (REST)", unavailable: "the server's search has no `mode=question` parameter yet" },
      { id: "question_embeddings", label: "question mode + embeddings (fake provider)" },
      {
        id: "ctx_advisor",
        label: "ctx_advisor (MCP, no model)",
        ask: async (q) => {
          const { text, error } = await callTool(client, "ctx_advisor", { prompt: q.q });
          return { files: error ? [] : citedFiles(text), chars: text.length, error: error ? text : undefined };
        },
      },
      { id: "rg", label: "rg baseline (content words)", ask: rgBaseline },
    );
    for (const m of methods)
      if (m.id !== "question_embeddings" && ONLY && !ONLY.has(m.id)) {
        m.ask = undefined;
        m.unavailable = "not measured (--methods)";
      }
    // A method without `ask` is n/a already (not offered, or not selected).
    for (const [id, outcomes] of await measureInTurn(methods.filter((m) => m.id !== "question_embeddings" && m.ask))) results.set(id, outcomes);
    await client.close();

    // Question mode with embeddings: the same database, a server with an embedding model.
    const embeddings = methods.find((m) => m.id === "question_embeddings")!;
    if (ONLY && !ONLY.has(embeddings.id)) embeddings.unavailable = "not measured (--methods)";
    else if (!embeddingKey) embeddings.unavailable = "the server has no embedding model setting yet";
    else if (!questionMode) embeddings.unavailable = "the server has no question mode yet";
    else {
      await serve.stop();
      fake = await startFakeEmbeddings({ key: "bench-key", dimensions: 256, record: false });
      serve = await startServe({
        ...serveOptions,
        logFile: path.join(workDir, "serve-embeddings.log"),
        env: {
          MODEL_PROVIDER: "openai-compatible",
          MODEL_PROVIDER_URL: fake.url,
          MODEL_PROVIDER_API_KEY: "bench-key",
          [embeddingKey]: "bench-embed",
          MODEL_EMBEDDING_DIMENSIONS: "256",
        },
      });
      const backfillStarted = Date.now();
      // The indexes exist already: an admin's backfill embeds them (new runs would embed their new blobs).
      const queued = await fetch(`${serve.baseUrl}/api/v1/orgs/${SLUG}/embeddings/backfill`, { method: "POST", headers: { "x-api-key": api.key } });
      log(`embeddings backfill requested: ${queued.status}`);
      await waitEmbeddingsQuiet(fake, opts.smoke ? 3_000 : 15_000, opts.smoke ? 60_000 : 30 * 60_000);
      const backfill = { ...fake.stats, seconds: (Date.now() - backfillStarted) / 1000 };
      log(`embeddings backfill: ${backfill.requests} requests, ${backfill.inputs} inputs, ~${backfill.tokens} tokens`);
      const api2 = new ApiClient(serve.baseUrl);
      api2.useKey(api.key);
      embeddings.ask = restQuestion(api2);
      results.set(embeddings.id, (await measureInTurn([embeddings])).get(embeddings.id) ?? null);
      embeddingNote = `Embeddings (${embeddingKey}=bench-embed, fake provider): backfill ${backfill.requests} requests, ${backfill.inputs} inputs, ~${backfill.tokens.toLocaleString("en")} tokens (the fake's usage count: words), quiet after ${backfill.seconds.toFixed(0)} s; during the questions ${fake.stats.requests - backfill.requests} more requests. The fake's vectors are hashed bags of words: this row measures plumbing and cost, not the quality of real embeddings.`;
    }
  } finally {
    await cleanup();
  }

  const corpusLine = opts.smoke
    ? `smoke corpus: ${SMOKE_REPOS.map((r) => r.id).join(", ")} from node_modules`
    : `corpus: ${NL_REPOS.map((r) => `${r.github}@${r.commit.slice(0, 12)}`).join(", ")}${WITH_SEARCH_CORPUS ? ", and bench:search's corpus (366 MB) in the same organisation" : ""}`;
  const header = [
    `Questions in words (${opts.smoke ? "smoke" : "full"}${opts.unscoped ? ", unscoped: no repository named" : ""}), ${startedAt}: ${QUESTIONS.length} questions (${KINDS.map((k) => `${QUESTIONS.filter((q) => q.kind === k).length} ${k}`).join(", ")}), ${RUNS} measured call(s) each${opts.smoke ? "" : " after a warm-up"}.`,
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${(machine.memoryBytes / 2 ** 30).toFixed(0)} GiB, Node ${machine.node}, Postgres ${machine.postgres}, ${machine.ripgrep}. ${corpusLine}; indexed in ${indexSeconds.toFixed(0)} s.`,
  ].join("\n");
  let md = report(methods, results, header);
  if (embeddingNote) md += `\n\n${embeddingNote}`;
  process.stdout.write(`${md}\n`);
  if (!opts.smoke) {
    await fs.mkdir(RESULTS, { recursive: true });
    const latest = `nl${WITH_SEARCH_CORPUS ? "-large" : ""}${opts.unscoped ? "-unscoped" : ""}-latest`;
    await fs.writeFile(path.join(RESULTS, `${latest}.md`), `${md}\n`);
    const perMethod = Object.fromEntries([...results.entries()].map(([k, v]) => [k, v && { summary: summarise(v), questions: v }]));
    await fs.writeFile(path.join(RESULTS, `${latest}.json`), `${JSON.stringify({ startedAt, machine, runs: RUNS, methods: perMethod }, null, 2)}\n`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
