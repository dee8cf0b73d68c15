/**
 * `npm test`: starts one Postgres for the run (embedded, or DATABASE_URL when set), prepares
 * the migrated template, then runs every *.test.ts file with node's test runner, the longest
 * first (from the durations earlier runs recorded), so the run ends with short files filling
 * the gaps instead of the heaviest starting last. Long files run in a process of their own;
 * short ones share a process a few at a time (one after another, each file's suites with their
 * own hooks and test apps), so the server's two thousand modules are imported once per batch
 * instead of once per file. Output is printed whole when a process ends; the run closes with
 * the slowest files and a plain `N passed, N failed` line. When a selected file drives a browser (imports
 * harness/browser.ts), one Chromium is started for the run and shared by those files (each
 * with its own contexts); it is closed at the end, also when the run fails.
 *
 * Usage: npm test [-- <substring filter>...]
 * - TEST_CONCURRENCY (default 3): processes run at once.
 * - TEST_TMPDIR: where the run's scratch directory goes (default: /dev/shm when it is a
 *   memory file system with room, else the system's). The test Postgres and every temporary
 *   directory of the test files (TMPDIR, inherited) live in it; it is removed at the end.
 * - TEST_RECORD_DURATIONS=1: also writes the durations to server/test/test-durations.json
 *   (committed: the order a fresh clone, and so CI, starts from).
 */
import { spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BrowserServer } from "playwright-core";
import { BROWSER_ENDPOINT_ENV, startBrowserServer } from "./harness/browser.js";
import { FILE_RESULT_PREFIX, type FileReport } from "./harness/file-reporter.js";
import { ADMIN_URL_ENV, startTestCluster, TEMPLATE_ENV } from "./harness/test-cluster.js";

const serverDir = fileURLToPath(new URL("..", import.meta.url));
const repoDir = path.dirname(serverDir);
const roots = [path.join(serverDir, "src"), path.join(serverDir, "test")];
/** The TypeScript hooks every test process starts with (esbuild in-thread, cached; see the file). */
const TS_HOOKS = pathToFileURL(path.join(serverDir, "bin", "ts-hooks.js")).href;
/** Durations of the last runs on this checkout (not committed). */
const cachedDurations = path.join(repoDir, "node_modules", ".cache", "ctxpipe", "test-durations.json");
/** Durations committed with the tree: the order of a fresh clone. */
const committedDurations = path.join(serverDir, "test", "test-durations.json");
/** A process in which no file ended for this long is stopped, its unfinished files failed (node's per-test timeout is 180 s). */
const FILE_TIMEOUT_MS = 300_000;
/** The assumed duration of a file no run has timed yet: new files start early, alone. */
const UNKNOWN_FILE_MS = 60_000;
/** Files expected to take this long or longer run in a process of their own (see batches()). */
const ALONE_MS = 40_000;
/** The others share processes, about this much of them each. */
const BATCH_MS = 100_000;
/** The reporter that tells the runner each file's result (harness/file-reporter.ts). */
const FILE_REPORTER = pathToFileURL(path.join(serverDir, "test", "harness", "file-reporter.ts")).href;
/** Process groups of the files running now, stopped with the run when it is interrupted. */
const running = new Set<number>();
/** The run's scratch directory (scratchDirectory()), removed when the run ends or is interrupted. */
let scratch: string | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const pid of running) killGroup(pid);
    process.exit(130);
  });
}
process.on("exit", () => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Free space a memory file system needs for the run's scratch directory (the test Postgres, repositories, bench corpora). */
const SCRATCH_MIN_BYTES = 4 * 1024 ** 3;

/**
 * The run's scratch directory: under TEST_TMPDIR when set, else /dev/shm when it has room, else
 * the system's temporary directory. Files are created and deleted by the hundred thousand in a
 * run (every test database is a copy of the template: about 1,000 files), and on this
 * machine's long-lived ext4 /tmp the kernel's search for a free inode made each
 * `create database` cost 0.4 CPU-seconds (perf: find_inode_bit, recently_deleted); on a memory
 * file system it costs a tenth of that. It is the same Postgres and git, on another disk.
 */
async function scratchDirectory(): Promise<string> {
  let root = process.env.TEST_TMPDIR || os.tmpdir();
  if (!process.env.TEST_TMPDIR) {
    const shm = await fs.statfs("/dev/shm").catch(() => undefined);
    if (shm && shm.bavail * shm.bsize >= SCRATCH_MIN_BYTES) root = "/dev/shm";
  }
  const dir = await fs.mkdtemp(path.join(root, "ctxpipe-test-run-"));
  // As root the embedded Postgres runs as the `postgres` user, which must reach its directory.
  await fs.chmod(dir, 0o755);
  return dir;
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

async function findTestFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const root of roots) {
    for (const entry of await fs.readdir(root, { recursive: true })) {
      if (entry.endsWith(".test.ts")) files.push(path.join(root, entry));
    }
  }
  return files.sort();
}

