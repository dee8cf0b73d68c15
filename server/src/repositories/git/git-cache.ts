/**
 * The clone cache: one bare, partial (`--filter=blob:none`), single-branch clone per
 * repository under `root/<repositoryId>`. `sync` clones or fetches one branch, then fetches
 * the blobs of the tip's tree in one batch, so every read afterwards (tree, blobs, diff,
 * ancestry, attributes) runs offline: reads allow no transport, and an object that was
 * never synced fails with not_found instead of a silent lazy fetch.
 *
 * Network steps check the host first (host-guard) and pin the connection to the checked
 * addresses. The clone directory is watched while git writes and must stay under
 * `maxRepoBytes` (too_large deletes it). Syncs and removals of one repository run one at a
 * time; reads do not wait for them (fetches only add objects and move one ref).
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import { isIP } from "node:net";
import os from "node:os";
import path from "node:path";
import { invalidInput } from "../../platform/errors.js";
import { GitError, runGit, spawnGit, type GitCredentials, type GitRunOptions } from "./git-runner.js";
import { checkHost } from "./host-guard.js";
import { RepoUrlError, type ParsedRepoUrl } from "./repo-url.js";

/** Limits and policy for a GitCache. */
export interface GitCacheOptions {
  /** Largest allowed clone directory, in bytes. */
  maxRepoBytes: number;
  /** Deadline per git command (and per wait for blob data in readBlobs). */
  timeoutMs: number;
  /** Accept `local` and `http` URLs (development and tests only). */
  allowLocal: boolean;
  /** Hosts exempt from the internal-address check (exact or `*.suffix`). */
  allowedHosts: string[];
}

/** A synced branch. */
export interface SyncResult {
  commit: string;
  branch: string;
  dir: string;
}

/** A file in a commit's tree (submodules are left out). */
export interface TreeEntry {
  path: string;
  /** `100644`, `100755` or `120000` (symlink). */
  mode: string;
  oid: string;
  size: number;
}

/** One changed path between two commits. Type changes are reported as M. */
export interface DiffEntry {
  status: "A" | "M" | "D" | "R";
  path: string;
  /** The path before a rename. */
  oldPath?: string;
}

/** linguist attributes of a path; undefined when .gitattributes says nothing. */
export interface PathAttributes {
  path: string;
  generated?: boolean;
  vendored?: boolean;
}

/** Run options and `-c` arguments for one network step (transport, credentials, pinning). */
interface Net {
  run: GitRunOptions;
  config: string[];
}

const REPO_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const OID = /^[0-9a-f]{7,64}$/;
const DEFAULT_PORT = { https: 443, http: 80 } as const;
const SIZE_POLL_MS = 500;

function checkOid(oid: string): string {
  if (!OID.test(oid)) throw invalidInput(`Not an object id: ${oid.slice(0, 80)}`);
  return oid;
}

/** Sum of file sizes under `dir` (0 when it does not exist). */
async function dirSize(dir: string): Promise<number> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  let total = 0;
  for (const e of entries) {
    if (!e.isFile()) continue;
    total += await fs.lstat(path.join(e.parentPath, e.name)).then((s) => s.size, () => 0);
  }
  return total;
}

/** Reads fail offline when an object was never synced; say so instead of "transport not allowed". */
function offlineError(err: unknown): unknown {
  const missing = /promisor remote|transport '[^']*' not allowed|bad object|not a valid object|unknown revision/i;
  if (err instanceof GitError && missing.test(err.stderr)) {
    return new GitError("not_found", "The commit or object is not in the clone cache; sync the repository first.", err.stderr);
  }
  return err;
}

