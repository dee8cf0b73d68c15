/**
 * The network steps of a sync: checking the host and building the run options of a step
 * (transport allow-list, credentials, DNS pinning), looking up the default branch, checking
 * a branch name, cloning, fetching one branch and prefetching the blobs of a tree.
 *
 * The host is checked first (host-guard) and the connection pinned to the checked addresses
 * (`http.curloptResolve`, ssh `HostName`). Credentials go only into the run options, which
 * git-runner turns into environment variables of the child; they never reach argv, URLs or
 * repository config; git is told to give them to the URL's origin only, and credentials bound
 * to a host (a connection's) are refused for a URL on any other. Branch names are checked so
 * they cannot be read as options.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import { isIP } from "node:net";
import path from "node:path";
import { invalidInput } from "../../platform/errors.js";
import { GitError, runGit, type GitCredentials, type GitRunOptions } from "./git-runner.js";
import { checkHost } from "./host-guard.js";
import { confineLocalPath, type LocalPathPolicy } from "./local-path.js";
import { offlineOptions } from "./offline-git.js";
import { RepoUrlError, type ParsedRepoUrl } from "./repo-url.js";
import { withSizeLimit } from "./size-watchdog.js";

/** What the network steps need from the cache: its root, limits and host policy. */
export interface RemotePolicy {
  /** The cache root: clones are staged in it and ssh host keys are recorded in it. */
  root: string;
  /** Largest allowed clone directory, in bytes. */
  maxRepoBytes: number;
  /** Deadline per git command. */
  timeoutMs: number;
  /** Accept `local` and `http` URLs (development and tests only). */
  allowLocal: boolean;
  /** Hosts exempt from the internal-address check (exact or `*.suffix`). */
  allowedHosts: string[];
  /** Where local repositories may be (local-path.ts): checked before each clone or fetch. */
  localPaths: LocalPathPolicy;
}

/** Run options and `-c` arguments for one network step (transport, credentials, pinning). */
export interface NetworkStep {
  run: GitRunOptions;
  config: string[];
}

const DEFAULT_PORT = { https: 443, http: 80 } as const;

/**
 * Checks the host and returns run options (transport, credentials, pinning) plus `-c` args.
 * @throws RepoUrlError when the URL kind or host is refused.
 */
export async function networkOptions(policy: RemotePolicy, url: ParsedRepoUrl, credentials?: GitCredentials): Promise<NetworkStep> {
  const base = { timeoutMs: policy.timeoutMs };
  if (url.kind === "local" || url.kind === "http") {
    const reason = url.kind === "local" ? "local_path" : "unsupported_scheme";
    if (!policy.allowLocal) throw new RepoUrlError(reason, "Local and http:// repositories are not allowed.");
  }
  if (url.kind === "local") {
    await confineLocalPath(policy.localPaths, url.path);
    return { run: { ...base, protocols: ["file"] }, config: [] };
  }
  const addresses = await checkHost(url.host, policy.allowedHosts);
  const literal = isIP(url.host) !== 0;
  if (url.kind === "ssh") {
    const ssh = literal ? {} : { hostName: addresses[0], hostKeyAlias: url.host };
    const knownHostsFile = path.join(policy.root, ".known_hosts");
    return { run: { ...base, protocols: ["ssh"], ssh: { ...ssh, knownHostsFile } }, config: [] };
  }
  const port = url.port ?? DEFAULT_PORT[url.kind];
  if (credentials?.host !== undefined && credentials.host !== url.host.toLowerCase()) {
    // A connection's token goes to its own code host only, whatever URL a repository holds.
    throw new RepoUrlError("foreign_host", "The repository's URL is not on its connection's host: its credentials are not sent there.");
  }
  // git hands the credentials to this origin only (not to a redirect, a submodule or another port).
  const credentialOrigin = credentials ? `${url.kind}://${isIP(url.host) === 6 ? `[${url.host}]` : url.host}:${port}` : undefined;
  const run: GitRunOptions = { ...base, protocols: [url.kind], credentials, credentialOrigin };
  if (literal) return { run, config: [] };
  const pinned = addresses.map((a) => (a.includes(":") ? `[${a}]` : a)).join(",");
  return { run, config: ["-c", `http.curloptResolve=${url.host}:${port}:${pinned}`] };
}

/** The remote's default branch (`ls-remote --symref <url> HEAD`), checked like a given one. */
export async function defaultBranch(policy: RemotePolicy, url: ParsedRepoUrl, net: NetworkStep): Promise<string> {
  const args = [...net.config, "ls-remote", "--symref", "--", url.url, "HEAD"];
  const { stdout } = await runGit(args, { ...net.run, maxOutputBytes: 1024 * 1024 });
  const branch = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(stdout.toString("utf8"))?.[1];
  if (!branch) throw new GitError("not_found", "The repository has no default branch (is it empty?).");
  await checkBranchName(policy, branch);
  return branch;
}

/** The longest a remote-head check (one `git ls-remote`) may take. */
export const REMOTE_HEAD_TIMEOUT_MS = 60_000;

/**
 * The tip of `branch` on the remote (default: the remote's HEAD branch), by one
 * `git ls-remote`: no objects move, so a check that finds nothing new costs one round trip.
 * @throws GitError not_found when the branch (or a default branch) does not exist.
 */
