/**
 * `npm test`: starts one Postgres for the run (embedded, or DATABASE_URL when set), prepares
 * the migrated template, then runs every *.test.ts file in a process of its own with node's
 * test runner, the longest first (from the durations earlier runs recorded), so the run ends
 * with short files filling the gaps instead of the heaviest starting last. Each file's output
 * is printed whole when it ends; the run closes with the slowest files and a plain
 * `N passed, N failed` line. When a selected file drives a browser (imports
 * harness/browser.ts), one Chromium is started for the run and shared by those files (each
 * with its own contexts); it is closed at the end, also when the run fails.
 *
 * Usage: npm test [-- <substring filter>...]
 * - TEST_CONCURRENCY (default 3): files run at once.
 * - TEST_RECORD_DURATIONS=1: also writes the durations to server/test/test-durations.json
 *   (committed: the order a fresh clone, and so CI, starts from).
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BrowserServer } from "playwright-core";
import { BROWSER_ENDPOINT_ENV, startBrowserServer } from "./harness/browser.js";
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
/** A file that outlives this is stopped and counted as failed (node's per-test timeout is 180 s). */
const FILE_TIMEOUT_MS = 300_000;
/** The assumed duration of a file no run has timed yet: new files start early. */
const UNKNOWN_FILE_MS = 60_000;
/** Process groups of the files running now, stopped with the run when it is interrupted. */
const running = new Set<number>();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const pid of running) killGroup(pid);
    process.exit(130);
  });
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

/** Runs one test file in its own process (node's runner inside it, no second process). */
function runFile(file: string, env: NodeJS.ProcessEnv, isolation: string): Promise<FileResult> {
  const started = Date.now();
  const child = spawn(process.execPath, ["--import", TS_HOOKS, "--test", isolation, "--test-reporter=spec", "--test-timeout=180000", file], {
    cwd: repoDir,
    stdio: ["ignore", "pipe", "pipe"],
    env,
    detached: true,
  });
  if (child.pid) running.add(child.pid);
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    // The file's own children (servers, Postgres clients, browsers) go with it.
    if (child.pid) killGroup(child.pid);
  }, FILE_TIMEOUT_MS);
  return new Promise((resolve) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      if (child.pid) running.delete(child.pid);
      // node's spec reporter closes with lines such as "ℹ pass 12".
      const count = (label: string) => Number(output.match(new RegExp(`^ℹ ${label} (\\d+)$`, "m"))?.[1] ?? 0);
      const passed = count("pass");
      let failed = count("fail") + count("cancelled");
      if (timedOut) output += `\n✖ ${path.relative(repoDir, file)} stopped after ${FILE_TIMEOUT_MS / 1000} s\n`;
      // A file that exits non-zero without a failed test (a crash, a hang, an error outside
      // any test) still fails the run.
      if ((code !== 0 || timedOut || passed === 0) && failed === 0) failed = 1;
      resolve({ file, ms: Date.now() - started, passed, failed, output });
    });
  });
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
  const queue = [...files].sort((a, b) => (known[key(b)] ?? UNKNOWN_FILE_MS) - (known[key(a)] ?? UNKNOWN_FILE_MS));

  const started = Date.now();
  const cluster = await startTestCluster(process.env.DATABASE_URL);
  console.log(`test database ready in ${Date.now() - started} ms; running ${files.length} files, ${concurrency} at a time`);
  const env: NodeJS.ProcessEnv = { ...process.env, [ADMIN_URL_ENV]: cluster.adminUrl, [TEMPLATE_ENV]: cluster.template, DATABASE_URL: "" };
  delete env[BROWSER_ENDPOINT_ENV];
  const isolation = isolationFlag();
  const results: FileResult[] = [];
  let browser: BrowserServer | undefined;
  try {
    browser = await sharedBrowser(files);
    if (browser) env[BROWSER_ENDPOINT_ENV] = browser.wsEndpoint();
    const worker = async () => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
        const result = await runFile(file, env, isolation);
        results.push(result);
        const mark = result.failed > 0 ? "✖" : "✔";
        process.stdout.write(`\n${mark} ${key(file)} (${(result.ms / 1000).toFixed(1)} s)\n${result.output}`);
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
