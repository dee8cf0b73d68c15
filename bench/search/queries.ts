/**
 * The fixed query set, each with its ripgrep equivalent, and the two runners: ctxpipe through
 * GET /api/v1/orgs/{slug}/search (client-side latency, whole HTTP round trip) and `rg` over a
 * folder that holds exactly the indexed files (hard links), with a warm page cache.
 * ripgrep runs with `--count` (it reads every file fully, but prints one line per file).
 */
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import type { ApiClient } from "./pipeline.js";

/** How ripgrep runs the same search. */
export interface RgSpec {
  /** One pattern, or several that must all occur in a file (ctxpipe's AND is per file). */
  patterns: string[];
  fixed: boolean;
  ignoreCase: boolean;
  iglobs?: string[];
  type?: string;
}

/** One benchmark query. */
export interface BenchQuery {
  id: string;
  what: string;
  q: string;
  rg: RgSpec;
}

/**
 * The queries. ctxpipe is case-insensitive unless `case:yes`, so rg gets `-i` except there.
 * `sym:` has no rg equivalent: a definition-keyword regex stands in for it.
 */
export const QUERIES: readonly BenchQuery[] = [
  { id: "rare", what: "rare literal", q: "kMaxVarint64Length", rg: { patterns: ["kMaxVarint64Length"], fixed: true, ignoreCase: true } },
  {
    id: "medium",
    what: "literal, a few hundred files",
    q: "getBoundingClientRect",
    rg: { patterns: ["getBoundingClientRect"], fixed: true, ignoreCase: true },
  },
  { id: "common", what: "common literal", q: "function", rg: { patterns: ["function"], fixed: true, ignoreCase: true } },
  { id: "and", what: "two words, same file (AND)", q: "useState useEffect", rg: { patterns: ["useState", "useEffect"], fixed: true, ignoreCase: true } },
  { id: "phrase", what: "quoted phrase", q: '"export default function"', rg: { patterns: ["export default function"], fixed: true, ignoreCase: true } },
  { id: "case", what: "case-sensitive literal", q: "case:yes XMLHttpRequest", rg: { patterns: ["XMLHttpRequest"], fixed: true, ignoreCase: false } },
  { id: "nocase", what: "case-insensitive literal", q: "xmlhttprequest", rg: { patterns: ["xmlhttprequest"], fixed: true, ignoreCase: true } },
  {
    id: "regex-hook",
    what: "regex, case-sensitive",
    q: "case:yes /use[A-Z]\\w+Effect/",
    rg: { patterns: ["use[A-Z]\\w+Effect"], fixed: false, ignoreCase: false },
  },
  { id: "regex-import", what: "anchored regex", q: "/^import .* from 'react'/", rg: { patterns: ["^import .* from 'react'"], fixed: false, ignoreCase: true } },
  {
    id: "sym",
    what: "symbol definitions (sym:)",
    q: "sym:createRoot",
    rg: { patterns: ["\\b(function|class|interface|type|enum|const|let|var|def|struct)\\s+\\w*createRoot\\w*"], fixed: false, ignoreCase: true },
  },
  { id: "file", what: "literal + file: filter", q: "Status file:\\.cc$", rg: { patterns: ["Status"], fixed: true, ignoreCase: true, iglobs: ["*.cc"] } },
  { id: "lang", what: "literal + lang: filter", q: "lang:python import", rg: { patterns: ["import"], fixed: true, ignoreCase: true, type: "py" } },
];

/** What one ctxpipe search returned. */
export interface CtxpipeOutcome {
  ms: number;
  serverMs: number;
  matchedFiles: number;
  returned: number;
  partial: boolean;
  partialReason?: string;
}

/** Runs one search through the REST API and times the whole round trip. */
export async function searchOnce(api: ApiClient, slug: string, q: string): Promise<CtxpipeOutcome> {
  const started = performance.now();
  const body = await api.call<{ results: unknown[]; partial: boolean; partialReason?: string; stats: { matchedFiles: number; durationMs: number } }>(
    "GET",
    `/api/v1/orgs/${slug}/search?q=${encodeURIComponent(q)}`,
  );
  const ms = performance.now() - started;
  return {
    ms,
    serverMs: body.stats.durationMs,
    matchedFiles: body.stats.matchedFiles,
    returned: body.results.length,
    partial: body.partial,
    partialReason: body.partialReason,
  };
}

/** What one rg run found. */
export interface RgOutcome {
  ms: number;
  files: number;
  lines: number;
}

function rgArgs(spec: RgSpec, pattern: string, mode: "count" | "list"): string[] {
  const args = ["--no-config", "--no-ignore", "--hidden", "--no-messages", mode === "count" ? "--count" : "--files-with-matches"];
  if (spec.fixed) args.push("--fixed-strings");
  if (spec.ignoreCase) args.push("--ignore-case");
  for (const g of spec.iglobs ?? []) args.push("--iglob", g);
  if (spec.type) args.push("--type", spec.type);
  args.push("--regexp", pattern);
  return args;
}

function rg(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("rg", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 || code === 1 ? resolve(Buffer.concat(out).toString("utf8")) : reject(new Error(`rg exited ${code}`))));
  });
}

function parseCounts(output: string): { files: number; lines: number } {
  let files = 0;
  let lines = 0;
  for (const line of output.split("\n")) {
    const colon = line.lastIndexOf(":");
    if (colon < 0) continue;
    files++;
    lines += Number(line.slice(colon + 1)) || 0;
  }
  return { files, lines };
}

/** Runs the rg equivalent in `cwd` (the folder of indexed files) and times it. */
export async function rgOnce(spec: RgSpec, cwd: string): Promise<RgOutcome> {
  const started = performance.now();
  let counts: { files: number; lines: number };
  if (spec.patterns.length === 1) {
    counts = parseCounts(await rg([...rgArgs(spec, spec.patterns[0]!, "count"), "."], cwd));
  } else {
    // AND per file: list files with the first pattern, narrow the list with each next one.
    let files = (await rg([...rgArgs(spec, spec.patterns[0]!, "list"), "."], cwd)).split("\n").filter(Boolean);
    counts = { files: 0, lines: 0 };
    for (let i = 1; i < spec.patterns.length && files.length > 0; i++) {
      const last = i === spec.patterns.length - 1;
      const next: string[] = [];
      for (let j = 0; j < files.length; j += 2000) {
        const out = await rg([...rgArgs(spec, spec.patterns[i]!, last ? "count" : "list"), "--", ...files.slice(j, j + 2000)], cwd);
        if (last) {
          const c = parseCounts(out);
          counts.files += c.files;
          counts.lines += c.lines;
        } else next.push(...out.split("\n").filter(Boolean));
      }
      files = next;
    }
  }
  return { ms: performance.now() - started, ...counts };
}

/** Median, p95 (nearest rank), min and max of samples. */
export function summarise(samples: number[]): { median: number; p95: number; min: number; max: number; n: number } {
  const s = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
  const median = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return { median, p95: rank(0.95), min: s[0]!, max: s.at(-1)!, n: s.length };
}
