/**
 * server/bin/ts-hooks.js, the TypeScript loader of every test process, bench and `ctxpipe`
 * command, run as they run it (`node --import <hooks> <file>.ts`, a process of its own) on
 * sources written to a temp directory: a `./x.js` specifier finds `x.ts`, an extensionless one
 * finds `x.ts` and `dir/index.ts`, TSX compiles, an error's stack names the .ts file and line
 * (source maps), and an edited file runs as edited (the compile cache is keyed by content).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const HOOKS = new URL("../../bin/ts-hooks.js", import.meta.url).href;
const BIN = fileURLToPath(new URL("../../bin/ctxpipe.js", import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function node(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe("ts-hooks", () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "ts-hooks-"));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function write(files: Record<string, string>): Promise<void> {
    for (const [name, text] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await fs.writeFile(path.join(dir, name), text);
    }
  }

  it("resolves .js to .ts, extensionless and index imports, and compiles TSX", async () => {
    await write({
      "main.ts": [
        'import { twice } from "./lib/math.js";',
        'import { greet } from "./lib/greet";',
        'import { name } from "./lib";',
        'import { tag } from "./view.js";',
        "const n: number = twice(21);",
        "console.log(n, greet(name), tag());",
      ].join("\n"),
      "lib/math.ts": "export function twice(n: number): number {\n  return n * 2;\n}\n",
      "lib/greet.ts": 'export const greet = (who: string): string => "hello " + who;\n',
      "lib/index.ts": 'export const name: string = "index";\n',
      "view.tsx": 'const React = { createElement: (t: string) => "<" + t + ">" };\nexport const tag = () => <b />;\n',
    });
    const run = await node(["--import", HOOKS, "main.ts"], dir);
    assert.equal(run.stderr, "");
    assert.equal(run.stdout, "42 hello index <b>\n");
  });

  it("reports an error at its line in the .ts file", async () => {
    await write({
      "throws.ts": 'import { fail } from "./failing.js";\nfail();\n',
      // Types and blank lines above the throw: the compiled JavaScript has it on another line.
      "failing.ts": 'interface Unused {\n  a: string;\n}\n\ntype Also = Unused;\n\nexport function fail(): never {\n  throw new Error("planted");\n}\n',
    });
    const run = await node(["--import", HOOKS, "throws.ts"], dir);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /Error: planted/);
    assert.ok(run.stderr.includes(`${path.join(dir, "failing.ts")}:8:`), run.stderr);
    assert.ok(run.stderr.includes(`${path.join(dir, "throws.ts")}:2:`), run.stderr);
  });

  it("runs an edited file as edited", async () => {
    await write({ "edit.ts": 'const v: string = "first";\nconsole.log(v);\n' });
    assert.equal((await node(["--import", HOOKS, "edit.ts"], dir)).stdout, "first\n");
    await write({ "edit.ts": 'const v: string = "second";\nconsole.log(v);\n' });
    assert.equal((await node(["--import", HOOKS, "edit.ts"], dir)).stdout, "second\n");
    await write({ "edit.ts": 'const v: string = "first";\nconsole.log(v);\n' });
    assert.equal((await node(["--import", HOOKS, "edit.ts"], dir)).stdout, "first\n");
  });

  it("starts the ctxpipe command", async () => {
    const run = await node([BIN, "--help"], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^ctxpipe .* context platform for AI coding agents/);
  });
});

/**
 * server/bin/bundle.js, which `ctxpipe` starts from: a small program in a temp directory
 * bundled as the command's code is, run through a launcher that does what bin/ctxpipe.js does.
 */
describe("the ctxpipe bundle", () => {
  const BUNDLE = new URL("../../bin/bundle.js", import.meta.url).href;
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "bundle-"));
    await fs.mkdir(path.join(dir, "src", "data"), { recursive: true });
    await fs.writeFile(
      path.join(dir, "launch.mjs"),
      [
        'import { setSourceMapsSupport } from "node:module";',
        `const { bundledCli } = await import(${JSON.stringify(BUNDLE)});`,
        `const url = await bundledCli({ entry: ${JSON.stringify(path.join(dir, "src", "main.ts"))}, dir: ${JSON.stringify(path.join(dir, "out"))} });`,
        "if (!url) { console.log('no bundle'); process.exit(0); }",
        "setSourceMapsSupport(true, { nodeModules: true, generatedCode: false });",
        "console.log(url.split('/').pop());",
        "await import(url);",
      ].join("\n"),
    );
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function write(name: string, text: string): Promise<void> {
    await fs.writeFile(path.join(dir, "src", name), text);
  }

  it("keeps each module's own location, rebuilds after an edit, and maps errors to the .ts line", async () => {
    await write("data/greeting.txt", "hello from beside reader.ts\n");
    await write(
      "reader.ts",
      'import fs from "node:fs";\nexport const greeting = (): string => fs.readFileSync(new URL("./data/greeting.txt", import.meta.url), "utf8").trim();\n',
    );
    await write("main.ts", 'import { greeting } from "./reader.js";\nconst n: number = 1;\nconsole.log(greeting(), n);\n');
    const first = await node(["launch.mjs"], dir);
    assert.equal(first.stderr, "");
    const [bundle, output] = first.stdout.trim().split("\n");
    assert.match(bundle ?? "", /^cli-.*\.mjs$/);
    // import.meta.url is reader.ts's own, not the bundle's in out/.
    assert.equal(output, "hello from beside reader.ts 1");

    const again = await node(["launch.mjs"], dir);
    assert.equal(again.stdout.split("\n")[0], bundle, "an unchanged tree reuses its bundle");

    await write(
      "main.ts",
      'import { greeting } from "./reader.js";\ninterface Unused {\n  a: string;\n}\n\nconsole.log(greeting());\nthrow new Error("planted");\n',
    );
    const edited = await node(["launch.mjs"], dir);
    assert.notEqual(edited.stdout.split("\n")[0], bundle, "an edited input is bundled again");
    assert.match(edited.stdout, /hello from beside reader.ts\n$/);
    assert.match(edited.stderr, /Error: planted/);
    assert.ok(edited.stderr.includes(`${path.join(dir, "src", "main.ts")}:7:`), edited.stderr);
  });

  it("runs the sources instead when CTXPIPE_BUNDLE=0", async () => {
    const run = await new Promise<Run>((resolve) =>
      execFile(process.execPath, [BIN, "--version"], { cwd: dir, env: { ...process.env, CTXPIPE_BUNDLE: "0" } }, (err, stdout, stderr) =>
        resolve({ code: err ? 1 : 0, stdout, stderr }),
      ),
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^\d+\.\d+\.\d+/);
    const launched = await new Promise<string>((resolve) =>
      execFile(process.execPath, ["launch.mjs"], { cwd: dir, env: { ...process.env, CTXPIPE_BUNDLE: "0" } }, (_err, stdout) => resolve(stdout)),
    );
    assert.equal(launched, "no bundle\n");
  });
});
