/**
 * `npm test`: starts one Postgres for the run (embedded, or DATABASE_URL when set), prepares
 * the migrated template, runs every *.test.ts file with node's test runner (each file in its
 * own process), and ends with a plain `N passed, N failed` line.
 *
 * Usage: npm test [-- <substring filter>...]; TEST_CONCURRENCY (default 3) files run at once.
 */
import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ADMIN_URL_ENV, startTestCluster, TEMPLATE_ENV } from "./harness/test-cluster.js";

const serverDir = fileURLToPath(new URL("..", import.meta.url));
const roots = [path.join(serverDir, "src"), path.join(serverDir, "test")];

async function findTestFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const root of roots) {
    for (const entry of await fs.readdir(root, { recursive: true })) {
      if (entry.endsWith(".test.ts")) files.push(path.join(root, entry));
    }
  }
  return files.sort();
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const files = (await findTestFiles()).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
  if (files.length === 0) {
    console.error("no test files matched");
    return 1;
  }
  const started = Date.now();
  const cluster = await startTestCluster(process.env.DATABASE_URL);
  console.log(`test database ready in ${Date.now() - started} ms; running ${files.length} files`);
  let output = "";
  const code = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--test", "--test-reporter=spec", `--test-concurrency=${process.env.TEST_CONCURRENCY ?? "3"}`, "--test-timeout=180000", ...files],
      {
        stdio: ["ignore", "pipe", "inherit"],
        env: { ...process.env, [ADMIN_URL_ENV]: cluster.adminUrl, [TEMPLATE_ENV]: cluster.template, DATABASE_URL: "" },
      },
    );
    child.stdout.on("data", (chunk: Buffer) => {
      process.stdout.write(chunk);
      output += chunk.toString();
    });
    child.on("close", (c) => resolve(c ?? 1));
  });
  await cluster.stop();
  // node's spec reporter closes with lines such as "ℹ pass 12".
  const count = (label: string) => Number(output.match(new RegExp(`^ℹ ${label} (\\d+)$`, "m"))?.[1] ?? 0);
  const passed = count("pass");
  const failed = count("fail") + count("cancelled");
  console.log(`${passed} passed, ${failed} failed`);
  return code !== 0 || failed > 0 ? 1 : passed === 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    console.log("0 passed, 1 failed");
    process.exit(1);
  },
);
