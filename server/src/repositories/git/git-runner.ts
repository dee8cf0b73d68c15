/**
 * Runs the system `git` as a child process (execFile-style, never through a shell) with a
 * hardened environment: no user or system config, no terminal prompts, an allow-list of
 * transports, a deadline that kills the whole process group, and a bound on stdout.
 *
 * Credentials never reach argv, URLs or repository config: a one-shot credential helper
 * (`-c credential.helper=!...`) prints two environment variables that exist only in the
 * child's environment. The helper string itself names the variables and holds no secret, and
 * it is scoped to one origin (`credential.<origin>.helper`) when the caller names one.
 * Failures become a GitError whose message is fixed per kind and scrubbed of secrets.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { AppError } from "../../platform/errors.js";
import { scrubSecrets } from "../../platform/logging.js";
import { childProcessEnv } from "../../platform/config/child-env.js";
import { inChildSpan } from "../../platform/telemetry/spans.js";

/** Why a git command failed, as the indexer and the API need to know it. */
export type GitErrorKind = "timeout" | "auth_failed" | "not_found" | "unreachable" | "too_large" | "corrupt" | "no_filter" | "failed";

const STATUS: Record<GitErrorKind, number> = {
  timeout: 504,
  auth_failed: 422,
  not_found: 422,
  unreachable: 502,
  too_large: 422,
  // The remote's content (missing objects, a corrupt pack): no retry fixes it, a new push may.
  corrupt: 422,
  // The server ignores partial-clone filters: the caller clones without one instead.
  no_filter: 422,
  failed: 500,
};

/**
 * A failed git operation. `message` is safe to show users; `stderr` (scrubbed, bounded) is
 * for logs only. The AppError code is `git_<kind>`.
 */
export class GitError extends AppError {
  constructor(
    readonly kind: GitErrorKind,
    message: string,
    readonly stderr = "",
  ) {
    super(`git_${kind}`, STATUS[kind], message, { expose: kind !== "failed" });
    this.name = "GitError";
  }
}

/** HTTP(S) credentials for one command: a token is the password. */
export interface GitCredentials {
  /** Defaults to `x-access-token` (accepted with any token by GitHub; GitLab wants `oauth2`). */
  username?: string;
  password: string;
  /**
   * The only host name (lower case, IPv6 without brackets) this credential may be sent to, e.g. a
   * GitHub connection's host. The network step refuses any other URL before git starts.
   */
  host?: string;
}

/** SSH connection settings; each value is validated before it reaches GIT_SSH_COMMAND. */
export interface GitSshOptions {
  /** Connect to this address instead of resolving the URL's host again (DNS pinning). */
  hostName?: string;
  /** The name host keys are recorded under when `hostName` is an address. */
  hostKeyAlias?: string;
  /** known_hosts file; defaults to one in the throw-away HOME (trust on first use per process). */
  knownHostsFile?: string;
}

/** Options for one git invocation. */
export interface GitRunOptions {
  cwd?: string;
  /** Deadline for the whole command; on expiry the process group gets SIGKILL. */
  timeoutMs: number;
  /** Bound on stdout; exceeding it kills git and throws GitError("too_large"). Default 64 MiB. */
  maxOutputBytes?: number;
  credentials?: GitCredentials;
  /**
   * The origin (`https://host[:port]`) git may hand the credentials to: the helper is configured
   * as `credential.<origin>.helper`, so git asks it for no other host or port (a redirect, a
   * submodule, a changed remote). Without it the helper answers for any URL.
   */
  credentialOrigin?: string;
  /** Extra environment (e.g. GIT_TRACE in tests). Cannot override the hardened variables. */
  env?: Record<string, string>;
  /** Transports git may use (GIT_ALLOW_PROTOCOL). Default https and ssh; [] allows none (offline). */
  protocols?: string[];
  ssh?: GitSshOptions;
  /** Written to stdin, which is then closed. */
  stdin?: string | Buffer;
  /** Exit codes that are answers, not failures (e.g. 1 for `merge-base --is-ancestor`). */
  okExitCodes?: number[];
  /** Aborting kills git; a GitError given as the abort reason is thrown as is. */
  signal?: AbortSignal;
}

