/**
 * `npm run bench:mcp`: latency and response size of the MCP tools over the search benchmark's
 * corpus (bench-corpus/repo, built by bench/search/corpus.ts). Starts embedded Postgres and
 * `ctxpipe serve`, indexes the corpus through the REST API, then calls search_code,
 * read_file, get_context (topics of one and several words) and graph_neighbors through the
 * official MCP SDK client with an API key (1 warm-up + N measured calls each). Reports p50/p95
 * per tool and the response size in tokens (characters / 4): text and structured content
 * apart, their sum at p50 and p95, and the largest answer in characters against the
 * 24,000-character budget, into bench-corpus/results/mcp-latest.md and stdout.
 *
 * Options: --runs N (default 10), --smoke (packages npm ci installed, 2 runs).
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { corpusRoot, prepareCorpus, SMOKE_CORPUS } from "../search/corpus.js";
import { ApiClient, makeWorkDir, sleep, startDatabase, startServe } from "../search/pipeline.js";

const { values: opts } = parseArgs({ options: { runs: { type: "string" }, smoke: { type: "boolean", default: false } } });
const RUNS = Math.max(1, Number.parseInt(opts.runs ?? (opts.smoke ? "2" : "10"), 10) || 10);
const SLUG = "bench";
const CORPUS = await corpusRoot(opts.smoke);
const t0 = Date.now();
const log = (line: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);

/** The calls measured: typical agent requests. */
const SEARCHES = [
  "getBoundingClientRect",
  "useState useEffect",
  "sym:createRoot",
  "/^import .* from 'react'/",
  "lang:python import",
  "XMLHttpRequest file:\\.ts$",
];

/** get_context topics: one word, and several (ranked by their words, #29). */
const TOPICS = ["react", "pg", "react dom server rendering", "postgres client connection pool", "fast json logger"];
/** graph_neighbors calls: a package many depend on, and a package's own dependencies. */
const NEIGHBORS: Record<string, unknown>[] = [
  { node: "npm:react", direction: "in" },
  { node: "npm:pg", direction: "out" },
  { node: "npm:pino", direction: "both", depth: 2 },
];

interface Sample {
  ms: number;
  /** Characters of the text content. */
  text: number;
  /** Characters of the structured content as JSON. */
  structured: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

async function timeCall(client: Client, name: string, args: Record<string, unknown>): Promise<Sample> {
  const started = performance.now();
  const result = await client.callTool({ name, arguments: args });
  const ms = performance.now() - started;
  const text = (result.content as { type: string; text?: string }[]).map((c) => c.text ?? "").join("\n");
  if (result.isError) throw new Error(`${name} ${JSON.stringify(args)} failed: ${text}`);
  return { ms, text: text.length, structured: JSON.stringify(result.structuredContent ?? {}).length };
}

async function main(): Promise<void> {
  const { paths } = await prepareCorpus(CORPUS, log, opts.smoke ? SMOKE_CORPUS : {});
  const workDir = await makeWorkDir();
  const db = await startDatabase(workDir);
  const serve = await startServe({
    databaseUrl: db.url,
    dataDir: path.join(workDir, "data"),
    localRepositoriesRoot: CORPUS,
    logFile: path.join(workDir, "serve.log"),
  });
  try {
    const api = new ApiClient(serve.baseUrl);
    await api.setUp(SLUG);
    const repo = await api.call<{ id: string }>("POST", `/api/v1/orgs/${SLUG}/repositories`, { url: paths.repo, name: "corpus" }, 201);
    const started = Date.now();
    for (;;) {
      const view = await api.call<{ status: string; error: string | null }>("GET", `/api/v1/orgs/${SLUG}/repositories/${repo.id}`);
      if (view.status === "ready" || view.status === "complete_with_issues") break;
      if (view.status === "failed") throw new Error(`indexing failed: ${view.error}`);
      await sleep(1000);
    }
    log(`indexed in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const client = new Client({ name: "ctxpipe-bench", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${serve.baseUrl}/mcp?orgSlug=${SLUG}`), { requestInit: { headers: { Authorization: `Bearer ${api.key}` } } }),
    );

