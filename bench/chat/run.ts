/**
 * `npm run bench:chat`: what ctxpipe's agent loop adds to a model's own time. Starts embedded
 * Postgres, `ctxpipe serve` and a local model provider speaking OpenAI's streamed wire format
 * (server/test/harness/fake-model-provider.ts) that plays the same script for every question:
 * one call asking for search_code, then an answer of 60 words streamed at a fixed pace with
 * three real citations. The search benchmark's corpus (bench-corpus, --smoke for the small
 * one) is indexed first.
 *
 * Side by side in the same run:
 * - **baseline**: the same two completions streamed straight from the provider (what a
 *   client talking to the model alone would wait for, with no tools run);
 * - **ctxpipe**: the question through `POST …/chat/conversations` with
 *   `Accept: text/event-stream`, timed to the first text event and to the stored answer
 *   (tools run, citations checked, answer stored).
 * Then one answer citing 50 locations (the most checked per answer) measures the citation
 * check. Reports p50/p95 into bench-corpus/results/chat-latest.md and stdout.
 *
 * Options: --runs N (default 10), --smoke (packages npm ci installed, 2 runs), --word-ms N (the provider's pace, default 15).
 */
import fs from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { type FakeModelProvider, startFakeModelProvider } from "../../server/test/harness/fake-model-provider.js";
import { corpusRoot, prepareCorpus, SMOKE_CORPUS } from "../search/corpus.js";
import { ApiClient, makeWorkDir, sleep, startDatabase, startServe } from "../search/pipeline.js";

const { values: opts } = parseArgs({
  options: { runs: { type: "string" }, smoke: { type: "boolean", default: false }, "word-ms": { type: "string", default: "15" } },
});
const RUNS = Math.max(1, Number.parseInt(opts.runs ?? (opts.smoke ? "2" : "10"), 10) || 10);
const WORD_MS = Math.max(0, Number.parseInt(opts["word-ms"]!, 10) || 0);
const SLUG = "bench";
const KEY = "sk-bench-chat";
const CORPUS = await corpusRoot(opts.smoke);
const QUESTIONS = ["debounce", "mergeMap", "createReadStream", "throttle", "Observable", "parseAsync"];
const t0 = Date.now();
const log = (line: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** An answer of 60 words ending with `citations`. */
function answerText(citations: string[]): string {
  const words = Array.from({ length: 60 - citations.length }, (_, i) => `word${i}`);
  return `${words.join(" ")} ${citations.join(" ")}`;
}

/** Reads a streamed HTTP body to its end; answers when the first chunk matching `first` arrived and when it ended. */
async function timeStream(res: Response, started: number, first: (chunk: string) => boolean): Promise<{ firstMs: number; totalMs: number; body: string }> {
  let firstMs = Number.NaN;
  let body = "";
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    const text = decoder.decode(chunk, { stream: true });
    body += text;
    if (Number.isNaN(firstMs) && first(body)) firstMs = performance.now() - started;
  }
  return { firstMs, totalMs: performance.now() - started, body };
}

/** Every question's script: a completion asking for search_code, then the answer streamed at WORD_MS a word. */
function script(provider: FakeModelProvider, citations: string[], question: string): void {
  provider.replies.splice(
    0,
    provider.replies.length,
    { toolCalls: [{ name: "search_code", arguments: { query: question } }] },
    {
      text: answerText(citations),
      wordDelayMs: WORD_MS,
    },
  );
}