/** The result of a finished command. */
export interface GitRunResult {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
}

/** A started command whose stdout the caller consumes (e.g. `cat-file --batch`). */
export interface GitProcess {
  child: ChildProcess;
  /** Resolves when git exits with an accepted code; rejects with a GitError otherwise. */
  done: Promise<{ exitCode: number; stderr: string }>;
  /** Kills the process group; `done` rejects with `err` (default: "cancelled"). */
  kill(err?: GitError): void;
}

const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;
const MAX_STDERR = 64 * 1024;
const DEFAULT_USERNAME = "x-access-token";
const ENV_USERNAME = "CTXPIPE_GIT_USERNAME";
const ENV_PASSWORD = "CTXPIPE_GIT_PASSWORD";

/** Prints the two variables for `get` and ignores `store`/`erase`. Holds no secret itself. */
const CREDENTIAL_HELPER = `!f() { test "$1" = get || exit 0; ` + `printf 'username=%s\\npassword=%s\\n' "$${ENV_USERNAME}" "$${ENV_PASSWORD}"; }; f`;

let emptyHome: string | undefined;

/** One empty directory per process used as HOME, so no user config or keys are read. */
function homeDir(): string {
  if (emptyHome === undefined) {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ctxpipe-git-home-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    emptyHome = dir;
  }
  return emptyHome;
}

/** Single-quotes a value for the shell git uses to run GIT_SSH_COMMAND. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function sshCommand(ssh: GitSshOptions = {}): string {
  const opts = ["BatchMode=yes", "StrictHostKeyChecking=accept-new", "ConnectTimeout=30"];
  opts.push(`UserKnownHostsFile=${ssh.knownHostsFile ?? path.join(homeDir(), "known_hosts")}`);
  for (const [key, value] of [
    ["HostName", ssh.hostName],
    ["HostKeyAlias", ssh.hostKeyAlias],
  ] as const) {
    if (value === undefined) continue;
    if (!/^[A-Za-z0-9.:-]+$/.test(value)) throw new GitError("failed", `Invalid ssh ${key}.`);
    opts.push(`${key}=${value}`);
  }
  return ["ssh", ...opts.flatMap((o) => ["-o", shellQuote(o)])].join(" ");
}

/** Builds the child's whole environment; nothing is inherited except PATH. */
function buildEnv(options: GitRunOptions): NodeJS.ProcessEnv {
  const protocols = options.protocols ?? ["https", "ssh"];
  const env: NodeJS.ProcessEnv = {
    ...options.env,
    ...childProcessEnv(),
    HOME: homeDir(),
    LC_ALL: "C",
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    // An unknown name allows nothing: with [] even a lazy partial-clone fetch cannot connect.
    GIT_ALLOW_PROTOCOL: protocols.length > 0 ? protocols.join(":") : "none",
    GIT_SSH_COMMAND: sshCommand(options.ssh),
    GIT_ASKPASS: "",
    SSH_ASKPASS: "",
  };
  if (options.credentials) {
    const { username = DEFAULT_USERNAME, password } = options.credentials;
    if (/[\0\r\n]/.test(username + password)) throw new GitError("failed", "Credentials contain line breaks.");
    if (options.credentialOrigin !== undefined && !/^https?:\/\/[A-Za-z0-9.:[\]-]+$/.test(options.credentialOrigin)) {
      throw new GitError("failed", "Invalid credential origin.");
    }
    env[ENV_USERNAME] = username;
    env[ENV_PASSWORD] = password;
  }
  return env;
}

