/**
 * Parses the repository URL a user typed into one of the few forms we let git fetch:
 * `https://host[:port]/path`, `ssh://[user@]host[:port]/path` and scp-style `user@host:path`.
 * Everything else is refused with a RepoUrlError naming the reason: other transports
 * (`file://`, `ext::`, `git://`), local paths, credentials inside the URL (they are passed
 * separately), option injection (`-...`), control characters and malformed hosts.
 * With `allowLocal` (development and tests) plain `http://` and local paths are accepted.
 */
import path from "node:path";
import { isIP } from "node:net";
import { AppError } from "../../platform/errors.js";

/** Why a repository URL or its host was refused. */
export type RepoUrlRefusal =
  | "unsupported_scheme"
  | "local_path"
  | "credentials_in_url"
  | "malformed"
  | "option_injection"
  | "forbidden_address"
  | "foreign_host";

/** A refused repository URL (AppError code `invalid_repository_url`, 400). */
export class RepoUrlError extends AppError {
  constructor(
    readonly reason: RepoUrlRefusal,
    message: string,
  ) {
    super("invalid_repository_url", 400, message, { details: { reason } });
    this.name = "RepoUrlError";
  }
}

/** A URL git may fetch from, without credentials. */
export interface ParsedRepoUrl {
  /** `http` only with allowLocal. */
  kind: "https" | "http" | "ssh" | "local";
  /** What to hand git: normalised, never with a password. For `local`, an absolute path. */
  url: string;
  /** Lower-case host name or IP literal (IPv6 without brackets); "" for local. */
  host: string;
  /** Only when not the scheme's default. */
  port?: number;
  /** The path on the host as given (`/org/repo.git`, or `org/repo.git` for scp-style). */
  path: string;
  /** The user for ssh (`git`), if any. */
  user?: string;
  /** For people: `github.com/org/repo` (no scheme, user or `.git`). */
  displayName: string;
}

/** Options for parseRepoUrl. */
export interface ParseRepoUrlOptions {
  /** Accept `http://` and local paths (never in production). */
  allowLocal: boolean;
}

const MAX_URL_LENGTH = 2048;
const DEFAULT_PORT: Record<string, number> = { https: 443, http: 80, ssh: 22 };
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const USER = /^[A-Za-z0-9._~-]{1,64}$/;

const refuse = (reason: RepoUrlRefusal, message: string) => new RepoUrlError(reason, message);

/**
 * Validates a host: a DNS name whose top label starts with a letter (so `0x7f.1` and
 * `2130706433` are not read as addresses), a dotted-quad IPv4 address or a bracketed IPv6
 * literal. @returns the normalised host (IPv6 without brackets).
 */
function checkHost(raw: string): string {
  if (raw.startsWith("-")) throw refuse("option_injection", "The host must not start with '-'.");
  const host = raw.toLowerCase();
  if (host.startsWith("[") && host.endsWith("]")) {
    const inner = host.slice(1, -1);
    if (isIP(inner) === 6) return inner;
    throw refuse("malformed", "The host is not a valid IPv6 address.");
  }
  if (isIP(host) === 4) return host;
  const labels = host.split(".");
  const top = labels[labels.length - 1] ?? "";
  if (host === "" || labels.some((l) => !LABEL.test(l)) || !/^[a-z]/.test(top)) {
    throw refuse("malformed", "The host name is empty or invalid.");
  }
  return host;
}

/** Checks a path: non-empty, no `..` segments, no query or fragment. */
function checkPath(p: string): string {
  const segments = p.split("/").filter((s) => s !== "");
  if (segments.length === 0) throw refuse("malformed", "The URL has no repository path.");
  if (segments.some((s) => s === ".." || s === ".")) throw refuse("malformed", "The path must not contain '.' or '..' segments.");
  if (/[?#\\]/.test(p)) throw refuse("malformed", "The path must not contain '?', '#' or '\\'.");
  return p;
}

function displayName(host: string, port: number | undefined, p: string): string {
  const hostPart = host.includes(":") ? `[${host}]` : host;
  const clean = p.replace(/^\/+|\/+$/g, "").replace(/\.git$/, "");
  return `${hostPart}${port ? `:${port}` : ""}/${clean}`;
}

/** `https://`, `http://` and `ssh://` URLs. */
function parseSchemeUrl(input: string, scheme: "https" | "http" | "ssh"): ParsedRepoUrl {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw refuse("malformed", "The URL cannot be parsed.");
  }
  if (url.password) throw refuse("credentials_in_url", "Remove the password or token from the URL and enter it as a credential.");
  if (url.username && scheme !== "ssh") {
    throw refuse("credentials_in_url", "Remove the user name or token from the URL and enter it as a credential.");
  }
  const user = url.username ? decodeURIComponent(url.username) : undefined;
  if (user?.startsWith("-")) throw refuse("option_injection", "The user must not start with '-'.");
  if (user !== undefined && !USER.test(user)) throw refuse("malformed", "The user name is invalid.");
  if (url.search || url.hash || input.includes("?") || input.includes("#")) {
    throw refuse("malformed", "The URL must not have a query or fragment.");
  }
  // Validate the host as typed: WHATWG would turn `https://0x7f.1` into 127.0.0.1 and
  // `https:///org/repo` into host "org", and keeps ssh hosts opaque.
  const rawHost = /^[a-z]+:\/\/(?:[^@/]*@)?(\[[^\]/]*\]|[^/:]*)/i.exec(input)?.[1] ?? "";
  const host = checkHost(rawHost);
  const portNumber = url.port === "" ? undefined : Number(url.port);
  if (portNumber === 0) throw refuse("malformed", "The port is invalid.");
  const port = portNumber === DEFAULT_PORT[scheme] ? undefined : portNumber;
  // The path as typed, too: the URL parser would resolve `x/../../y` (and `%2e%2e`) silently.
  const rawPath = input.replace(/^[a-z]+:\/\/[^/]*/i, "");
  checkPath(rawPath.replace(/%2e/gi, "."));
  const repoPath = checkPath(url.pathname);
  const hostPart = host.includes(":") ? `[${host}]` : host;
  const authority = `${user ? `${user}@` : ""}${hostPart}${port ? `:${port}` : ""}`;
  return {
    kind: scheme,
    url: `${scheme}://${authority}${repoPath}`,
    host,
    ...(port ? { port } : {}),
    path: repoPath,
    ...(user ? { user } : {}),
    displayName: displayName(host, port, repoPath),
  };
}