/** The clone cache. One instance per process; see the file comment. */
export class GitCache {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    readonly root: string,
    private readonly options: GitCacheOptions,
  ) {}

  /** The clone directory of a repository. */
  dir(repoId: string): string {
    if (!REPO_ID.test(repoId)) throw invalidInput("Invalid repository id.");
    return path.join(this.root, repoId);
  }

  /**
   * Clones or fetches `branch` (default: the remote's HEAD) and its tip's blobs.
   * @throws RepoUrlError (refused host), GitError (timeout, auth_failed, not_found,
   *   unreachable, too_large, failed).
   */
  async sync(repoId: string, url: ParsedRepoUrl, branch?: string, credentials?: GitCredentials): Promise<SyncResult> {
    const dir = this.dir(repoId);
    if (branch !== undefined) await this.checkBranchName(branch);
    return this.exclusive(repoId, async () => {
      await fs.mkdir(this.root, { recursive: true });
      const net = await this.networkOptions(url, credentials);
      const name = branch ?? (await this.defaultBranch(url, net));
      const exists = await fs.stat(path.join(dir, "HEAD")).then(() => true, () => false);
      if (exists) {
        await this.watched(dir, (signal) => this.fetch(dir, url, name, net, signal));
      } else {
        await fs.rm(dir, { recursive: true, force: true });
        await this.clone(dir, url, name, net);
      }
      const commit = await this.revParse(dir, `refs/heads/${name}^{commit}`);
      await this.watched(dir, (signal) => this.prefetchTree(dir, commit, net, signal));
      return { commit, branch: name, dir };
    });
  }

  /** Deletes a repository's clone (no error when there is none). */
  async remove(repoId: string): Promise<void> {
    const dir = this.dir(repoId);
    await this.exclusive(repoId, () => fs.rm(dir, { recursive: true, force: true }));
  }

  /** Every file of `commit` with its size (`git ls-tree -r -l -z`). */
  async listTree(repoId: string, commit: string): Promise<TreeEntry[]> {
    const { stdout } = await this.local(repoId, ["ls-tree", "-r", "-l", "-z", "--full-tree", checkOid(commit)], {
      maxOutputBytes: 512 * 1024 * 1024,
    });
    const entries: TreeEntry[] = [];
    for (const record of stdout.toString("utf8").split("\0")) {
      const m = /^(\d{6}) (\w+) ([0-9a-f]+) +(\d+|-)\t([\s\S]+)$/.exec(record);
      if (!m || m[2] !== "blob") continue;
      entries.push({ mode: m[1] as string, oid: m[3] as string, size: Number(m[4]), path: m[5] as string });
    }
    return entries;
  }

  /**
   * Streams blob contents in the order asked (`git cat-file --batch`). Only one blob is held
   * in memory at a time; git waits while the consumer is busy. Stopping early kills git.
   * @throws GitError("not_found") for an object that is not in the cache.
   */
  async *readBlobs(repoId: string, oids: string[]): AsyncIterable<{ oid: string; content: Buffer }> {
    const dir = await this.existingDir(repoId);
    const input = oids.map((o) => `${checkOid(o)}\n`).join("");
    const proc = spawnGit(["cat-file", "--batch", "--buffer"], { ...this.offline(dir), timeoutMs: 24 * 3600_000 });
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
        timer = setTimeout(() => reject(new GitError("timeout", "git cat-file stopped answering.")), this.options.timeoutMs);
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

  /** Paths changed from `fromCommit` to `toCommit`, with rename detection. */
  async diff(repoId: string, fromCommit: string, toCommit: string): Promise<DiffEntry[]> {
    const args = ["diff-tree", "-r", "-z", "-M", "--name-status", checkOid(fromCommit), checkOid(toCommit)];
    const { stdout } = await this.local(repoId, args, { maxOutputBytes: 256 * 1024 * 1024 });
    const parts = stdout.toString("utf8").split("\0");
    const out: DiffEntry[] = [];
    for (let i = 0; i + 1 < parts.length; ) {
      const code = (parts[i++] ?? "").charAt(0);
      if (code === "R" || code === "C") {
        const oldPath = parts[i++] as string;
        const newPath = parts[i++] as string;
        out.push(code === "R" ? { status: "R", path: newPath, oldPath } : { status: "A", path: newPath });
      } else {
        const p = parts[i++] as string;
        out.push({ status: code === "A" || code === "D" ? code : "M", path: p });
      }
    }
    return out;
  }

  /** True when `a` is an ancestor of (or equal to) `b`; false also when either is unknown. */
  async isAncestor(repoId: string, a: string, b: string): Promise<boolean> {
    const known = async (oid: string) =>
      (await this.local(repoId, ["cat-file", "-e", `${checkOid(oid)}^{commit}`], { okExitCodes: [1, 128] })).exitCode === 0;
    if (!(await known(a)) || !(await known(b))) return false;
    const { exitCode } = await this.local(repoId, ["merge-base", "--is-ancestor", a, b], { okExitCodes: [1] });
    return exitCode === 0;
  }

  /**
   * linguist-generated / linguist-vendored for `paths` as of `commit`, from every
   * .gitattributes in that commit. git 2.39 has no `check-attr --source`, so the commit's
   * tree is read into a throw-away index and checked with `check-attr --cached`.
   */
  async readAttributes(repoId: string, commit: string, paths: string[]): Promise<PathAttributes[]> {
    if (paths.length === 0) return [];
    if (paths.some((p) => p.includes("\0") || p === "")) throw invalidInput("Invalid path.");
    const index = path.join(os.tmpdir(), `ctxpipe-attr-${randomBytes(8).toString("hex")}.index`);
    const env = { GIT_INDEX_FILE: index };
    try {
      await this.local(repoId, ["read-tree", checkOid(commit)], { env });
      const { stdout } = await this.local(
        repoId,
        ["check-attr", "--cached", "-z", "--stdin", "linguist-generated", "linguist-vendored"],
        { env, stdin: paths.join("\0") + "\0", maxOutputBytes: 256 * 1024 * 1024 },
      );
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

  // ---- internals -------------------------------------------------------------------------

  /** Runs `fn` after every earlier sync/remove of `repoId` has settled. */
  private async exclusive<T>(repoId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(repoId) ?? Promise.resolve();
    const run = previous.catch(() => {}).then(fn);
    const tail = run.catch(() => {});
    this.locks.set(repoId, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(repoId) === tail) this.locks.delete(repoId);
    }
  }

  private async existingDir(repoId: string): Promise<string> {
    const dir = this.dir(repoId);
    const ok = await fs.stat(path.join(dir, "HEAD")).then(() => true, () => false);
    if (!ok) throw new GitError("not_found", "The repository has not been cloned yet.");
    return dir;
  }

  /** Options for commands that must not touch the network. */
  private offline(dir: string): GitRunOptions {
    return { cwd: dir, timeoutMs: this.options.timeoutMs, protocols: [] };
  }

  /** Runs an offline command in the repository's clone. */
  private async local(repoId: string, args: string[], extra: Partial<GitRunOptions> = {}) {
    const dir = await this.existingDir(repoId);
    return runGit(args, { ...this.offline(dir), ...extra }).catch((err: unknown) => Promise.reject(offlineError(err)));
  }

  /** Checks the host and returns run options (transport, credentials, pinning) plus `-c` args. */
  private async networkOptions(url: ParsedRepoUrl, credentials?: GitCredentials): Promise<Net> {
    const base = { timeoutMs: this.options.timeoutMs };
    if (url.kind === "local" || url.kind === "http") {
      const reason = url.kind === "local" ? "local_path" : "unsupported_scheme";
      if (!this.options.allowLocal) throw new RepoUrlError(reason, "Local and http:// repositories are not allowed.");
    }
    if (url.kind === "local") return { run: { ...base, protocols: ["file"] }, config: [] };
    const addresses = await checkHost(url.host, this.options.allowedHosts);
    const literal = isIP(url.host) !== 0;
    if (url.kind === "ssh") {
      const ssh = literal ? {} : { hostName: addresses[0], hostKeyAlias: url.host };
      const knownHostsFile = path.join(this.root, ".known_hosts");
      return { run: { ...base, protocols: ["ssh"], ssh: { ...ssh, knownHostsFile } }, config: [] };
    }
    const run: GitRunOptions = { ...base, protocols: [url.kind], credentials };
    if (literal) return { run, config: [] };
    const port = url.port ?? DEFAULT_PORT[url.kind];
    const pinned = addresses.map((a) => (a.includes(":") ? `[${a}]` : a)).join(",");
    return { run, config: ["-c", `http.curloptResolve=${url.host}:${port}:${pinned}`] };
  }

  /** The remote's default branch (`ls-remote --symref <url> HEAD`). */
  private async defaultBranch(url: ParsedRepoUrl, net: Net): Promise<string> {
    const args = [...net.config, "ls-remote", "--symref", "--", url.url, "HEAD"];
    const { stdout } = await runGit(args, { ...net.run, maxOutputBytes: 1024 * 1024 });
    const branch = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(stdout.toString("utf8"))?.[1];
    if (!branch) throw new GitError("not_found", "The repository has no default branch (is it empty?).");
    await this.checkBranchName(branch);
    return branch;
  }

  private async checkBranchName(branch: string): Promise<void> {
    const bad = () => invalidInput("Invalid branch name.");
    if (branch.startsWith("-") || branch.length > 255) throw bad();
    const format = runGit(["check-ref-format", `refs/heads/${branch}`], { timeoutMs: this.options.timeoutMs, protocols: [] });
    await format.catch(() => Promise.reject(bad()));
  }

  /** Clones into a temporary sibling and renames it into place, so `dir` is never half-made. */
  private async clone(dir: string, url: ParsedRepoUrl, branch: string, net: Net): Promise<void> {
    const tmp = path.join(this.root, `.tmp-${path.basename(dir)}-${randomBytes(4).toString("hex")}`);
    try {
      const args = [...net.config, "clone", "--bare", "--template=", "--filter=blob:none", "--no-tags", "--single-branch"];
      args.push("--branch", branch);
      if (url.kind === "local") args.push("--no-local");
      await this.watched(tmp, (signal) => runGit([...args, "--", url.url, tmp], { ...net.run, signal }));
      await fs.rename(tmp, dir);
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  }

  private async fetch(dir: string, url: ParsedRepoUrl, branch: string, net: Net, signal: AbortSignal): Promise<void> {
    // The URL may have changed since the clone; it is stored without credentials.
    await runGit(["config", "remote.origin.url", url.url], this.offline(dir));
    const ref = `refs/heads/${branch}`;
    const fetchArgs = ["fetch", "--filter=blob:none", "--no-tags", "--no-write-fetch-head", "--recurse-submodules=no"];
    await runGit([...net.config, ...fetchArgs, "origin", `+${ref}:${ref}`], { ...net.run, cwd: dir, signal });
    await runGit(["symbolic-ref", "HEAD", ref], this.offline(dir));
  }

  /** Fetches, in one request, the blobs of `commit`'s tree that the partial clone lacks. */
  private async prefetchTree(dir: string, commit: string, net: Net, signal: AbortSignal): Promise<void> {
    const { stdout } = await runGit(["rev-list", "--objects", "--no-object-names", "--missing=print", `${commit}^{tree}`], {
      ...this.offline(dir),
      maxOutputBytes: 256 * 1024 * 1024,
    });
    const missing = stdout.toString("utf8").split("\n").filter((l) => l.startsWith("?")).map((l) => l.slice(1));
    if (missing.length === 0) return;
    // What git itself runs for a lazy fetch, but for all of them at once.
    const args = [...net.config, "-c", "fetch.negotiationAlgorithm=noop", "fetch", "--no-tags", "--no-write-fetch-head"];
    args.push("--recurse-submodules=no", "--filter=blob:none", "--stdin", "origin");
    await runGit(args, { ...net.run, cwd: dir, signal, stdin: missing.join("\n") + "\n" });
  }

  private async revParse(dir: string, rev: string): Promise<string> {
    const { stdout } = await runGit(["rev-parse", "--verify", "--end-of-options", rev], this.offline(dir));
    return stdout.toString("utf8").trim();
  }

  /**
   * Runs `fn` while polling the size of `dir`; over `maxRepoBytes` git is killed, `dir` is
   * deleted and GitError("too_large") thrown. The size is checked once more at the end.
   */
  private async watched<T>(dir: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const max = this.options.maxRepoBytes;
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
}