/** `-c` settings placed before the subcommand. */
function configArgs(options: GitRunOptions): string[] {
  const pairs = [
    "credential.helper=", // reset any inherited helper list
    ...(options.credentials ? [`credential.${options.credentialOrigin ? `${options.credentialOrigin}.` : ""}helper=${CREDENTIAL_HELPER}`] : []),
    "core.hooksPath=/dev/null",
    "core.fsmonitor=false",
    "http.followRedirects=false", // a redirect could lead to a host the guard never saw
    "gc.auto=0",
    "maintenance.auto=false",
    ...((options.protocols ?? []).includes("file") ? [] : ["protocol.file.allow=never"]),
  ];
  return pairs.flatMap((p) => ["-c", p]);
}

const AUTH_FAILED = [
  /Authentication failed/i,
  /could not read (Username|Password)/i,
  /Permission denied \(publickey/i,
  /HTTP Basic: Access denied/i,
  /returned error: 40[13]/i,
];
const NOT_FOUND = [/Repository not found/i, /not found/i, /does not appear to be a git repository/i, /returned error: 404/i, /couldn't find remote ref/i];
/** The remote's own content is broken: it sends what it has until its branch moves. */
const CORRUPT = [
  /pack-objects died/i,
  /possible repository corruption/i,
  /did not send all necessary objects/i,
  // A partial clone's lazy fetch of a blob the remote's tree names but its store lacks.
  /not our ref [0-9a-f]{40}/i,
  /missing (blob|tree|commit|tag) object/i,
  /(bad|missing|invalid) object [0-9a-f]{7,}/i,
  /unable to read [0-9a-f]{40}/i,
  /packed object \S+ .*is corrupt/i,
  /(corrupt|truncated) (loose object|pack)/i,
];
/** git's warning when the server ignores a partial-clone filter (see spawnGit). */
const FILTER_IGNORED = /filtering not recognized by server/i;
/** Most characters of git's own words in a user-facing message. */
const MAX_DETAIL = 400;

/**
 * git's own error lines (`fatal:`, `error:`, also the remote's), joined and bounded: what an operator
 * needs to see. `stderr` is already scrubbed of credentials and URLs' userinfo.
 */
function gitErrorDetail(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => /^(remote:\s*)?(fatal|error):/i.test(l));
  const text = [...new Set(lines)].join(" ");
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL - 1)}…` : text;
}

const UNREACHABLE = [
  /Could not resolve host/i,
  /Connection refused/i,
  /Failed to connect/i,
  /Connection timed out/i,
  /Network is unreachable/i,
  /No route to host/i,
  /Could not read from remote repository/i,
  /Empty reply from server/i,
  /Connection reset/i,
];

/** Maps stderr to a kind and a fixed, user-facing message (checked in this order). */
function classify(stderr: string): { kind: GitErrorKind; message: string } {
  const any = (patterns: RegExp[]) => patterns.some((p) => p.test(stderr));
  if (any(AUTH_FAILED)) return { kind: "auth_failed", message: "The code host refused the credentials." };
  if (any(CORRUPT)) {
    const detail = gitErrorDetail(stderr);
    return {
      kind: "corrupt",
      message: `The remote repository could not send its content (missing or corrupt objects on the remote)${detail ? `: ${detail}` : "."}`,
    };
  }
  if (any(NOT_FOUND)) return { kind: "not_found", message: "The repository or branch was not found." };
  if (any(UNREACHABLE)) return { kind: "unreachable", message: "The code host could not be reached." };
  const detail = gitErrorDetail(stderr);
  return { kind: "failed", message: `git failed${detail ? `: ${detail}` : "."}` };
}

/** Removes credentials from text: known secret values and URL/bearer forms. */
function scrub(text: string, credentials?: GitCredentials): string {
  let out = scrubSecrets(text);
  if (credentials?.password) out = out.split(credentials.password).join("***");
  return out;
}

/**
 * Starts git with `args` after the hardening `-c` options. The caller reads `child.stdout`
 * and, unless `options.stdin` was given, writes and ends `child.stdin`. `done` settles when
 * git exits; `maxOutputBytes` does not apply here.
 */
export function spawnGit(args: string[], options: GitRunOptions): GitProcess {
  const child = spawn("git", [...configArgs(options), ...args], {
    cwd: options.cwd,
    env: buildEnv(options),
    stdio: ["pipe", "pipe", "pipe"],
    detached: true, // own process group, so SIGKILL reaches git-remote-https and ssh too
  });
  let stderr = "";
  let failure: GitError | undefined;
  const kill = () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
  };
  const fail = (err: GitError) => {
    failure ??= err;
    kill();
  };
  const timer = setTimeout(() => fail(new GitError("timeout", `git did not finish within ${options.timeoutMs} ms.`)), options.timeoutMs);
  const onAbort = () => {
    const reason: unknown = options.signal?.reason;
    fail(reason instanceof GitError ? reason : new GitError("failed", "The git operation was cancelled."));
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });

  // A server that ignores `--filter` (no uploadpack.allowFilter) sends whole packs, and git
  // then marks the clone partial anyway: with a shallow remote, every missing object starts a
  // lazy fetch that starts more (git 2.39 spawned thousands of processes in seconds, no end).
  // Stopped at git's first warning, before it forks; the caller goes on without a filter.
  const filtered = args.some((a) => a.startsWith("--filter"));
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-MAX_STDERR);
    if (filtered && FILTER_IGNORED.test(stderr)) fail(new GitError("no_filter", "The git server does not support partial clones."));
  });
  child.stdin?.on("error", () => {}); // git may exit before reading all input
  if (options.stdin !== undefined) child.stdin?.end(options.stdin);

  const done = new Promise<{ exitCode: number; stderr: string }>((resolve, reject) => {
    const finish = (code: number | null, spawnError?: Error) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      const clean = scrub(stderr, options.credentials);
      if (failure) return reject(new GitError(failure.kind, failure.message, clean));
      if (spawnError) return reject(new GitError("failed", `git could not be started: ${spawnError.message}`));
      const exitCode = code ?? -1;
      if (exitCode === 0 || options.okExitCodes?.includes(exitCode)) return resolve({ exitCode, stderr: clean });
      const { kind, message } = classify(clean);
      reject(new GitError(kind, message, clean));
    };
    child.once("error", (err) => finish(null, err));
    child.once("close", (code) => finish(code));
  });
  return { child, done, kill: (err) => fail(err ?? new GitError("failed", "The git operation was cancelled.")) };
}

/**
 * Runs git to completion and returns its buffered output.
 * @throws GitError with kind timeout, too_large (stdout over maxOutputBytes), auth_failed,
 *   not_found, unreachable or failed.
 */
export function runGit(args: string[], options: GitRunOptions): Promise<GitRunResult> {
  // The sub-command only (the first word past `-c key=value` and other options): arguments can hold URLs and paths.
  const command = args.find((a, i) => !a.startsWith("-") && !["-c", "-C"].includes(args[i - 1] ?? "")) ?? "";
  return inChildSpan(`git ${command}`, { "process.executable.name": "git", "git.command": command }, () => runGitUntraced(args, options));
}

async function runGitUntraced(args: string[], options: GitRunOptions): Promise<GitRunResult> {
  const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const proc = spawnGit(args, options);
  if (options.stdin === undefined) proc.child.stdin?.end();
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  proc.child.stdout?.on("data", (chunk: Buffer) => {
    if (tooLarge) return;
    size += chunk.length;
    if (size > max) {
      tooLarge = true;
      proc.kill(new GitError("too_large", `git produced more than ${max} bytes of output.`));
      return;
    }
    chunks.push(chunk);
  });
  const { exitCode, stderr } = await proc.done;
  return { stdout: Buffer.concat(chunks), stderr, exitCode };
}
