/**
 * The static checks run inside `npm test`: the type checker over server, web and bench, and
 * Biome's formatter and linter over the tree. Each runs the project's own script, so a failure
 * here reads the same as `npm run typecheck` or `npm run lint` would.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const bin = (name: string) => path.join(ROOT, "node_modules", ".bin", name);

/** Runs a check; on failure, its output is the assertion message. */
async function check(command: string, args: string[]): Promise<void> {
  try {
    await run(command, args, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    assert.fail(`${path.basename(command)} ${args.join(" ")} failed:\n${(e.stdout ?? "") + (e.stderr ?? "") || e.message}`.slice(0, 8000));
  }
}

describe("static checks", () => {
  for (const project of ["server", "web", "bench", "cli"]) {
    it(`type-checks ${project}`, () => check(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", project, "--noEmit"]));
  }

  it("is formatted and lint-clean (biome check)", () => check(bin("biome"), ["check", "--error-on-warnings", "."]));
});
