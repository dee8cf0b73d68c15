/**
 * The benchmark's results: the machine description, the result record written as JSON, and
 * the Markdown tables (results against the targets of the search issue).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";

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
  speedup: number;
}

/** Everything one run measured. */
export interface BenchResults {
  startedAt: string;
  durationSeconds: number;
  machine: Machine;
  corpus: {
    packages: { name: string; version: string; files: number; bytes: number; textBytes: number; expectedIndexableBytes: number }[];
    files: number;
    bytes: number;
    textFiles: number;
    textBytes: number;
    commit: string;
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

/** The targets and whether this run met them. */
export function targets(r: BenchResults): { target: string; result: string; ok: boolean }[] {
  const slowest = [...r.queries].sort((a, b) => a.speedup - b.speedup)[0];
  const faster = r.queries.filter((q) => q.speedup >= 5).length;
  return [
    {
      target: "Indexing throughput ≥ 4 MB/s",
      result: `${fmt(r.indexing.mbPerSecond, 2)} MB/s (${mb(r.indexing.indexedBytes)} in ${fmt(r.indexing.runSeconds)} s)`,
      ok: r.indexing.mbPerSecond >= 4,
    },
    {
      target: "Index size / indexed source ≤ 1.5",
      result: `${fmt(r.indexSize.ratio, 2)} (${mb(r.indexSize.afterVacuum.total)} for ${mb(r.indexing.indexedBytes)})`,
      ok: r.indexSize.ratio <= 1.5,
    },
    { target: "Search p50 ≤ 50 ms", result: `${ms(r.overall.p50)} ms`, ok: r.overall.p50 <= 50 },
    { target: "Search p95 ≤ 250 ms", result: `${ms(r.overall.p95)} ms`, ok: r.overall.p95 <= 250 },
    {
      target: "Every query's median ≥ 5× faster than rg",
      result: `${faster} of ${r.queries.length} queries; slowest ratio ${fmt(slowest?.speedup ?? 0, 2)}× (${slowest?.id})`,
      ok: faster === r.queries.length,
    },
    ...(r.indexing.graph?.share != null
      ? [
          {
            target: "Graph extraction < 15 % of the index run",
            result: `${fmt(r.indexing.graph.share * 100, 2)} % (${fmt(r.indexing.graph.extractionSeconds ?? 0, 2)} s of ${fmt(r.indexing.runSeconds)} s; ${r.indexing.graph.sources.toLocaleString("en-US")} files read, ${r.indexing.graph.facts.toLocaleString("en-US")} facts)`,
            ok: r.indexing.graph.share < 0.15,
          },
        ]
      : []),
    {
      target: "Indexer peak RSS ≤ 1 GiB",
      result: `${fmt(r.indexing.peakRssBytes / GIB, 2)} GiB (${mb(r.indexing.peakRssBytes)})`,
      ok: r.indexing.peakRssBytes <= GIB,
    },
    {
      target: "Incremental re-index (one changed file) searchable ≤ 5 s",
      result: r.incremental ? `${fmt(r.incremental.requestToSearchableSeconds, 2)} s` : "not run",
      ok: (r.incremental?.requestToSearchableSeconds ?? Infinity) <= 5,
    },
  ];
}

/** The results as Markdown (the tables used in docs/benchmarks.md). */
export function toMarkdown(r: BenchResults): string {
  const m = r.machine;
  const lines: string[] = [];
  lines.push(`Run of ${r.startedAt} (${fmt(r.durationSeconds / 60)} min in all).`, "");
  lines.push("| Machine | |", "| --- | --- |");
  lines.push(`| CPU | ${m.cpus} × ${m.cpuModel} |`, `| Memory | ${fmt(m.memoryBytes / GIB)} GiB |`, `| Kernel | ${m.kernel} |`);
  lines.push(
    `| Node.js | ${m.node} |`,
    `| PostgreSQL | ${m.postgres} (embedded, default settings, fsync on) |`,
    `| git | ${m.git} |`,
    `| ripgrep | ${m.ripgrep} |`,
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

  lines.push("### Queries", "");
  lines.push(
    `Each query: 1 warm-up, then ${r.queries[0]?.ctxpipe.n ?? 0} measured runs, one after another. ctxpipe: GET /api/v1/orgs/{slug}/search (limit 20, API key), time of the whole HTTP round trip. rg: the same files (hard links to exactly the indexed files), \`--count\`.`,
    "",
  );
  lines.push(
    "| Query | ctxpipe median | ctxpipe p95 | rg median | Speed-up | ctxpipe files | rg files (lines) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const q of r.queries) {
    const partial = q.ctxpipe.partial ? ` (partial: ${q.ctxpipe.partial})` : "";
    lines.push(
      `| \`${q.q.replaceAll("|", "\\|")}\` — ${q.what} | ${ms(q.ctxpipe.median)} ms | ${ms(q.ctxpipe.p95)} ms | ${ms(q.rg.median)} ms | ${fmt(q.speedup, 2)}× | ${q.ctxpipe.matchedFiles.toLocaleString("en-US")}${partial} | ${q.rg.files.toLocaleString("en-US")} (${q.rg.lines.toLocaleString("en-US")}) |`,
    );
  }
  lines.push(`| **all queries** | p50 **${ms(r.overall.p50)} ms** | p95 **${ms(r.overall.p95)} ms** | | | | |`, "");
  lines.push("rg commands (run in the folder of indexed files):", "");
  for (const q of r.queries) lines.push(`- ${q.id}: \`${q.rgCommand}\``);
  lines.push("");

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
