/**
 * Calls to GitHub's REST API for one App (github.com or Enterprise Server), through Octokit:
 * the App's JWT (RS256, @octokit/auth-app) for /app endpoints, installation tokens for the
 * rest. Installation tokens are minted on demand and reused until five minutes before they
 * expire. Requests go through the SSRF-safe fetch; errors become AppErrors whose messages say
 * what to fix and never carry a token.
 */
import { createAppAuth } from "@octokit/auth-app";
import { request as octokitRequest } from "@octokit/request";
import { AppError } from "../../platform/errors.js";
import { ForbiddenAddressError } from "./outbound-fetch.js";

/** What the client needs to know about the App. */
export interface GithubAppCredentials {
  appId: number;
  privateKey: string;
  /** e.g. https://api.github.com or https://github.example.com/api/v3 (no trailing slash). */
  apiUrl: string;
}

/** An installation as ctxpipe uses it. */
export interface GithubInstallation {
  id: number;
  appId: number;
  account: { login: string; type: string };
  repositorySelection: "all" | "selected";
  suspended: boolean;
}

/** A repository an installation can read. */
export interface GithubRepository {
  id: number;
  fullName: string;
  cloneUrl: string;
  defaultBranch: string;
  private: boolean;
  archived: boolean;
  pushedAt: string | null;
}

/** Renew a cached installation token when less than this is left. */
const RENEW_BEFORE_MS = 5 * 60_000;
/** Most repositories read from one installation (10 pages of 100). */
export const MAX_INSTALLATION_REPOSITORIES = 1000;

/** One App's client. */
export interface GithubApi {
  /** The installation, read with the App's JWT: a 404 means it is not this App's. */
  getInstallation(installationId: number): Promise<GithubInstallation>;
  /** A valid installation token (cached). */
  installationToken(installationId: number): Promise<string>;
  /** The repositories the installation can read, by full name; `truncated` past the limit. */
  listRepositories(installationId: number): Promise<{ repositories: GithubRepository[]; truncated: boolean }>;
  /** The commit at the tip of `branch`, or null when the branch does not exist. */
  branchHead(installationId: number, fullName: string, branch: string): Promise<string | null>;
}

/** Maps an Octokit or network failure to an AppError that says what to fix (never with a token). */
export function explainGithubError(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err;
  const status = (err as { status?: number }).status;
  const cause = (err as { cause?: unknown }).cause;
  if (err instanceof ForbiddenAddressError || cause instanceof ForbiddenAddressError) {
    return new AppError("github_unreachable", 502, `${what}: the GitHub API host resolves to an internal address; allow it with CTXPIPE_GIT_ALLOWED_HOSTS.`, {
      expose: true,
    });
  }
  if (status === 401)
    return new AppError("github_auth_failed", 502, `${what}: GitHub refused the App's credentials; check the App id and private key.`, { expose: true });
  if (status === 403) return new AppError("github_forbidden", 502, `${what}: GitHub refused the request (permissions or rate limit).`, { expose: true });
  if (status === 404) return new AppError("github_not_found", 404, `${what}: GitHub does not know it (or the App cannot see it).`, { expose: true });
  if (typeof status === "number") return new AppError("github_error", 502, `${what}: GitHub answered ${status}.`, { expose: true });
  return new AppError("github_unreachable", 502, `${what}: the GitHub API could not be reached.`, { expose: true });
}

/**
 * A client for one App. `fetchImpl` is the outbound fetch (SSRF-safe in production).
 */
export function createGithubApi(credentials: GithubAppCredentials, fetchImpl: typeof fetch): GithubApi {
  const request = octokitRequest.defaults({ baseUrl: credentials.apiUrl, headers: { "user-agent": "ctxpipe" }, request: { fetch: fetchImpl } });
  const auth = createAppAuth({ appId: credentials.appId, privateKey: credentials.privateKey, request });
  const tokens = new Map<number, { token: string; expiresAt: number }>();

  const installationToken = async (installationId: number): Promise<string> => {
    const cached = tokens.get(installationId);
    if (cached && cached.expiresAt - Date.now() > RENEW_BEFORE_MS) return cached.token;
    try {
      const minted = await auth({ type: "installation", installationId, refresh: true });
      tokens.set(installationId, { token: minted.token, expiresAt: Date.parse(minted.expiresAt) });
      return minted.token;
    } catch (err) {
      tokens.delete(installationId);
      throw explainGithubError(err, "Minting an installation token");
    }
  };

  return {
    async getInstallation(installationId) {
      try {
        const { token } = await auth({ type: "app" });
        const { data } = await request("GET /app/installations/{installation_id}", {
          installation_id: installationId,
          headers: { authorization: `bearer ${token}` },
        });
        const account = data.account as { login?: string; slug?: string; type?: string } | null;
        return {
          id: data.id,
          appId: data.app_id,
          account: { login: account?.login ?? account?.slug ?? "", type: account?.type ?? data.target_type },
          repositorySelection: data.repository_selection,
          suspended: data.suspended_at !== null && data.suspended_at !== undefined,
        };
      } catch (err) {
        throw explainGithubError(err, `Reading installation ${installationId}`);
      }
    },
    installationToken,
    async listRepositories(installationId) {
      const token = await installationToken(installationId);
      const repositories: GithubRepository[] = [];
      try {
        for (let page = 1; repositories.length < MAX_INSTALLATION_REPOSITORIES; page++) {
          const { data } = await request("GET /installation/repositories", { per_page: 100, page, headers: { authorization: `token ${token}` } });
          for (const r of data.repositories) {
            repositories.push({
              id: Number(r.id),
              fullName: r.full_name,
              cloneUrl: r.clone_url,
              defaultBranch: r.default_branch,
              private: r.private,
              archived: r.archived,
              pushedAt: r.pushed_at,
            });
          }
          if (data.repositories.length < 100 || repositories.length >= data.total_count) {
            return { repositories: repositories.sort((a, b) => a.fullName.localeCompare(b.fullName)), truncated: false };
          }
        }
      } catch (err) {
        throw explainGithubError(err, "Listing the installation's repositories");
      }
      return { repositories: repositories.slice(0, MAX_INSTALLATION_REPOSITORIES).sort((a, b) => a.fullName.localeCompare(b.fullName)), truncated: true };
    },
    async branchHead(installationId, fullName, branch) {
      const token = await installationToken(installationId);
      const [owner, repo] = fullName.split("/");
      try {
        const { data } = await request("GET /repos/{owner}/{repo}/branches/{branch}", {
          owner: owner!,
          repo: repo!,
          branch,
          headers: { authorization: `token ${token}` },
        });
        return data.commit.sha;
      } catch (err) {
        if ((err as { status?: number }).status === 404) return null;
        throw explainGithubError(err, `Reading the head of ${fullName}`);
      }
    },
  };
}
