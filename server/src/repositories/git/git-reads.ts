/**
 * Reads of a synced clone: the files of a commit, blob contents, the paths changed between
 * two commits (with their entries on both sides), ancestry and linguist attributes. Every
 * command runs offline (offline-git), so an object that was never synced fails with
 * not_found instead of a silent lazy fetch.
 * Object ids are checked before they reach git's argv or stdin.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { invalidInput } from "../../platform/errors.js";
import { GitError, spawnGit } from "./git-runner.js";
import { checkOid, offlineError, offlineOptions, runOffline, type LocalClone } from "./offline-git.js";

/** A file in a commit's tree (submodules are left out). */
export interface TreeEntry {
  path: string;
  /** `100644`, `100755` or `120000` (symlink). */
  mode: string;
  oid: string;
  size: number;
}

/** A file that differs between two commits: its entry before (none when added) and after (none when deleted). */
export interface TreeChange {
  path: string;
  before?: TreeEntry;
  after?: TreeEntry;
}

/** linguist attributes of a path; undefined when .gitattributes says nothing. */
export interface PathAttributes {
  path: string;
  generated?: boolean;
  vendored?: boolean;
}

/** Every file of `commit` with its size (`git ls-tree -r -l -z`). */
export async function listTree(clone: LocalClone, commit: string): Promise<TreeEntry[]> {
  const { stdout } = await runOffline(clone, ["ls-tree", "-r", "-l", "-z", "--full-tree", checkOid(commit)], {
    maxOutputBytes: 512 * 1024 * 1024,
  });
  const entries: TreeEntry[] = [];
  for (const record of stdout.toString("utf8").split("\0")) {
    const m = /^(\d{6}) (\w+) ([0-9a-f]+) +(\d+|-)\t([\s\S]+)$/.exec(record);
    if (m?.[2] !== "blob") continue;
    entries.push({ mode: m[1] as string, oid: m[3] as string, size: Number(m[4]), path: m[5] as string });
  }
  return entries;
}

/**
 * Streams blob contents in the order asked (`git cat-file --batch`). Only one blob is held
 * in memory at a time; git waits while the consumer is busy. Stopping early kills git.
 * @throws GitError("not_found") for an object that is not in the cache.
 */
export async function* readBlobs(clone: LocalClone, oids: string[]): AsyncIterable<{ oid: string; content: Buffer }> {
  const dir = await clone.dir();
  const input = oids.map((o) => `${checkOid(o)}\n`).join("");
  const options = { ...offlineOptions(dir, clone.timeoutMs), timeoutMs: 24 * 3600_000 };
  const proc = spawnGit(["cat-file", "--batch", "--buffer"], options);
  proc.done.catch(() => {}); // awaited below; avoid an unhandled rejection if we stop early
  proc.child.stdin?.end(input);
  const stdout = proc.child.stdout;
  if (!stdout) throw new GitError("failed", "git cat-file has no output.");
  const chunks = stdout[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  // Unparsed output as a list of chunks, joined only when a header or a whole blob is there.
  let parts: Buffer[] = [];
  let length = 0;
  let ended = false;
  const more = async (): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new GitError("timeout", "git cat-file stopped answering.")), clone.timeoutMs);
    });
    try {
      const next = await Promise.race([chunks.next(), timeout]);
      if (next.done) ended = true;
      else {
        parts.push(next.value);
        length += next.value.length;
      }
    } finally {
      clearTimeout(timer);
    }
  };
  const joined = (): Buffer => {
    if (parts.length !== 1) parts = [Buffer.concat(parts, length)];
    return parts[0] as Buffer;
  };
  let yielded = 0;
  try {
    for (let i = 0; i < oids.length; i++) {
      while (joined().indexOf(10) < 0 && !ended) await more();
      const nl = joined().indexOf(10);
      if (nl < 0) break; // git exited early; `done` says why
      const [oid = "", type, sizeText] = joined().subarray(0, nl).toString("utf8").split(" ");
      if (type === "missing" || type === "ambiguous") {
        throw new GitError("not_found", `The object ${oid} is not in the clone cache.`);
      }
      if (type !== "blob") throw new GitError("failed", `The object ${oid} is a ${type}, not a blob.`);
      const end = nl + 1 + Number(sizeText) + 1; // header, content, LF
      while (length < end && !ended) await more();
      if (length < end) break;
      const all = joined();
      parts = [all.subarray(end)];
      length -= end;
      yield { oid, content: all.subarray(nl + 1, end - 1) };
      yielded++;
    }
    while (!ended) await more(); // read to EOF so git can exit
    await proc.done.catch((err: unknown) => Promise.reject(offlineError(err)));
    if (yielded < oids.length) throw new GitError("failed", "git cat-file ended early.");
  } finally {
    proc.kill();
    stdout.destroy(); // a paused pipe would keep the event loop alive
  }
}

/** File modes of blobs (regular, executable, symlink); submodules and trees are left out. */
const BLOB_MODES = new Set(["100644", "100755", "120000"]);

/**
 * The files that differ between two commits' trees, each with its entry (mode, blob, size) on
 * both sides; a rename is a deletion and an addition. Undefined when either commit, or a blob
 * of either side, is not in the clone (a full listing is needed then).
 */