export async function remoteHead(
  policy: RemotePolicy,
  url: ParsedRepoUrl,
  branch: string | undefined,
  net: NetworkStep,
): Promise<{ branch: string; commit: string }> {
  if (branch !== undefined) await checkBranchName(policy, branch);
  const refs = branch === undefined ? ["HEAD"] : [`refs/heads/${branch}`];
  const args = [...net.config, "ls-remote", ...(branch === undefined ? ["--symref"] : []), "--", url.url, ...refs];
  // A check is one round trip: a host that does not answer within a minute is failing, whatever
  // the (long) deadline of clones and fetches.
  const out = (await runGit(args, { ...net.run, timeoutMs: Math.min(net.run.timeoutMs, REMOTE_HEAD_TIMEOUT_MS), maxOutputBytes: 1024 * 1024 })).stdout.toString(
    "utf8",
  );
  const lines = out.split("\n").map((line) => line.split("\t"));
  const name = branch ?? lines.find(([left, ref]) => ref === "HEAD" && left?.startsWith("ref: refs/heads/"))?.[0]?.slice("ref: refs/heads/".length);
  const wanted = branch === undefined ? "HEAD" : `refs/heads/${branch}`;
  const commit = lines.find(([sha, ref]) => ref === wanted && /^[0-9a-f]{40,64}$/.test(sha ?? ""))?.[0];
  if (!name || !commit)
    throw new GitError("not_found", branch === undefined ? "The repository has no default branch (is it empty?)." : `The branch ${branch} does not exist.`);
  return { branch: name, commit };
}

/**
 * Refuses a branch name that could be read as an option or is not a valid ref name.
 * @throws AppError("invalid_input").
 */
export async function checkBranchName(policy: RemotePolicy, branch: string): Promise<void> {
  const bad = () => invalidInput("Invalid branch name.");
  if (branch.startsWith("-") || branch.length > 255) throw bad();
  const format = runGit(["check-ref-format", `refs/heads/${branch}`], { timeoutMs: policy.timeoutMs, protocols: [] });
  await format.catch(() => Promise.reject(bad()));
}

/**
 * Clones `branch` into a temporary sibling under the size limit and renames it into place,
 * so `dir` is never half-made. Partial (`--filter=blob:none`: blobs come with prefetchTree)
 * when the server supports filters; a whole clone when it does not (GitError no_filter: the
 * filtered attempt is stopped at git's first warning, see spawnGit).
 */
export async function cloneBranch(policy: RemotePolicy, dir: string, url: ParsedRepoUrl, branch: string, net: NetworkStep): Promise<void> {
  const attempt = async (filter: boolean) => {
    const tmp = path.join(policy.root, `.tmp-${path.basename(dir)}-${randomBytes(4).toString("hex")}`);
    try {
      const args = [...net.config, "clone", "--bare", "--template=", ...(filter ? ["--filter=blob:none"] : []), "--no-tags", "--single-branch"];
      args.push("--branch", branch);
      if (url.kind === "local") args.push("--no-local");
      await withSizeLimit(tmp, policy.maxRepoBytes, (signal) => runGit([...args, "--", url.url, tmp], { ...net.run, signal }));
      await fs.rename(tmp, dir);
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  };
  await attempt(true).catch((err: unknown) => (err instanceof GitError && err.kind === "no_filter" ? attempt(false) : Promise.reject(err)));
}

/** Whether the clone in `dir` is partial (its remote a promisor: blobs are fetched on demand). */
export async function isPartialClone(policy: RemotePolicy, dir: string): Promise<boolean> {
  const { stdout } = await runGit(["config", "--get", "remote.origin.promisor"], { ...offlineOptions(dir, policy.timeoutMs), okExitCodes: [1] });
  return stdout.toString("utf8").trim() === "true";
}

/**
 * Fetches `branch` into the existing clone `dir` and points HEAD at it (with the partial
 * clone's filter when it is one).
 * @throws GitError no_filter when a partial clone's server stopped supporting filters.
 */
export async function fetchBranch(policy: RemotePolicy, dir: string, url: ParsedRepoUrl, branch: string, net: NetworkStep, signal: AbortSignal): Promise<void> {
  // The URL may have changed since the clone; it is stored without credentials.
  await runGit(["config", "remote.origin.url", url.url], offlineOptions(dir, policy.timeoutMs));
  const ref = `refs/heads/${branch}`;
  const filter = (await isPartialClone(policy, dir)) ? ["--filter=blob:none"] : [];
  const fetchArgs = ["fetch", ...filter, "--no-tags", "--no-write-fetch-head", "--recurse-submodules=no"];
  await runGit([...net.config, ...fetchArgs, "origin", `+${ref}:${ref}`], { ...net.run, cwd: dir, signal });
  await runGit(["symbolic-ref", "HEAD", ref], offlineOptions(dir, policy.timeoutMs));
}

/** Fetches, in one request, the blobs of `commit`'s tree that the partial clone lacks. */
export async function prefetchTree(policy: RemotePolicy, dir: string, commit: string, net: NetworkStep, signal: AbortSignal): Promise<void> {
  // A whole clone has every blob.
  if (!(await isPartialClone(policy, dir))) return;
  const { stdout } = await runGit(["rev-list", "--objects", "--no-object-names", "--missing=print", `${commit}^{tree}`], {
    ...offlineOptions(dir, policy.timeoutMs),
    maxOutputBytes: 256 * 1024 * 1024,
  });
  const missing = stdout
    .toString("utf8")
    .split("\n")
    .filter((l) => l.startsWith("?"))
    .map((l) => l.slice(1));
  if (missing.length === 0) return;
  // What git itself runs for a lazy fetch, but for all of them at once.
  const args = [...net.config, "-c", "fetch.negotiationAlgorithm=noop", "fetch", "--no-tags", "--no-write-fetch-head"];
  args.push("--recurse-submodules=no", "--filter=blob:none", "--stdin", "origin");
  await runGit(args, { ...net.run, cwd: dir, signal, stdin: `${missing.join("\n")}\n` });
}
