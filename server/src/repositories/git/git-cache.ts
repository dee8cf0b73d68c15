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
 *
 * This file holds the cache itself (directories, locks, sync orchestration); the network
 * steps are in git-remote, the reads in git-reads (on offline-git), the size limit in
 * size-watchdog.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { invalidInput } from "../../platform/errors.js";
import * as reads from "./git-reads.js";
import type { PathAttributes, TreeChange, TreeEntry } from "./git-reads.js";
import * as remote from "./git-remote.js";
import { GitError, runGit, type GitCredentials } from "./git-runner.js";
import { offlineOptions, type LocalClone } from "./offline-git.js";
import type { LocalPathPolicy } from "./local-path.js";
import type { ParsedRepoUrl } from "./repo-url.js";
import { withSizeLimit } from "./size-watchdog.js";

export type { PathAttributes, TreeChange, TreeEntry } from "./git-reads.js";

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
  /** Where local repositories may be: inside the root, never in the data directory. */
  localPaths: LocalPathPolicy;
}

/** A synced branch. */
export interface SyncResult {
  commit: string;
  branch: string;
  dir: string;
}

const REPO_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

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
    if (branch !== undefined) await remote.checkBranchName(this.policy(), branch);
    return this.exclusive(repoId, async () => {
      await fs.mkdir(this.root, { recursive: true });
      const net = await remote.networkOptions(this.policy(), url, credentials);
      const name = branch ?? (await remote.defaultBranch(this.policy(), url, net));
      const exists = await fs.stat(path.join(dir, "HEAD")).then(
        () => true,
        () => false,
      );
      // A partial clone whose server no longer supports filters (its URL now names another
      // server) is cloned again, whole.
      const fetched = exists
        ? await this.watched(dir, (signal) => remote.fetchBranch(this.policy(), dir, url, name, net, signal)).then(
            () => true,
            (err: unknown) => (err instanceof GitError && err.kind === "no_filter" ? false : Promise.reject(err)),
          )
        : false;
      if (!fetched) {
        await fs.rm(dir, { recursive: true, force: true });
        await remote.cloneBranch(this.policy(), dir, url, name, net);
      }
      const commit = await this.revParse(dir, `refs/heads/${name}^{commit}`);
      await this.watched(dir, (signal) => remote.prefetchTree(this.policy(), dir, commit, net, signal));
      return { commit, branch: name, dir };
    });
  }

  /**
   * The remote's tip of `branch` (default: its HEAD branch), without fetching anything.
   * @throws RepoUrlError (refused host), GitError (timeout, auth_failed, not_found, unreachable, failed).
   */
  async remoteHead(url: ParsedRepoUrl, branch?: string, credentials?: GitCredentials): Promise<{ branch: string; commit: string }> {
    const net = await remote.networkOptions(this.policy(), url, credentials);
    return remote.remoteHead(this.policy(), url, branch, net);
  }

  /** Deletes a repository's clone (no error when there is none). */
  async remove(repoId: string): Promise<void> {
    const dir = this.dir(repoId);
    await this.exclusive(repoId, () => fs.rm(dir, { recursive: true, force: true }));
  }

  /** Every file of `commit` with its size (`git ls-tree -r -l -z`). */
  async listTree(repoId: string, commit: string): Promise<TreeEntry[]> {
    return reads.listTree(this.clone(repoId), commit);
  }

  /**
   * Streams blob contents in the order asked (`git cat-file --batch`). Only one blob is held
   * in memory at a time; git waits while the consumer is busy. Stopping early kills git.
   * @throws GitError("not_found") for an object that is not in the cache.
   */
  async *readBlobs(repoId: string, oids: string[]): AsyncIterable<{ oid: string; content: Buffer }> {
    yield* reads.readBlobs(this.clone(repoId), oids);
  }

  /**
   * The files that differ between two commits, with their entries on both sides; undefined
   * when either commit or one of the blobs is not in the cache (see git-reads).
   */
  async changesBetween(repoId: string, fromCommit: string, toCommit: string): Promise<TreeChange[] | undefined> {
    return reads.changesBetween(this.clone(repoId), fromCommit, toCommit);
  }

  /** True when `a` is an ancestor of (or equal to) `b`; false also when either is unknown. */
  async isAncestor(repoId: string, a: string, b: string): Promise<boolean> {
    return reads.isAncestor(this.clone(repoId), a, b);
  }

  /**
   * linguist-generated / linguist-vendored for `paths` as of `commit`, from every
   * .gitattributes in that commit (see git-reads).
   */
  async readAttributes(repoId: string, commit: string, paths: string[]): Promise<PathAttributes[]> {
    return reads.readAttributes(this.clone(repoId), commit, paths);
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
    const ok = await fs.stat(path.join(dir, "HEAD")).then(
      () => true,
      () => false,
    );
    if (!ok) throw new GitError("not_found", "The repository has not been cloned yet.");
    return dir;
  }

  /** The repository's clone for reads; its directory is checked when a command runs. */
  private clone(repoId: string): LocalClone {
    return { dir: () => this.existingDir(repoId), timeoutMs: this.options.timeoutMs };
  }

  /** The root, limits and host policy the network steps work with. */
  private policy(): remote.RemotePolicy {
    return { root: this.root, ...this.options };
  }

  private async revParse(dir: string, rev: string): Promise<string> {
    const args = ["rev-parse", "--verify", "--end-of-options", rev];
    const { stdout } = await runGit(args, offlineOptions(dir, this.options.timeoutMs));
    return stdout.toString("utf8").trim();
  }

  /** Runs `fn` under the `maxRepoBytes` limit on `dir` (see size-watchdog). */
  private watched<T>(dir: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return withSizeLimit(dir, this.options.maxRepoBytes, fn);
  }
}
