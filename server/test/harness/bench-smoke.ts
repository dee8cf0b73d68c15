/**
 * Runs one benchmark's `--smoke` mode as `npm run bench:<name>` would (its own process, its own
 * `ctxpipe migrate` and `ctxpipe serve`), so the suite fails when a benchmark's path breaks.
 * Its databases are fresh ones on the test run's Postgres (BENCH_POSTGRES_URL), not an
 * embedded cluster of its own: no initdb per file. It asserts that the run completed, never a
 * timing.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ADMIN_URL_ENV } from "./test-cluster.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
/** The TypeScript hooks the `bench:*` scripts start with. */
const TS_HOOKS = new URL("../../bin/ts-hooks.js", import.meta.url).href;

/** The environment without the test run's own database and ctxpipe settings, and with its Postgres server for the benchmark. */
function benchEnv(): NodeJS.ProcessEnv {
  const adminUrl = process.env[ADMIN_URL_ENV];
  if (!adminUrl) throw new Error(`run tests with \`npm test\` (${ADMIN_URL_ENV} is not set)`);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(CTXPIPE_|DATABASE_URL$|NODE_TEST_CONTEXT$)/.test(k)) env[k] = v;
  return { ...env, BENCH_POSTGRES_URL: adminUrl };
}

/**
 * Runs `bench/<name>/run.ts --smoke` to completion.
 * @returns its standard output (the benchmark's summary lines).
 * @throws AssertionError with the end of its output when it exits non-zero or outlives `timeoutMs`.
 */
export async function runBenchSmoke(name: string, timeoutMs = 150_000): Promise<string> {
  // WebAssembly on V8's baseline compiler, as in the test files (run-tests.ts); the bench passes
  // it on to its `ctxpipe serve`.
  const child = spawn(process.execPath, ["--liftoff-only", "--import", TS_HOOKS, path.join("bench", name, "run.ts"), "--smoke"], {
    cwd: ROOT,
    env: benchEnv(),
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: a timeout stops the bench and what it started (its `ctxpipe serve`,
    // git, ripgrep), which SIGTERM to the bench alone left running.
    detached: true,
  });
  let stdout = "";
  let output = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    output += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => {
    try {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }, timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  clearTimeout(timer);
  assert.equal(code, 0, `bench:${name} --smoke exited ${code}:\n${output.slice(-4000)}`);
  return stdout;
}
