/**
 * The size limit on a clone directory while git writes into it: the directory is polled
 * during the step and measured once more at the end; over the limit git is killed (through
 * the abort signal), the directory is deleted and GitError("too_large") thrown.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { GitError } from "./git-runner.js";

const SIZE_POLL_MS = 500;

/** Sum of file sizes under `dir` (0 when it does not exist). */
async function dirSize(dir: string): Promise<number> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  let total = 0;
  for (const e of entries) {
    if (!e.isFile()) continue;
    total += await fs.lstat(path.join(e.parentPath, e.name)).then(
      (s) => s.size,
      () => 0,
    );
  }
  return total;
}

/**
 * Runs `fn` while polling the size of `dir`; over `max` bytes git is killed, `dir` is
 * deleted and GitError("too_large") thrown. The size is checked once more at the end.
 * `fn` must pass the signal to the git commands it runs.
 */
export async function withSizeLimit<T>(dir: string, max: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const tooLarge = () => new GitError("too_large", `The repository is larger than the limit of ${max} bytes.`);
  const ctl = new AbortController();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void dirSize(dir).then((size) => {
      busy = false;
      if (size > max) ctl.abort(tooLarge());
    });
  }, SIZE_POLL_MS);
  try {
    const result = await fn(ctl.signal);
    if ((await dirSize(dir)) > max) throw tooLarge();
    return result;
  } catch (err) {
    if (err instanceof GitError && err.kind === "too_large") await fs.rm(dir, { recursive: true, force: true });
    throw err;
  } finally {
    clearInterval(timer);
  }
}
