/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance, every server scenario)
 * against ctxpipe's MCP transport, through the fixture server in conformance-fixture.ts. The
 * suite itself compares the results with conformance-expected-failures.yml and fails on an
 * unexpected failure or on a stale entry; this test checks its exit code and its summary.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { startConformanceFixture, type ConformanceFixture } from "./conformance-fixture.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const expectedFailuresFile = path.join(here, "conformance-expected-failures.yml");
const cli = path.join(path.dirname(createRequire(import.meta.url).resolve("@modelcontextprotocol/conformance/package.json")), "dist/index.js");
const RUN_TIMEOUT_MS = 50_000;

/** Runs the conformance CLI (asynchronously: the fixture answers from this process). */
function runConformance(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      // The baseline report is coloured whatever the environment says.
      resolve({ code, output: output.replace(/\x1b\[[0-9;]*m/g, "") });
    });
  });
}

/** The entries of the baseline file (`- scenario` lines under `server:`). */
async function baseline(): Promise<string[]> {
  const text = await fs.readFile(expectedFailuresFile, "utf8");
  return [...text.matchAll(/^\s+-\s+([a-z0-9-]+)\s*$/gm)].map((m) => m[1]!);
}

describe("MCP conformance suite", () => {
  let fixture: ConformanceFixture;
  before(async () => {
    fixture = await startConformanceFixture();
  });
  after(() => fixture?.stop());

  it("passes every server scenario except the listed expected failures", { timeout: 60_000 }, async () => {
    const scenarios = (await runConformance(["list", "--server"])).output
      .split("\n")
      // "  - tools-list [2025-06-18,2025-11-25]" (0.1.14+ adds the spec versions).
      .map((line) => line.match(/^\s+-\s+(\S+)(?:\s+\[[^\]]*\])?$/)?.[1])
      .filter((name): name is string => name !== undefined);
    assert.ok(scenarios.length >= 30, `the suite lists its server scenarios:\n${scenarios.join("\n")}`);

    const { code, output } = await runConformance(["server", "--url", fixture.url, "--suite", "all", "--expected-failures", expectedFailuresFile]);
    assert.equal(code, 0, output);

    // "✓ tools-list: 1 passed, 0 failed" per scenario, then "Total: N passed, M failed".
    const summary = new Map(
      [...output.matchAll(/^([✓✗]) (\S+): (\d+) passed, (\d+) failed$/gm)].map((m) => [
        m[2]!,
        { ok: m[1] === "✓", passed: Number(m[3]), failed: Number(m[4]) },
      ]),
    );
    assert.deepEqual([...summary.keys()].sort(), [...scenarios].sort(), "every listed server scenario ran");
    const total = output.match(/^Total: (\d+) passed, (\d+) failed$/m);
    assert.ok(total, output);

    const expected = await baseline();
    const reported = [...output.matchAll(/^ {2}~ (\S+)$/gm)].map((m) => m[1]!);
    assert.deepEqual(reported.sort(), [...expected].sort(), "exactly the baseline scenarios fail");
    for (const name of scenarios.filter((s) => !expected.includes(s))) {
      const result = summary.get(name)!;
      assert.equal(result.failed, 0, `${name} has no failed check`);
    }
    // The scenarios ctxpipe's MCP clients rely on pass with real checks, not just without failures.
    for (const name of [
      "server-initialize",
      "ping",
      "tools-list",
      "tools-call-simple-text",
      "tools-call-error",
      "json-schema-2020-12",
      "dns-rebinding-protection",
    ]) {
      assert.ok(summary.get(name)!.ok && summary.get(name)!.passed > 0, `${name} passed`);
    }
    assert.ok(Number(total[1]) >= 26, `at least 26 checks passed (got ${total[1]})`);
  });
});
