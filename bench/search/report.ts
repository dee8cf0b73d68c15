/**
 * The benchmark's results: the machine description, the result record written as JSON, and
 * the Markdown tables (results against the targets of issue #30, with ripgrep and csearch
 * measured in the same run as baselines).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import type { CorpusName } from "./corpus.js";
import type { CsearchIndex } from "./csearch.js";

/** The machine the run was on. */
export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  kernel: string;
  node: string;
  postgres: string;
  git: string;
  ripgrep: string;
  /** The codesearch package's version, or why it is missing (results from before csearch have none). */
  codesearch?: string;
}

/** Describes this machine (`postgres` is filled in once the database runs). */
export async function describeMachine(): Promise<Machine> {
  const cpuinfo = await fs.readFile("/proc/cpuinfo", "utf8").catch(() => "");
  const firstLine = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: "utf8" }).split("\n")[0]!.trim();
    } catch {
      return "unknown";
    }
  };
  return {
    cpus: os.availableParallelism(),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? "unknown",
    memoryBytes: os.totalmem(),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: "",
    git: firstLine("git", ["--version"]),
    ripgrep: firstLine("rg", ["--version"]),
  };
}

/** Per-query result. */
export interface QueryResult {
  id: string;
  what: string;
  q: string;
  rgCommand: string;
  ctxpipe: {
    median: number;
    p95: number;
    min: number;
    max: number;
    n: number;
    serverMedian: number;
    matchedFiles: number;
    returned: number;
    partial: string | null;
  };
  rg: { median: number; p95: number; min: number; max: number; n: number; files: number; lines: number };
  /** rg median / ctxpipe median (above 1: ctxpipe is faster). */
  speedup: number;
  /** csearch's run of the query, `{ na }` when it has no faithful translation, null when csearch did not run. */
  csearch?: CsearchQueryResult | null;
  /** csearch median / ctxpipe median (above 1: ctxpipe is faster); null when csearch has no number. */
  csearchRatio?: number | null;
}

/** How csearch did on one query. */
export type CsearchQueryResult =
  | { na: string }
  | {
      command: string;
      median: number;
      p95: number;
      min: number;
      max: number;
      n: number;
      files: number;
      lines: number;
      /** Same files and lines as ripgrep. */
      agreesWithRg: boolean;
      notes: string[];
    };

/** The csearch baseline of a run: its index, or why it did not run. */
export type CsearchBaseline = ({ version: string } & Omit<CsearchIndex, "file">) | { missing: string };

/** The ratio of the large corpus' p50 to the small one's, from this run and the other corpus' last results. */
export interface CorpusComparison {
  small: { p50: number; p95: number; startedAt: string; indexedBytes: number };
  large: { p50: number; p95: number; startedAt: string; indexedBytes: number };
  /** large p50 / small p50. */
  p50Ratio: number;
}

/** Everything one run measured. */
export interface BenchResults {
  startedAt: string;
  durationSeconds: number;
  machine: Machine;
  /** Which corpus (`--corpus`); results from before the large corpus have none (small). */
  corpusName?: CorpusName;
  corpus: {
    packages: { name: string; version: string; files: number; bytes: number; textBytes: number; expectedIndexableBytes: number }[];
    files: number;
    bytes: number;
    textFiles: number;
    textBytes: number;
    commit: string;
    prepareSeconds?: { fetch: number; measure: number; repo: number };
  };
  indexing: {
    indexedFiles: number;
    indexedBytes: number;
    blobsRead: number | null;
    bytesRead: number | null;
    languages: Record<string, number>;
    skipped: Record<string, number>;
    status: string;
    requestToRunningSeconds: number;
    runSeconds: number;
    requestToReadySeconds: number;
    jobSeconds: number | null;
    phases: { key: string; seconds: number }[];
    mbPerSecond: number;
    peakRssBytes: number;
    baselineRssBytes: number;
    cpuSeconds: { serveProcess: number; gitChildren: number; postgres: number };
    vacuumSeconds: number;
    /** The knowledge graph's extraction inside the run (null in results from before it existed). */
    graph?: { extractionSeconds: number | null; share: number | null; sources: number; facts: number; problems: number };
  };
  indexSize: {
    afterRun: {
      total: number;
      tables: { name: string; total: number; heap: number; toast: number; indexes: number; rows: number }[];
      indexes: { name: string; bytes: number }[];
    };
    afterVacuum: {
      total: number;
      tables: { name: string; total: number; heap: number; toast: number; indexes: number; rows: number }[];
      indexes: { name: string; bytes: number }[];
    };
    ratio: number;
    ratioAfterRun: number;
  };
  queries: QueryResult[];
  overall: { p50: number; p95: number; samples: number };
  /** The csearch baseline (absent in results from before it). */
  csearch?: CsearchBaseline;
  comparison?: CorpusComparison | null;
  incremental: {
    requestToSearchableSeconds: number;
    requestToRunningSeconds: number;
    runSeconds: number;
    requestToReadySeconds: number;
    /** When the first search that found the new string was sent (searches take seconds). */
    foundBySearchStartedAfterSeconds: number;
    searches: number;
    phases: { key: string; seconds: number }[];
    file: string;
  } | null;
  explain?: Record<string, { q: string; totalMs: number; statements: { label: string; ms: number; rows: number }[] }>;
  indexProfile?: unknown;
  cpuProfile?: unknown;
}