/** The script straight from the provider: the tool-call completion, then the streamed answer. */
async function baseline(provider: FakeModelProvider, citations: string[], question: string) {
  script(provider, citations, question);
  const started = performance.now();
  const completion = (messages: unknown[]) =>
    fetch(`${provider.url}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "m", stream: true, messages }),
    });
  await timeStream(await completion([{ role: "user", content: question }]), started, () => false);
  return timeStream(await completion([{ role: "user", content: question }]), started, (body) => body.includes('"content":"word0'));
}

/** The script through ctxpipe's chat, streamed. */
async function throughCtxpipe(baseUrl: string, apiKey: string, provider: FakeModelProvider, citations: string[], question: string) {
  script(provider, citations, question);
  const started = performance.now();
  const res = await fetch(`${baseUrl}/api/v1/orgs/${SLUG}/chat/conversations`, {
    method: "POST",
    headers: { "x-api-key": apiKey, "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ prompt: `Where is ${question} implemented?` }),
  });
  if (res.status !== 200) throw new Error(`chat: ${res.status} ${await res.text()}`);
  const timed = await timeStream(res, started, (body) => body.includes("event: text"));
  const answer = timed.body
    .split("\n")
    .filter((l) => l.startsWith("data: "))
    .map(
      (l) =>
        JSON.parse(l.slice(6)) as { type: string; answer?: { citations: { citation: string; verified: boolean; reason?: string }[]; toolCalls: unknown[] } },
    )
    .find((e) => e.type === "answer")?.answer;
  if (!answer) throw new Error(`no answer event: ${timed.body.slice(-500)}`);
  for (const c of answer.citations) if (!c.verified && !c.citation.includes("missing/")) log(`unverified ${c.citation}: ${c.reason}`);
  return { ...timed, cited: citations.length, verified: answer.citations.filter((c) => c.verified).length, toolCalls: answer.toolCalls.length };
}

async function main(): Promise<void> {
  const { paths, stats } = await prepareCorpus(CORPUS, log, opts.smoke ? SMOKE_CORPUS : {});
  const provider = await startFakeModelProvider({ key: KEY, models: ["m"] });
  const workDir = await makeWorkDir();
  const db = await startDatabase(workDir);
  const serve = await startServe({
    databaseUrl: db.url,
    dataDir: path.join(workDir, "data"),
    localRepositoriesRoot: CORPUS,
    logFile: path.join(workDir, "serve.log"),
    env: { MODEL_PROVIDER_URL: provider.url, MODEL_PROVIDER_API_KEY: KEY, MODEL_MEDIUM_NAME: "m" },
  });
  try {
    const api = new ApiClient(serve.baseUrl);
    await api.setUp(SLUG);
    const repo = await api.call<{ id: string }>("POST", `/api/v1/orgs/${SLUG}/repositories`, { url: paths.repo, name: "corpus" }, 201);
    for (;;) {
      const view = await api.call<{ status: string; error: string | null }>("GET", `/api/v1/orgs/${SLUG}/repositories/${repo.id}`);
      if (view.status === "ready" || view.status === "complete_with_issues") break;
      if (view.status === "failed") throw new Error(`indexing failed: ${view.error}`);
      await sleep(1000);
    }
    // Real citations: the first lines the search finds for each question.
    const citationsOf = async (q: string, n: number) => {
      const found = await api.call<{ results: { repository: { name: string }; commit: string; path: string; lines: { line: number }[] }[] }>(
        "GET",
        `/api/v1/orgs/${SLUG}/search?q=${encodeURIComponent(q)}&limit=50`,
      );
      return found.results.flatMap((r) => r.lines.slice(0, 1).map((l) => `${r.repository.name}@${r.commit.slice(0, 12)}:${r.path}:${l.line}`)).slice(0, n);
    };
    const rows: { question: string; base: Awaited<ReturnType<typeof baseline>>; ours: Awaited<ReturnType<typeof throughCtxpipe>> }[] = [];
    for (let run = -1; run < RUNS; run++) {
      const question = QUESTIONS[(run + QUESTIONS.length) % QUESTIONS.length]!;
      const citations = await citationsOf(question, 3);
      const base = await baseline(provider, citations, question);
      const ours = await throughCtxpipe(serve.baseUrl, api.key, provider, citations, question);
      if (run >= 0) rows.push({ question, base, ours });
      log(`${question}: baseline ${base.totalMs.toFixed(0)} ms, ctxpipe ${ours.totalMs.toFixed(0)} ms (${ours.verified} verified)`);
    }
    const real = new Set<string>();
    for (const q of ["return", "import", "export", ...QUESTIONS]) for (const c of await citationsOf(q, 45)) if (real.size < 45) real.add(c);
    const many = [...real, ...Array.from({ length: 5 }, (_, i) => `corpus@${"0".repeat(12)}:missing/file${i}.ts:1`)];
    const manyBase = await baseline(provider, many, "function");
    const manyOurs = await throughCtxpipe(serve.baseUrl, api.key, provider, many, "function");

    const col = (pick: (r: (typeof rows)[number]) => number) => rows.map(pick);
    const fmt = (v: number) => `${v.toFixed(0)} ms`;
    const line = (name: string, values: number[]) => `| ${name} | ${fmt(percentile(values, 50))} | ${fmt(percentile(values, 95))} |`;
    const overhead = col((r) => r.ours.totalMs - r.base.totalMs);
    const report = [
      `# bench:chat (${new Date().toISOString()})`,
      "",
      `Corpus: ${opts.smoke ? "smoke" : "full"} (${stats.files} files, commit ${stats.commit.slice(0, 12)}); ${RUNS} questions; the provider streams 60 words at ${WORD_MS} ms each after a tool call.`,
      "",
      "| measure | p50 | p95 |",
      "| --- | --- | --- |",
      line(
        "baseline: first word straight from the provider",
        col((r) => r.base.firstMs),
      ),
      line(
        "ctxpipe: first text event (tool run included)",
        col((r) => r.ours.firstMs),
      ),
      line(
        "baseline: whole script straight from the provider",
        col((r) => r.base.totalMs),
      ),
      line(
        "ctxpipe: stored answer with checked citations",
        col((r) => r.ours.totalMs),
      ),
      line("ctxpipe's own time (difference)", overhead),
      "",
      `Citations: ${rows.reduce((n, r) => n + r.ours.verified, 0)} of ${rows.reduce((n, r) => n + r.ours.cited, 0)} verified (each answer cites up to 3 lines the search found); ${rows.every((r) => r.ours.toolCalls === 1) ? "1 tool call per answer" : "tool calls differ"}.`,
      "",
      `${manyOurs.cited} citations in one answer (${manyOurs.cited - 5} real, 5 invented): baseline ${fmt(manyBase.totalMs)}, ctxpipe ${fmt(manyOurs.totalMs)}; ${manyOurs.verified} verified; ctxpipe's own time ${fmt(manyOurs.totalMs - manyBase.totalMs)}.`,
      "",
    ].join("\n");
    process.stdout.write(`${report}\n`);
    await fs.mkdir(path.join(CORPUS, "results"), { recursive: true });
    await fs.writeFile(path.join(CORPUS, "results", "chat-latest.md"), report);
  } finally {
    await serve.stop();
    await db.stop();
    await provider.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
