/**
 * What the `ctxpipe admin` tests share: running the real CLI in a child process, and the
 * one-line error it must print.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/ctxpipe.js", import.meta.url));
export const AUTH_SECRET = "test-secret-test-secret-test-secret-0123";
export const PASSWORD = "a long enough password";

/** What a CLI run gave. */
export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `ctxpipe admin <args>` to completion, with `stdin` as standard input (empty by default). */
export function admin(args: string[], env: Record<string, string>, stdin = ""): Promise<Result> {
  return ctxpipe(["admin", ...args], env, stdin);
}

/** Runs `ctxpipe <args>` to completion (LOG_LEVEL silent unless `env` says otherwise), in `cwd` if given. */
export function ctxpipe(args: string[], env: Record<string, string>, stdin = "", cwd?: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "silent", AUTH_SECRET, ...env }, timeout: 120_000, cwd },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
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