const MB = 1_000_000;
const GIB = 1024 ** 3;
const fmt = (n: number, digits = 1) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes: number) => `${fmt(bytes / MB)} MB`;
const ms = (n: number) => (n >= 100 ? fmt(n, 0) : fmt(n, 1));
const pass = (ok: boolean) => (ok ? "pass" : "**miss**");

/** Per-query ratios to csearch (csearch median / ctxpipe median): their median and the worst, with its query. */
export function csearchSummary(r: BenchResults): { median: number; worst: number; worstId: string; measured: number; na: number } | null {
  const rated = r.queries.filter((q) => q.csearchRatio != null).sort((a, b) => a.csearchRatio! - b.csearchRatio!);
  if (rated.length === 0) return null;
  const ratios = rated.map((q) => q.csearchRatio!);
  const mid = ratios.length / 2;
  const median = ratios.length % 2 ? ratios[Math.floor(mid)]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
  return { median, worst: ratios[0]!, worstId: rated[0]!.id, measured: rated.length, na: r.queries.filter((q) => q.csearch && "na" in q.csearch).length };
}

/** The targets of issue #30 for this run's corpus and whether it met them. */
export function targets(r: BenchResults): { target: string; result: string; ok: boolean }[] {
  const large = r.corpusName === "large";
  const slowest = [...r.queries].sort((a, b) => a.speedup - b.speedup)[0];
  const faster = r.queries.filter((q) => q.speedup >= 5).length;
  const cs = csearchSummary(r);
  const csResult = (v: number | undefined) => (cs ? `${fmt(v ?? 0, 2)} (${cs.measured} queries; ${cs.na} n/a)` : "csearch did not run");
  const p50Max = large ? 40 : 20;
  const p95Max = large ? 200 : 80;
  const rows: { target: string; result: string; ok: boolean }[] = [
    { target: `Search p50 ≤ ${p50Max} ms`, result: `${ms(r.overall.p50)} ms`, ok: r.overall.p50 <= p50Max },
    { target: `Search p95 ≤ ${p95Max} ms`, result: `${ms(r.overall.p95)} ms`, ok: r.overall.p95 <= p95Max },
  ];
  if (large) {
    const c = r.comparison;
    rows.push({
      target: "Large p50 ≤ 2 × small p50",
      result: c ? `${fmt(c.p50Ratio, 2)} × (${ms(c.large.p50)} ms / ${ms(c.small.p50)} ms of ${c.small.startedAt})` : "no small-corpus results to compare",
      ok: c != null && c.p50Ratio <= 2,
    });
  }
  rows.push({ target: "Median of per-query ratios to csearch ≥ 1", result: csResult(cs?.median), ok: cs != null && cs.median >= 1 });
  if (!large) {
    rows.push({
      target: "Worst per-query ratio to csearch ≥ 0.5",
      result: cs ? `${fmt(cs.worst, 2)} (${cs.worstId})` : "csearch did not run",
      ok: cs != null && cs.worst >= 0.5,
    });
    rows.push({
      target: "Every query's median ≥ 5× faster than rg",
      result: `${faster} of ${r.queries.length} queries; slowest ratio ${fmt(slowest?.speedup ?? 0, 2)}× (${slowest?.id})`,
      ok: faster === r.queries.length,
    });
    rows.push({
      target: "Indexing throughput ≥ 6 MB/s",
      result: `${fmt(r.indexing.mbPerSecond, 2)} MB/s (${mb(r.indexing.indexedBytes)} in ${fmt(r.indexing.runSeconds)} s)`,
      ok: r.indexing.mbPerSecond >= 6,
    });
  }
  rows.push({
    target: "Index size / indexed source ≤ 1.5",
    result: `${fmt(r.indexSize.ratio, 2)} (${mb(r.indexSize.afterVacuum.total)} for ${mb(r.indexing.indexedBytes)})`,
    ok: r.indexSize.ratio <= 1.5,
  });
  if (r.indexing.graph?.share != null) {
    rows.push({
      target: "Graph extraction < 15 % of the index run",
      result: `${fmt(r.indexing.graph.share * 100, 2)} % (${fmt(r.indexing.graph.extractionSeconds ?? 0, 2)} s of ${fmt(r.indexing.runSeconds)} s; ${r.indexing.graph.sources.toLocaleString("en-US")} files read, ${r.indexing.graph.facts.toLocaleString("en-US")} facts)`,
      ok: r.indexing.graph.share < 0.15,
    });
  }
  rows.push({
    target: "Indexer peak RSS ≤ 1 GiB",
    result: `${fmt(r.indexing.peakRssBytes / GIB, 2)} GiB (${mb(r.indexing.peakRssBytes)})`,
    ok: r.indexing.peakRssBytes <= GIB,
  });
  rows.push({
    target: "Incremental re-index (one changed file) searchable ≤ 1 s",
    result: r.incremental ? `${fmt(r.incremental.requestToSearchableSeconds, 2)} s` : "not run",
    ok: (r.incremental?.requestToSearchableSeconds ?? Infinity) <= 1,
  });
  return rows;
}

