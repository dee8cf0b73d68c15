/**
 * Russ Cox's codesearch as the second baseline of `npm run bench:search` (Debian package
 * `codesearch`: `cindex` builds a trigram index in one file, `csearch` answers a query as one
 * process that prints every match). The index is built once per run over the folder of hard
 * links to exactly the indexed files (the one ripgrep searches); each query runs its plan
 * (csearch-query.ts), a process per regexp, timed like ripgrep.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { type CsearchPlan, csearchArgs } from "./csearch-query.js";

/** Whether `cindex` and `csearch` are on PATH, and the package version when dpkg knows it. */
export function codesearchInstalled(): { installed: true; version: string } | { installed: false; reason: string } {
  for (const cmd of ["cindex", "csearch"]) {
    try {
      execFileSync(cmd, ["-help"], { stdio: "ignore" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { installed: false, reason: `${cmd} is not installed (Debian package codesearch)` };
      // Both print their usage and exit 2: they are there.
    }
  }
  let version = "unknown version";
  try {
    // "codesearch\t0.0~hg20120502-3+b19"
    version =
      execFileSync("dpkg-query", ["-W", "codesearch"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
        .split("\t")[1]
        ?.trim() || version;
  } catch {
    // not a Debian system: the version stays unknown
  }
  return { installed: true, version };
}

/** What building the csearch index cost, and what cindex left out. */
export interface CsearchIndex {
  file: string;
  seconds: number;
  bytes: number;
  /** Files and bytes cindex indexed (its -verbose lines). */
  files: number;
  indexedBytes: number;
  /** Files of the folder it did not index: `byName` (a path element starting with `.`, `#` or `~`, or ending with `~`: cindex skips those), `byContent` (a line over 2,000 bytes, over 20,000 distinct trigrams, or invalid UTF-8). */
  skipped: { byName: number; byContent: number; bytes: number };
}

/** Whether cindex's walk skips `rel` (a path under the indexed folder) by one of its names. */
export function cindexSkipsName(rel: string): boolean {
  return rel.split("/").some((e) => e.startsWith(".") || e.startsWith("#") || e.startsWith("~") || e.endsWith("~"));
}

/**
 * Runs `cindex -reset -verbose <dir>` into `indexFile` (its temporary files in `tmpDir`) and
 * times it. `files` are the paths under `dir` (relative) with their sizes, to tell what it skipped.
 */
export async function buildCsearchIndex(dir: string, indexFile: string, tmpDir: string, files: { path: string; bytes: number }[]): Promise<CsearchIndex> {
  await fs.rm(indexFile, { force: true });
  const started = performance.now();
  const indexed = new Set<string>();
  let indexedBytes = 0;
  await new Promise<void>((resolve, reject) => {
    const child = spawn("cindex", ["-reset", "-verbose", dir], {
      env: { ...process.env, CSEARCHINDEX: indexFile, TMPDIR: tmpDir },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let rest = "";
    let tail = "";
    const take = (line: string) => {
      // "2026/12/08 01:31:52 <bytes> <trigrams> <absolute path>" for each file it indexed.
      const m = /^\S+ \S+ (\d+) \d+ (\/.*)$/.exec(line);
      if (m) {
        indexedBytes += Number(m[1]);
        indexed.add(path.relative(dir, m[2]!));
      } else tail = `${tail}${line}\n`.slice(-2000);
    };
    child.stderr.on("data", (d: Buffer) => {
      const lines = (rest + d.toString("utf8")).split("\n");
      rest = lines.pop()!;
      for (const line of lines) take(line);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (rest) take(rest);
      if (code === 0) resolve();
      else reject(new Error(`cindex exited ${code}: ${tail}`));
    });
  });
  const seconds = (performance.now() - started) / 1000;
  const skipped = { byName: 0, byContent: 0, bytes: 0 };
  for (const f of files) {
    if (indexed.has(f.path)) continue;
    if (cindexSkipsName(f.path)) skipped.byName++;
    else skipped.byContent++;
    skipped.bytes += f.bytes;
  }
  return { file: indexFile, seconds, bytes: (await fs.stat(indexFile)).size, files: indexed.size, indexedBytes, skipped };
}

function csearch(args: string[], indexFile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("csearch", args, { env: { ...process.env, CSEARCHINDEX: indexFile }, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    // 1 is "no match" (and a few versions exit 1 after a match too: stderr tells an error apart).
    child.on("close", (code) =>
      code === 0 || (code === 1 && !err.trim())
        ? resolve(Buffer.concat(out).toString("utf8"))
        : reject(new Error(`csearch exited ${code}: ${err.slice(0, 500)}`)),
    );
  });
}

/** `path: N` lines of `csearch -c` as a map. */
export function parseCsearchCounts(output: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of output.split("\n")) {
    const at = line.lastIndexOf(": ");
    if (at > 0) counts.set(line.slice(0, at), Number(line.slice(at + 2)) || 0);
  }
  return counts;
}

/** What one csearch run of a plan found. */
export interface CsearchOutcome {
  ms: number;
  files: number;
  /** Matching lines of each group's last pattern in its files (ripgrep's baseline counts the same). */
  lines: number;
}

/**
 * Runs a plan against `indexFile` and times it: per group, `-l` for every pattern but the last,
 * `-c` for the last, `-l` for the negated ones, one process after another; the files are
 * intersected within a group and united across groups.
 */
export async function csearchOnce(plan: CsearchPlan, indexFile: string): Promise<CsearchOutcome> {
  const started = performance.now();
  const result = new Map<string, number>();
  for (const group of plan.groups) {
    let files: Set<string> | undefined;
    for (const regexp of group.patterns.slice(0, -1)) {
      const listed = (await csearch(csearchArgs(plan, regexp, "list"), indexFile)).split("\n").filter(Boolean);
      files = files ? new Set(listed.filter((f) => files!.has(f))) : new Set(listed);
    }
    const counts = parseCsearchCounts(await csearch(csearchArgs(plan, group.patterns.at(-1)!, "count"), indexFile));
    let matched = [...counts.keys()].filter((f) => !files || files.has(f));
    for (const regexp of group.negated) {
      const excluded = new Set((await csearch(csearchArgs(plan, regexp, "list"), indexFile)).split("\n").filter(Boolean));
      matched = matched.filter((f) => !excluded.has(f));
    }
    for (const f of matched) if (!result.has(f)) result.set(f, counts.get(f)!);
  }
  let lines = 0;
  for (const n of result.values()) lines += n;
  return { ms: performance.now() - started, files: result.size, lines };
}
