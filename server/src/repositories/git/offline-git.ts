/**
 * Running git against a clone in the cache without any network access: run options that
 * allow no transport, the object-id check that keeps ids from being read as options, and
 * the mapping of "object was never synced" failures to GitError("not_found").
 * The reads of a clone (git-reads) and the local steps of a sync (git-remote) build on it.
 */
import { invalidInput } from "../../platform/errors.js";
import { GitError, runGit, type GitRunOptions } from "./git-runner.js";

/** A clone to read from. Its directory is resolved per command, after the arguments are checked. */
export interface LocalClone {
  /** The clone directory; rejects with GitError("not_found") when it was never cloned. */
  dir(): Promise<string>;
  /** Deadline per git command (and per wait for blob data in readBlobs). */
  timeoutMs: number;
}

const OID = /^[0-9a-f]{7,64}$/;

/**
 * Returns `oid` when it is a hex object id (so it can never be taken for an option).
 * @throws AppError("invalid_input") otherwise.
 */
export function checkOid(oid: string): string {
  if (!OID.test(oid)) throw invalidInput(`Not an object id: ${oid.slice(0, 80)}`);
  return oid;
}

/** Options for commands that must not touch the network. */
export function offlineOptions(dir: string, timeoutMs: number): GitRunOptions {
  return { cwd: dir, timeoutMs, protocols: [] };
}

/** Reads fail offline when an object was never synced; say so instead of "transport not allowed". */
export function offlineError(err: unknown): unknown {
  const missing = /promisor remote|transport '[^']*' not allowed|bad object|not a valid object|unknown revision/i;
  if (err instanceof GitError && missing.test(err.stderr)) {
    return new GitError("not_found", "The commit or object is not in the clone cache; sync the repository first.", err.stderr);
  }
  return err;
}

/** Runs an offline command in the clone; missing objects fail with GitError("not_found"). */
export async function runOffline(clone: LocalClone, args: string[], extra: Partial<GitRunOptions> = {}) {
  const dir = await clone.dir();
  return runGit(args, { ...offlineOptions(dir, clone.timeoutMs), ...extra }).catch((err: unknown) => Promise.reject(offlineError(err)));
}