/** The baselines of the run: ripgrep, and csearch with its index (a `| csearch |` row either way). */
function baselineMarkdown(r: BenchResults): string[] {
  const lines = ["### Baselines", "", "| Baseline | Index and what it searched |", "| --- | --- |"];
  lines.push(`| rg | no index: reads the ${r.indexing.indexedFiles.toLocaleString("en-US")} indexed files (hard links) on every query |`);
  const c = r.csearch;
  if (!c) lines.push("| csearch | not run |");
  else if ("missing" in c) lines.push(`| csearch | not run: ${c.missing} |`);
  else {
    const skipped = c.skipped.byName + c.skipped.byContent;
    lines.push(
      `| csearch | cindex ${fmt(c.seconds)} s, index ${mb(c.bytes)}; ${c.files.toLocaleString("en-US")} files, ${mb(c.indexedBytes)} indexed${skipped ? `; left out ${skipped.toLocaleString("en-US")} files, ${mb(c.skipped.bytes)} (${c.skipped.byName.toLocaleString("en-US")} by a name starting with \`.\`, ${c.skipped.byContent.toLocaleString("en-US")} as non-text: a line over 2,000 bytes, over 20,000 trigrams or invalid UTF-8)` : ""} (codesearch ${c.version}) |`,
    );
  }
  lines.push("");
  return lines;
}

/** The results as Markdown (the tables used in docs/benchmarks.md). */
export function toMarkdown(r: BenchResults): string {
  const m = r.machine;
  const lines: string[] = [];
  lines.push(`Run of ${r.startedAt} on the ${r.corpusName ?? "small"} corpus (${fmt(r.durationSeconds / 60)} min in all).`, "");
  lines.push("| Machine | |", "| --- | --- |");
  lines.push(`| CPU | ${m.cpus} × ${m.cpuModel} |`, `| Memory | ${fmt(m.memoryBytes / GIB)} GiB |`, `| Kernel | ${m.kernel} |`);
  lines.push(
    `| Node.js | ${m.node} |`,
    `| PostgreSQL | ${m.postgres} (embedded, default settings, fsync on) |`,
    `| git | ${m.git} |`,
    `| ripgrep | ${m.ripgrep} |`,
    `| codesearch (cindex, csearch) | ${m.codesearch ?? "not run"} |`,
    "",
  );

  lines.push("### Targets", "", "| Target | Result | |", "| --- | --- | --- |");
  for (const t of targets(r)) lines.push(`| ${t.target} | ${t.result} | ${pass(t.ok)} |`);
  lines.push("");

  const ix = r.indexing;
  lines.push("### Indexing (full, through the REST API)", "", "| Measure | Value |", "| --- | --- |");
  lines.push(
    `| Corpus | ${r.corpus.files.toLocaleString("en-US")} files, ${mb(r.corpus.bytes)} (${mb(r.corpus.textBytes)} text), commit \`${r.corpus.commit.slice(0, 12)}\` |`,
  );
  const prep = r.corpus.prepareSeconds;
  if (prep)
    lines.push(
      `| Corpus preparation (this run) | fetch and extract ${fmt(prep.fetch)} s, measure ${fmt(prep.measure)} s, git repository ${fmt(prep.repo)} s (a step already done takes about nothing) |`,
    );
  lines.push(
    `| Indexed | ${ix.indexedFiles.toLocaleString("en-US")} files, ${mb(ix.indexedBytes)}${ix.bytesRead !== null ? ` (${ix.blobsRead?.toLocaleString("en-US")} distinct blobs, ${mb(ix.bytesRead)} read)` : ""} |`,
  );
  lines.push(
    `| Skipped | ${
      Object.entries(ix.skipped)
        .map(([k, v]) => `${k} ${v.toLocaleString("en-US")}`)
        .join(", ") || "none"
    } |`,
  );
  lines.push(`| Request → job running | ${fmt(ix.requestToRunningSeconds, 2)} s |`);
  lines.push(`| Job running → ready | ${fmt(ix.runSeconds)} s (${ix.phases.map((p) => `${p.key} ${fmt(p.seconds)} s`).join(", ")}) |`);
  lines.push(`| Throughput | ${fmt(ix.mbPerSecond, 2)} MB/s of indexed source |`);
  lines.push(
    `| CPU seconds during the run | ctxpipe process ${fmt(ix.cpuSeconds.serveProcess)}, git ${fmt(ix.cpuSeconds.gitChildren)}, Postgres ${fmt(ix.cpuSeconds.postgres)} |`,
  );
  lines.push(`| Peak RSS of \`ctxpipe serve\` | ${mb(ix.peakRssBytes)} (${mb(ix.baselineRssBytes)} before the run) |`);
  if (ix.graph) {
    lines.push(
      `| Knowledge graph (inside the run) | ${ix.graph.extractionSeconds !== null ? `${fmt(ix.graph.extractionSeconds, 2)} s, ${fmt((ix.graph.share ?? 0) * 100, 2)} % of the run; ` : ""}${ix.graph.sources.toLocaleString("en-US")} files read, ${ix.graph.facts.toLocaleString("en-US")} facts, ${ix.graph.problems.toLocaleString("en-US")} unreadable |`,
    );
  }
  lines.push(`| VACUUM ANALYZE of the index tables afterwards | ${fmt(ix.vacuumSeconds)} s |`, "");

  lines.push("### Index size", "", "| Table | Rows | Heap | TOAST | Indexes | Total |", "| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const t of r.indexSize.afterVacuum.tables)
    lines.push(`| ${t.name} | ${t.rows.toLocaleString("en-US")} | ${mb(t.heap)} | ${mb(t.toast)} | ${mb(t.indexes)} | ${mb(t.total)} |`);
  lines.push(`| **all** | | | | | **${mb(r.indexSize.afterVacuum.total)}** |`, "");
  lines.push(
    `Ratio to the indexed source: ${fmt(r.indexSize.ratio, 2)} after VACUUM ANALYZE (${fmt(r.indexSize.ratioAfterRun, 2)} right after the run). Largest indexes: ${r.indexSize.afterVacuum.indexes
      .slice(0, 4)
      .map((i) => `${i.name} ${mb(i.bytes)}`)
      .join(", ")}.`,
    "",
  );

  lines.push(...baselineMarkdown(r));

  lines.push("### Queries", "");
  lines.push(
    `Each query: 1 warm-up, then ${r.queries[0]?.ctxpipe.n ?? 0} measured runs, one after another. ctxpipe: GET /api/v1/orgs/{slug}/search (limit 20, API key), time of the whole HTTP round trip. rg: the same files (hard links to exactly the indexed files), \`--count\`. csearch: its index of the same folder, a process per pattern (\`-c\`), as for rg. A ratio above 1 means ctxpipe is faster.`,
    "",
  );
  const plain = (q: QueryResult) => (q.csearch && !("na" in q.csearch) ? q.csearch : null);
  lines.push(
    "| Query | ctxpipe median | ctxpipe p95 | rg median | csearch median | csearch / ctxpipe | rg / ctxpipe | ctxpipe files | rg files (lines) | csearch files (lines) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const q of r.queries) {
    const partial = q.ctxpipe.partial ? ` (partial: ${q.ctxpipe.partial})` : "";
    const c = plain(q);
    const csMedian = c ? `${ms(c.median)} ms` : q.csearch ? "n/a" : "not run";
    const csCounts = c ? `${c.files.toLocaleString("en-US")} (${c.lines.toLocaleString("en-US")})${c.agreesWithRg ? "" : " ≠ rg"}` : "";
    lines.push(
      `| \`${q.q.replaceAll("|", "\\|")}\` — ${q.what} | ${ms(q.ctxpipe.median)} ms | ${ms(q.ctxpipe.p95)} ms | ${ms(q.rg.median)} ms | ${csMedian} | ${q.csearchRatio != null ? `${fmt(q.csearchRatio, 2)}×` : ""} | ${fmt(q.speedup, 2)}× | ${q.ctxpipe.matchedFiles.toLocaleString("en-US")}${partial} | ${q.rg.files.toLocaleString("en-US")} (${q.rg.lines.toLocaleString("en-US")}) | ${csCounts} |`,
    );
  }
  const cs = csearchSummary(r);
  const slowest = [...r.queries].sort((a, b) => a.speedup - b.speedup)[0];
  const fiveX = r.queries.filter((q) => q.speedup >= 5).length;
  lines.push(`| **all queries** | p50 **${ms(r.overall.p50)} ms** | p95 **${ms(r.overall.p95)} ms** | | | | | | | |`);
  lines.push(
    `| **ratio to csearch** | | | | | median **${cs ? `${fmt(cs.median, 2)}×` : "n/a"}**, worst **${cs ? `${fmt(cs.worst, 2)}×` : "n/a"}**${cs ? ` (${cs.worstId})` : ""} | | | | |`,
  );
  lines.push(
    `| **ratio to rg** | | | | | | **${fiveX} of ${r.queries.length}** ≥ 5×, worst **${fmt(slowest?.speedup ?? 0, 2)}×** (${slowest?.id}) | | | |`,
    "",
  );
  if (r.comparison) {
    const c = r.comparison;
    lines.push(
      `Scaling: the large corpus' p50 is **${fmt(c.p50Ratio, 2)}×** the small one's (large ${ms(c.large.p50)} ms / p95 ${ms(c.large.p95)} ms over ${mb(c.large.indexedBytes)}, run of ${c.large.startedAt}; small ${ms(c.small.p50)} ms / p95 ${ms(c.small.p95)} ms over ${mb(c.small.indexedBytes)}, run of ${c.small.startedAt}). Compare runs on the same machine state only.`,
      "",
    );
  }
  const disagree = r.queries.filter((q) => plain(q) && !plain(q)!.agreesWithRg);
  if (disagree.length > 0) {
    lines.push(
      `csearch and rg disagree on ${disagree.length} queries (files and lines): ${disagree.map((q) => `${q.id} csearch ${plain(q)!.files} (${plain(q)!.lines}) vs rg ${q.rg.files} (${q.rg.lines})`).join("; ")}. cindex leaves out files it takes for non-text (see Baselines), and rg's \`-t\` types and Unicode classes are not ctxpipe's.`,
      "",
    );
  }
  lines.push("rg commands (run in the folder of indexed files):", "");
  for (const q of r.queries) lines.push(`- ${q.id}: \`${q.rgCommand}\``);
  lines.push("");
  if (r.queries.some((q) => q.csearch)) {
    lines.push("csearch commands (CSEARCHINDEX set to the run's index; `$ROOT` is the folder of indexed files):", "");
    for (const q of r.queries) {
      if (!q.csearch) continue;
      if ("na" in q.csearch) lines.push(`- ${q.id}: n/a: ${q.csearch.na}`);
      else lines.push(`- ${q.id}: \`${q.csearch.command}\`${q.csearch.notes.length ? ` (${q.csearch.notes.join("; ")})` : ""}`);
    }
    lines.push("");
  }

  if (r.incremental) {
    const inc = r.incremental;
    lines.push("### Incremental re-index", "");
    lines.push(
      `One file (\`${inc.file}\`) changed in a new commit, then POST …/reindex while a search for a new string in it is repeated (${inc.searches} searches). ` +
        `Request → job running ${fmt(inc.requestToRunningSeconds, 2)} s; job running → ready ${fmt(inc.runSeconds, 2)} s (${inc.phases.map((p) => `${p.key} ${fmt(p.seconds)} s`).join(", ")}); ` +
        `request → ready ${fmt(inc.requestToReadySeconds, 2)} s; the first search that found it was sent at ${fmt(inc.foundBySearchStartedAfterSeconds, 2)} s and answered at **${fmt(inc.requestToSearchableSeconds, 2)} s**.`,
      "",
    );
  }
  return lines.join("\n");
}