export async function changesBetween(clone: LocalClone, fromCommit: string, toCommit: string): Promise<TreeChange[] | undefined> {
  if (!(await commitKnown(clone, fromCommit)) || !(await commitKnown(clone, toCommit))) return undefined;
  const args = ["diff-tree", "-r", "-z", "--no-renames", "--raw", "--full-index", checkOid(fromCommit), checkOid(toCommit)];
  const { stdout } = await runOffline(clone, args, { maxOutputBytes: 256 * 1024 * 1024 });
  const parts = stdout.toString("utf8").split("\0");
  const raw: { path: string; before?: Omit<TreeEntry, "size">; after?: Omit<TreeEntry, "size"> }[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const m = /^:(\d{6}) (\d{6}) ([0-9a-f]+) ([0-9a-f]+) [A-Z]/.exec(parts[i] ?? "");
    const p = parts[i + 1] as string;
    if (!m) throw new GitError("failed", "Unexpected output of git diff-tree.");
    const [, oldMode = "", newMode = "", oldOid = "", newOid = ""] = m;
    const side = (mode: string, oid: string) => (BLOB_MODES.has(mode) ? { path: p, mode, oid } : undefined);
    const change = { path: p, before: side(oldMode, oldOid), after: side(newMode, newOid) };
    if (change.before || change.after) raw.push(change);
  }
  const sizes = await blobSizes(clone, [...new Set(raw.flatMap((c) => [c.before?.oid, c.after?.oid]).filter((o): o is string => o !== undefined))]);
  if (!sizes) return undefined;
  const sized = (e?: Omit<TreeEntry, "size">): TreeEntry | undefined => (e ? { ...e, size: sizes.get(e.oid)! } : undefined);
  return raw.map((c) => ({ path: c.path, ...(c.before ? { before: sized(c.before) } : {}), ...(c.after ? { after: sized(c.after) } : {}) }));
}

/**
 * Whether the clone holds `oid` as a commit. git answers "no" with exit code 1 or 128, or, in a
 * partial clone, after a lazy fetch the offline run refuses (its exit code then varies: a full
 * run saw neither): a not_found from runOffline is a "no" too.
 */
async function commitKnown(clone: LocalClone, oid: string): Promise<boolean> {
  const known = runOffline(clone, ["cat-file", "-e", `${checkOid(oid)}^{commit}`], { okExitCodes: [1, 128] }).then((r) => r.exitCode === 0);
  return known.catch((err: unknown) => (err instanceof GitError && err.kind === "not_found" ? false : Promise.reject(err)));
}

/** Sizes of blobs (`git cat-file --batch-check`); undefined when one is not in the clone. */
async function blobSizes(clone: LocalClone, oids: string[]): Promise<Map<string, number> | undefined> {
  const sizes = new Map<string, number>();
  if (oids.length === 0) return sizes;
  // A blob of a partial clone that was never fetched makes git fail (it may not fetch it here).
  const read = await runOffline(clone, ["cat-file", "--batch-check"], {
    stdin: oids.map((o) => `${checkOid(o)}\n`).join(""),
    maxOutputBytes: 64 * 1024 * 1024,
  }).catch((err: unknown) => {
    if (err instanceof GitError && err.kind === "not_found") return undefined;
    throw err;
  });
  if (!read) return undefined;
  const { stdout } = read;
  for (const line of stdout.toString("utf8").split("\n")) {
    const [oid = "", type, size] = line.split(" ");
    if (!oid) continue;
    if (type !== "blob") return undefined;
    sizes.set(oid, Number(size));
  }
  return oids.every((o) => sizes.has(o)) ? sizes : undefined;
}

/** True when `a` is an ancestor of (or equal to) `b`; false also when either is unknown. */
export async function isAncestor(clone: LocalClone, a: string, b: string): Promise<boolean> {
  if (!(await commitKnown(clone, a)) || !(await commitKnown(clone, b))) return false;
  const { exitCode } = await runOffline(clone, ["merge-base", "--is-ancestor", a, b], { okExitCodes: [1] });
  return exitCode === 0;
}

/**
 * linguist-generated / linguist-vendored for `paths` as of `commit`, from every
 * .gitattributes in that commit. git 2.39 has no `check-attr --source`, so the commit's
 * tree is read into a throw-away index and checked with `check-attr --cached`.
 */
export async function readAttributes(clone: LocalClone, commit: string, paths: string[]): Promise<PathAttributes[]> {
  if (paths.length === 0) return [];
  if (paths.some((p) => p.includes("\0") || p === "")) throw invalidInput("Invalid path.");
  const index = path.join(os.tmpdir(), `ctxpipe-attr-${randomBytes(8).toString("hex")}.index`);
  const env = { GIT_INDEX_FILE: index };
  try {
    await runOffline(clone, ["read-tree", checkOid(commit)], { env });
    const { stdout } = await runOffline(clone, ["check-attr", "--cached", "-z", "--stdin", "linguist-generated", "linguist-vendored"], {
      env,
      stdin: `${paths.join("\0")}\0`,
      maxOutputBytes: 256 * 1024 * 1024,
    });
    const byPath = new Map<string, PathAttributes>(paths.map((p) => [p, { path: p }]));
    const f = stdout.toString("utf8").split("\0");
    for (let i = 0; i + 2 < f.length; i += 3) {
      const entry = byPath.get(f[i] as string);
      const value = f[i + 2];
      if (!entry || value === "unspecified") continue;
      const flag = value !== "unset" && value !== "false";
      if (f[i + 1] === "linguist-generated") entry.generated = flag;
      else entry.vendored = flag;
    }
    return [...byPath.values()];
  } finally {
    await fs.rm(index, { force: true });
    await fs.rm(`${index}.lock`, { force: true });
  }
}
