/**
 * What the CLI tests share: running a `ctxpipe` command in this process through runCli (the
 * function the real command wraps), starting a long-running one that a test stops, running the
 * real command in a child process (for the exit-code and stderr contract of the process
 * itself), and the one-line error a failure must print.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { runCli } from "../../src/commands/run-cli.js";

const BIN = fileURLToPath(new URL("../../bin/ctxpipe.js", import.meta.url));
export const AUTH_SECRET = "test-secret-test-secret-test-secret-0123";
export const PASSWORD = "a long enough password";

/** What a CLI run gave. */
export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of a command: only what the test gives (LOG_LEVEL silent and a test AUTH_SECRET unless it says otherwise). */
function commandEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "silent", AUTH_SECRET, ...env };
}

/** Runs `ctxpipe admin <args>` to completion, with `stdin` as standard input (empty by default). */
export function admin(args: string[], env: Record<string, string>, stdin = ""): Promise<Result> {
  return ctxpipe(["admin", ...args], env, stdin);
}

/** Runs `ctxpipe <args>` to completion in this process, with `env` as its whole environment, in `cwd` if given. */
export async function ctxpipe(args: string[], env: Record<string, string>, stdin = "", cwd?: string): Promise<Result> {
  let [stdout, stderr] = ["", ""];
  const code = await runCli(args, commandEnv(env), {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: Readable.from(stdin ? [stdin] : []),
    cwd,
  });
  return { code, stdout, stderr };
}

/** A long-running command (a role) started in this process. */
export interface RunningCommand {
  /** Everything it wrote so far, stdout and stderr interleaved. */
  output(): string;
  /** Its exit code, once it ended (by itself, or after stop). */
  exited: Promise<number>;
  /** Stops it as SIGTERM does (gracefully); answers its exit code. */
  stop(): Promise<number>;
}

/** Starts `ctxpipe <args>` in this process (LOG_LEVEL info unless `env` says otherwise). */
export function startCtxpipe(args: string[], env: Record<string, string>): RunningCommand {
  let out = "";
  const write = { write: (text: string) => (out += text) };
  const controller = new AbortController();
  const exited = runCli(args, commandEnv({ LOG_LEVEL: "info", ...env }), { stdout: write, stderr: write, signal: controller.signal });
  return {
    output: () => out,
    exited,
    stop: () => {
      controller.abort("SIGTERM");
      return exited;
    },
  };
}

/** Runs the real `ctxpipe <args>` in a child process to completion: the process's own contract. */
export function ctxpipeProcess(args: string[], env: Record<string, string>, stdin = "", cwd?: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: commandEnv(env), timeout: 120_000, cwd }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin);
  });
}

/** Asserts a failure with exactly one line on stderr and nothing on stdout; returns the line. */
export function assertOneLineError(result: Result): string {
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /^ctxpipe: [^\n]+\n$/);
  return result.stderr;
}
