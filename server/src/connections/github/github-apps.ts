/**
 * One GitHub API client per connection, built from its stored App id, API URL and private key
 * (decrypted on first use) and kept while the process runs, so installation tokens are reused
 * until shortly before they expire. `credentials` hands git a token for the connection's
 * installation (`x-access-token`), never anything that lands in a URL or the database, bound
 * to the connection's git host (`gitHostOf`): git refuses to send it anywhere else.
 */
import type { SecretBox } from "../../platform/crypto/secret-box.js";
import type { Database } from "../../platform/db/database.js";
import { withTenant, type TenantScope } from "../../platform/db/tenant.js";
import { AppError, notFound } from "../../platform/errors.js";
import type { GitCredentials } from "../../repositories/index.js";
import { readSecret } from "../../secrets/index.js";
import type { RepositorySelection } from "./connection.service.js";
import { createGithubApi, type GithubApi } from "./github-api.js";

/** A connection's GitHub configuration (connections.config). */
export interface GithubConfig {
  appId: number;
  appSlug: string;
  apiUrl: string;
}

/**
 * The host a connection's repositories are cloned from, derived from its API URL alone (never
 * from a payload): github.com for https://api.github.com (and `<x>` for an `api.<x>` API at the
 * root, as GHE.com's), else the API URL's host (Enterprise Server serves its API under /api/v3).
 * Lower case, IPv6 without brackets.
 */
export function gitHostOf(apiUrl: string): string {
  const url = new URL(apiUrl);
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return host.startsWith("api.") && url.pathname.replace(/\/+$/, "") === "" ? host.slice(4) : host;
}

/** A connection's client, installation and repository selection. */
export interface GithubAppHandle {
  api: GithubApi;
  config: GithubConfig;
  /** The only host its repositories may be cloned from and its tokens sent to (`gitHostOf`). */
  gitHost: string;
  installationId: number | null;
  /** What the admin picked (null before), with the ids offered so far. */
  selection: (RepositorySelection & { known?: number[] }) | null;
}

/** The clients of every connection this process has used. */
export interface GithubApps {
  /** @throws not_found when the connection is not the organisation's (or not GitHub). */
  of(scope: TenantScope, connectionId: string): Promise<GithubAppHandle>;
  /**
   * An installation token for git, bound to the connection's git host.
   * @throws github_not_installed (409) before an installation is bound.
   */
  credentials(orgId: string, connectionId: string): Promise<GitCredentials>;
  /** Drops a deleted connection's client. */
  forget(connectionId: string): void;
}

/** Builds the registry. */
export function createGithubApps(deps: { db: Database; secretBox: SecretBox | undefined; fetch: typeof fetch }): GithubApps {
  const outboundFetch = deps.fetch;
  const clients = new Map<string, { key: string; api: GithubApi }>();

  const of = async (scope: TenantScope, connectionId: string): Promise<GithubAppHandle> => {
    const row = await withTenant(deps.db, scope, async (tx) => {
      const { rows } = await tx.query<{
        config: GithubConfig & { selection?: GithubAppHandle["selection"] };
        secret_id: string | null;
        secret_updated_at: Date | null;
        installation_id: string | null;
        type: string;
      }>(
        `select c.config, c.secret_id, s.updated_at as secret_updated_at, c.installation_id, c.type
         from connections c left join org_secrets s on s.id = c.secret_id where c.id = $1`,
        [connectionId],
      );
      return rows[0];
    });
    if (row?.type !== "github" || !row.secret_id) throw notFound("connection");
    // The secret's version is part of the key: a private key replaced by another process (the
    // server, when this is a worker) is picked up at the next call.
    const key = `${row.secret_id}:${row.secret_updated_at?.toISOString()}:${row.config.appId}:${row.config.apiUrl}`;
    let client = clients.get(connectionId);
    if (client?.key !== key) {
      const { privateKey } = JSON.parse(await readSecret(deps.db, deps.secretBox, scope, row.secret_id)) as { privateKey: string };
      client = { key, api: createGithubApi({ appId: row.config.appId, privateKey, apiUrl: row.config.apiUrl }, outboundFetch) };
      clients.set(connectionId, client);
    }
    return {
      api: client.api,
      config: { appId: row.config.appId, appSlug: row.config.appSlug, apiUrl: row.config.apiUrl },
      gitHost: gitHostOf(row.config.apiUrl),
      installationId: row.installation_id === null ? null : Number(row.installation_id),
      selection: row.config.selection ?? null,
    };
  };

  return {
    of,
    async credentials(orgId, connectionId) {
      const handle = await of({ orgId }, connectionId);
      if (handle.installationId === null) {
        throw new AppError("github_not_installed", 409, "The GitHub App is not installed for this connection; install it from the connection's page.", {
          expose: true,
        });
      }
      return { username: "x-access-token", password: await handle.api.installationToken(handle.installationId), host: handle.gitHost };
    },
    forget: (connectionId) => clients.delete(connectionId),
  };
}