async function readDurations(file: string): Promise<Record<string, number>> {
  try {
    return JSON.parse(await fs.readFile(file, "utf8")) as Record<string, number>;
  } catch {
    return {};
  }
}

/** node 22 names the flag experimental; later releases drop the prefix. */
function isolationFlag(): string {
  const probe = spawnSync(process.execPath, ["--test-isolation=none", "-e", "0"], { stdio: "ignore" });
  return probe.status === 0 ? "--test-isolation=none" : "--experimental-test-isolation=none";
}

interface FileResult {
  file: string;
  ms: number;
  passed: number;
  failed: number;
  output: string;
}

/**
 * Runs a batch of files in one process (node's runner inside it, no second process, files one
 * after another), so they share one import of the server. Each file's result comes from the
 * file reporter as the file ends; the batch's output is printed with its last file. The batch
 * is stopped when no file has ended for FILE_TIMEOUT_MS; files without a result then fail.
 */
function runBatch(files: string[], env: NodeJS.ProcessEnv, isolation: string): Promise<FileResult[]> {
  let lastEnd = Date.now();
  const child = spawn(
    process.execPath,
    [
      // WebAssembly (tree-sitter's grammars) on V8's baseline compiler only. A test parses a
      // few files, and optimising the huge TypeScript and TSX grammars cost more than the
      // parsing it speeds up: four indexing files took 25 – 28 CPU-seconds this way against
      // 34 – 44 (symbol-extractor.test alone 2.3 s against 12). The same code runs; only V8's
      // compiler tier differs. ctxpipe itself keeps the optimising tier (a long run parses
      // 1.2 – 1.8× faster with it).
      "--liftoff-only",
      "--import",
      TS_HOOKS,
      "--test",
      isolation,
      "--test-timeout=180000",
      "--test-reporter=spec",
      "--test-reporter-destination=stdout",
      `--test-reporter=${FILE_REPORTER}`,
      "--test-reporter-destination=stderr",
      ...files,
    ],
    { cwd: repoDir, stdio: ["ignore", "pipe", "pipe"], env, detached: true },
  );
  if (child.pid) running.add(child.pid);
  let output = "";
  const reports = new Map<string, FileReport>();
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  let stderrTail = "";
  child.stderr.on("data", (chunk: Buffer) => {
    const lines = (stderrTail + chunk.toString()).split("\n");
    stderrTail = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.startsWith(FILE_RESULT_PREFIX)) {
        output += `${line}\n`;
        continue;
      }
      const report = JSON.parse(line.slice(FILE_RESULT_PREFIX.length)) as FileReport;
      reports.set(path.resolve(repoDir, report.file), report);
      lastEnd = Date.now();
    }
  });
  let timedOut = false;
  const timer = setInterval(() => {
    if (Date.now() - lastEnd < FILE_TIMEOUT_MS) return;
    timedOut = true;
    // The files' own children (servers, Postgres clients, browsers) go with them.
    if (child.pid) killGroup(child.pid);
  }, 1000);
  return new Promise((resolve) => {
    child.on("close", (code) => {
      clearInterval(timer);
      if (child.pid) running.delete(child.pid);
      output += stderrTail;
      if (timedOut) output += `\n✖ stopped: no file ended for ${FILE_TIMEOUT_MS / 1000} s\n`;
      const results = files.map((file): FileResult => {
        const report = reports.get(file);
        // A file without a report never ran a test (an import error, a crash, a hang); one that
        // passed nothing fails too.
        if (!report || report.passed === 0)
          return { file, ms: report?.ms ?? 0, passed: report?.passed ?? 0, failed: Math.max(1, report?.failed ?? 0), output: "" };
        return { file, ms: report.ms, passed: report.passed, failed: report.failed, output: "" };
      });
      // A batch that exits non-zero without a failed test (an error outside any test) fails too.
      const last = results[results.length - 1];
      if (last && (code !== 0 || timedOut) && results.every((r) => r.failed === 0)) last.failed = 1;
      if (last) last.output = output;
      resolve(results);
    });
  });
}

/**
 * Files in the order they start, grouped: a file expected to take ALONE_MS or more (a browser
 * journey, a benchmark smoke run) runs in a process of its own; the others share processes,
 * about BATCH_MS of them each. Longest first within each kind, batches by their total.
 */