/** scp-style `user@host:path`. */
function parseScpLike(match: RegExpExecArray): ParsedRepoUrl {
  const [, user = "", rawHost = "", repoPath = ""] = match;
  if (user.startsWith("-")) throw refuse("option_injection", "The user must not start with '-'.");
  if (!USER.test(user)) throw refuse("malformed", "The user name is invalid.");
  const host = checkHost(rawHost);
  if (repoPath.startsWith("-")) throw refuse("option_injection", "The path must not start with '-'.");
  checkPath(repoPath);
  const hostPart = host.includes(":") ? `[${host}]` : host;
  return { kind: "ssh", url: `${user}@${hostPart}:${repoPath}`, host, path: repoPath, user, displayName: displayName(host, undefined, repoPath) };
}

/** A local path (only with allowLocal). */
function parseLocal(input: string, allowLocal: boolean): ParsedRepoUrl {
  if (!allowLocal) {
    throw refuse(
      "local_path",
      "Local paths are not allowed on this server: use an https:// or ssh URL, or set CTXPIPE_ALLOW_LOCAL_REPOSITORIES=true to index repositories on its disk.",
    );
  }
  const abs = path.resolve(input);
  return { kind: "local", url: abs, host: "", path: abs, displayName: path.basename(abs).replace(/\.git$/, "") || abs };
}

/**
 * Parses and normalises a repository URL.
 * @throws RepoUrlError with the refusal reason.
 */
export function parseRepoUrl(input: string, options: ParseRepoUrlOptions): ParsedRepoUrl {
  const text = input.trim();
  if (text === "" || text.length > MAX_URL_LENGTH) throw refuse("malformed", "The URL is empty or too long.");
  if (text.startsWith("-")) throw refuse("option_injection", "The URL must not start with '-'.");
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(text)) throw refuse("malformed", "The URL must not contain spaces or control characters.");

  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    // WHATWG URL reads "\\" as "/" in https URLs, which would hide the real authority.
    if (text.includes("\\")) throw refuse("malformed", "The URL must not contain '\\'.");
    if (scheme === "https" || scheme === "ssh") return parseSchemeUrl(text, scheme);
    if (scheme === "http") {
      if (options.allowLocal) return parseSchemeUrl(text, "http");
      throw refuse("unsupported_scheme", "Plain http:// is not allowed; use https://.");
    }
    if (scheme === "file") {
      if (!options.allowLocal) throw refuse("local_path", "file:// URLs are not allowed; use an https:// or ssh URL.");
      let local: string;
      try {
        local = decodeURIComponent(new URL(text).pathname);
      } catch {
        throw refuse("malformed", "The file URL cannot be parsed.");
      }
      return parseLocal(local, true);
    }
    throw refuse("unsupported_scheme", `The ${scheme}:// transport is not supported; use https:// or ssh.`);
  }
  // git's `<transport>::<address>` remote-helper syntax (ext::, fd::, ...).
  if (/^[A-Za-z0-9+.-]+::/.test(text)) throw refuse("unsupported_scheme", "Remote-helper URLs (transport::address) are not supported.");
  if (/^[A-Za-z]:[\\/]/.test(text) || text.startsWith("\\\\")) throw refuse("local_path", "Windows paths are not supported.");
  if (text.startsWith("/") || text.startsWith("./") || text.startsWith("../") || text === "." || text === "..") {
    return parseLocal(text, options.allowLocal);
  }
  // scp-style: a colon before any slash (git's own rule); we also require `user@`.
  const scp = /^([^@/:]+)@(\[[0-9A-Fa-f:.]+\]|[^/:[\]]+):(.+)$/.exec(text);
  if (scp) return parseScpLike(scp);
  if (/^[^/]*:/.test(text)) throw refuse("malformed", "Use user@host:path (e.g. git@github.com:org/repo.git) or ssh://.");
  return parseLocal(text, options.allowLocal);
}

/** The `repositories.url_kind` of a parsed URL (`http`, allowed in development only, counts as https). */
export function urlKindOf(url: ParsedRepoUrl): "https" | "ssh" | "local" {
  return url.kind === "http" ? "https" : url.kind;
}