    const searchAt = async (limit: number) => {
      const samples: Sample[] = [];
      for (const query of SEARCHES) {
        await timeCall(client, "search_code", { query, limit });
        for (let i = 0; i < RUNS; i++) samples.push(await timeCall(client, "search_code", { query, limit }));
      }
      return samples;
    };
    const search = await searchAt(10);
    const searchMax = await searchAt(50);
    const files = await client.callTool({ name: "list_files", arguments: { glob: "*.{ts,js,py,go,cc}", limit: 200 } });
    const picked = ((files.structuredContent as { files: { path: string }[] }).files ?? []).filter((_, i) => i % 20 === 0).slice(0, 8);
    const readLines = async (lines: number) => {
      const samples: Sample[] = [];
      for (const file of picked) {
        const args = { repo: "corpus", path: file.path, startLine: 1, endLine: lines };
        await timeCall(client, "read_file", args);
        for (let i = 0; i < RUNS; i++) samples.push(await timeCall(client, "read_file", args));
      }
      return samples;
    };
    const read = await readLines(200);
    const readMax = await readLines(400);
    const repeat = async (name: string, calls: Record<string, unknown>[]) => {
      const samples: Sample[] = [];
      for (const args of calls) {
        await timeCall(client, name, args);
        for (let i = 0; i < RUNS; i++) samples.push(await timeCall(client, name, args));
      }
      return samples;
    };
    const contextOne = await repeat(
      "get_context",
      TOPICS.filter((t) => !t.includes(" ")).map((topic) => ({ topic })),
    );
    const contextWords = await repeat(
      "get_context",
      TOPICS.filter((t) => t.includes(" ")).map((topic) => ({ topic })),
    );
    const neighbors = await repeat("graph_neighbors", NEIGHBORS);
    await client.close();

    const row = (tool: string, samples: Sample[]) => {
      const ms = samples.map((s) => s.ms);
      const tokens = (pick: (s: Sample) => number, p: number) =>
        Math.round(
          percentile(
            samples.map((s) => pick(s) / 4),
            p,
          ),
        ).toLocaleString("en");
      const largest = Math.max(...samples.map((s) => s.text + s.structured));
      return `| ${tool} | ${samples.length} | ${percentile(ms, 50).toFixed(1)} ms | ${percentile(ms, 95).toFixed(1)} ms | ${tokens((s) => s.text, 50)} | ${tokens((s) => s.structured, 50)} | ${tokens((s) => s.text + s.structured, 50)} | ${tokens((s) => s.text + s.structured, 95)} | ${largest.toLocaleString("en")} |`;
    };
    const report = [
      `MCP tools over the benchmark corpus (${opts.smoke ? "smoke" : "full"}), ${new Date().toISOString()}, ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}.`,
      "",
      "| tool | calls | p50 | p95 | text tokens p50 | structured tokens p50 | tokens p50 | tokens p95 | largest answer (chars) |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
      row("search_code (limit 10)", search),
      row("search_code (limit 50)", searchMax),
      row("read_file (200 lines)", read),
      row("read_file (400 lines)", readMax),
      row("get_context (one word)", contextOne),
      row("get_context (several words)", contextWords),
      row("graph_neighbors", neighbors),
      "",
      `search_code queries: ${SEARCHES.map((q) => `\`${q}\``).join(", ")} (limit 10 and 50). read_file: ${picked.length} files, lines 1-200 and 1-400. get_context topics: ${TOPICS.map((t) => `\`${t}\``).join(", ")}. graph_neighbors: ${NEIGHBORS.map((a) => `\`${JSON.stringify(a)}\``).join(", ")}. Latency is the whole round trip of the SDK client (HTTP, auth, tool, JSON). Tokens are characters divided by 4; the budget is 24,000 characters of text and structured content together.`,
    ].join("\n");
    await fs.mkdir(path.join(CORPUS, "results"), { recursive: true });
    await fs.writeFile(path.join(CORPUS, "results", "mcp-latest.md"), `${report}\n`);
    process.stdout.write(`${report}\n`);
  } finally {
    await serve.stop();
    await db.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