function batches(files: string[], expected: (file: string) => number): string[][] {
  const sorted = [...files].sort((a, b) => expected(b) - expected(a));
  const alone = sorted.filter((f) => expected(f) >= ALONE_MS).map((f) => [f]);
  const groups: string[][] = [];
  let group: string[] = [];
  let total = 0;
  for (const file of sorted.filter((f) => expected(f) < ALONE_MS)) {
    if (group.length > 0 && total + expected(file) > BATCH_MS) {
      groups.push(group);
      group = [];
      total = 0;
    }
    group.push(file);
    total += expected(file);
  }
  if (group.length > 0) groups.push(group);
  const sum = (g: string[]) => g.reduce((n, f) => n + expected(f), 0);
  return [...alone, ...groups].sort((a, b) => sum(b) - sum(a));
}

/**
 * One Chromium for the files that drive a browser, or undefined when none is selected. When it
 * cannot start (no Chromium here), each file launches its own and fails with the reason.
 */
async function sharedBrowser(files: string[]): Promise<BrowserServer | undefined> {
  let needed = false;
  for (const file of files) if ((await fs.readFile(file, "utf8")).includes("harness/browser.js")) needed = true;
  if (!needed) return undefined;
  try {
    return await startBrowserServer();
  } catch (err) {
    console.error(`no shared browser: ${(err as Error).message}`);
    return undefined;
  }
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const files = (await findTestFiles()).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
  if (files.length === 0) {
    console.error("no test files matched");
    return 1;
  }
  const concurrency = Math.max(1, Number(process.env.TEST_CONCURRENCY ?? "3") || 3);
  const known = { ...(await readDurations(committedDurations)), ...(await readDurations(cachedDurations)) };
  const key = (f: string) => path.relative(repoDir, f);
  const queue = batches(files, (f) => known[key(f)] ?? UNKNOWN_FILE_MS);

  const started = Date.now();
  // The `ctxpipe` processes tests and benchmarks spawn start from the bundle (bin/bundle.js):
  // built here once when the sources changed, not by the first few children at once.
  const bundle = pathToFileURL(path.join(serverDir, "bin", "bundle.js")).href;
  await ((await import(bundle)) as { bundledCli(): Promise<string | undefined> }).bundledCli();
  scratch = await scratchDirectory();
  // Every temporary directory of the run (ours, the test files', their children's) goes there.
  process.env.TMPDIR = scratch;
  const cluster = await startTestCluster(process.env.DATABASE_URL);
  console.log(
    `test database ready in ${Date.now() - started} ms (scratch: ${scratch}); running ${files.length} files in ${queue.length} processes, ${concurrency} at a time`,
  );
  const env: NodeJS.ProcessEnv = { ...process.env, [ADMIN_URL_ENV]: cluster.adminUrl, [TEMPLATE_ENV]: cluster.template, DATABASE_URL: "" };
  delete env[BROWSER_ENDPOINT_ENV];
  const isolation = isolationFlag();
  const results: FileResult[] = [];
  let browser: BrowserServer | undefined;
  try {
    browser = await sharedBrowser(files);
    if (browser) env[BROWSER_ENDPOINT_ENV] = browser.wsEndpoint();
    const worker = async () => {
      for (let batch = queue.shift(); batch !== undefined; batch = queue.shift()) {
        const batchResults = await runBatch(batch, env, isolation);
        results.push(...batchResults);
        const lines = batchResults.map((r) => `${r.failed > 0 ? "✖" : "✔"} ${key(r.file)} (${(r.ms / 1000).toFixed(1)} s)`);
        process.stdout.write(`\n${lines.join("\n")}\n${batchResults.map((r) => r.output).join("")}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  } finally {
    await browser?.close().catch((err: unknown) => console.error("could not close the shared browser:", err));
    await cluster.stop();
  }

  const durations = { ...known };
  for (const r of results) durations[key(r.file)] = r.ms;
  const sorted = Object.fromEntries(Object.entries(durations).sort(([a], [b]) => a.localeCompare(b)));
  await fs.mkdir(path.dirname(cachedDurations), { recursive: true });
  await fs.writeFile(cachedDurations, `${JSON.stringify(sorted, null, 2)}\n`);
  if (process.env.TEST_RECORD_DURATIONS === "1") await fs.writeFile(committedDurations, `${JSON.stringify(sorted, null, 2)}\n`);

  const slowest = [...results].sort((a, b) => b.ms - a.ms).slice(0, 10);
  console.log(`\nslowest files (run took ${((Date.now() - started) / 1000).toFixed(0)} s):`);
  for (const r of slowest) console.log(`  ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${key(r.file)}`);
  const failedFiles = results.filter((r) => r.failed > 0);
  if (failedFiles.length > 0) console.log(`failed files:\n${failedFiles.map((r) => `  ${key(r.file)}`).join("\n")}`);
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 || passed === 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    console.log("0 passed, 1 failed");
    process.exit(1);
  },
);
