/**
 * The static checks run inside `npm test`: the type checker over server, web, bench and cli (one
 * `tsc -b` over project references: bench reads the server's declarations instead of checking
 * its sources again; incremental, its build info under node_modules/.cache/ctxpipe/tsc), and
 * Biome's formatter and linter over the tree, the two at once. The type check runs the
 * command of `npm run typecheck` itself, so a failure here reads the same as that script or
 * `npm run lint` would.
 *
 * The checker is TypeScript 7 (the native compiler, the `typescript-native` alias): about 30
 * CPU-seconds for a cold check of the four projects where TypeScript 5.9 took 70 – 96. The
 * `typescript` package stays at 5.9 for what needs its JavaScript API (the architecture test,
 * openapi-typescript) and for the cli's build.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const bin = (name: string) => path.join(ROOT, "node_modules", ".bin", name);

/** The command of `npm run typecheck` (`node <path of tsc> -b <projects>`), run without npm in front. */
function typecheckCommand(): { script: string; args: string[] } {
  const script = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.typecheck ?? "";
  const [command, tsc, ...args] = script.trim().split(/\s+/);
  if (command !== "node" || !tsc?.endsWith("/bin/tsc")) {
    assert.fail(`npm run typecheck is expected to be one "node <path>/bin/tsc" command (it is "${script}")`);
  }
  return { script: path.join(ROOT, tsc), args };
}

/** Runs a check; on failure, its output is the assertion message. */
async function check(command: string, args: string[]): Promise<void> {
  try {
    await run(command, args, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    assert.fail(`${path.basename(command)} ${args.join(" ")} failed:\n${(e.stdout ?? "") + (e.stderr ?? "") || e.message}`.slice(0, 8000));
  }
}

// Two processes at once: tsc is one thread, Biome's own threads finish long before it does.
describe("static checks", { concurrency: 2 }, () => {
  it("type-checks server, web, bench and cli (tsc -b)", () => {
    const { script, args } = typecheckCommand();
    return check(process.execPath, [script, ...args]);
  });

  it("is formatted and lint-clean (biome check)", () => check(bin("biome"), ["check", "--error-on-warnings", "."]));
});
