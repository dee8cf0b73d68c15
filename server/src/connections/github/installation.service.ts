/**
 * Installing a connection's GitHub App and picking what to index. `installUrl` signs a state
 * and answers GitHub's install page for the App (github.com or Enterprise Server);
 * GitHub sends the admin back to the web app's setup page with `installation_id`, which posts
 * it here: `bindInstallation` checks the state (this connection, this org, this admin, not
 * expired) and asks GitHub, with the App's JWT, whether the installation is this App's before
 * binding it. An installation bound to another connection (any organisation) is refused.
 * `availableRepositories` lists what the installation can read; `selectRepositories` links
 * all or some of them and records whether new ones join on their own.
 */
import { recordAudit, type OrgActor } from "../../accounts/index.js";
import type { Database } from "../../platform/db/database.js";
import { withTenant, type TenantScope } from "../../platform/db/tenant.js";
import { AppError, conflict, forbidden, invalidInput } from "../../platform/errors.js";
import type { LinkedRepositories, LinkedSource } from "../../repositories/index.js";
import { findConnectionRow, getConnection, type Connection, type RepositorySelection } from "./connection.service.js";
import type { GithubRepository } from "./github-api.js";
import type { GithubApps } from "./github-apps.js";
import { INSTALL_STATE_TTL_MS, signInstallState, verifyInstallState } from "./install-state.js";

/** What the install flow needs. */
export interface InstallationDependencies {
  db: Database;
  baseUrl: string;
  apps: GithubApps;
  linked: LinkedRepositories;
  /** Signs install states (AUTH_SECRET). */
  authSecret: string;
  /** Seconds between reconciles; the first comes this long after binding. */
  reconcileSeconds: number;
}

/** A repository the installation can read, and whether ctxpipe indexes it. */
export interface AvailableRepository {
  id: number;
  fullName: string;
  private: boolean;
  archived: boolean;
  defaultBranch: string;
  linked: boolean;
}

/** GitHub's web origin for an API URL: api.github.com → github.com; GHES https://host/api/v3 → https://host. */
export function githubWebUrl(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === "api.github.com") return "https://github.com";
  return url.origin;
}

/** Most repository ids remembered as offered (the installation lists at most 1,000 at a time). */
const MAX_KNOWN = 10_000;

/**
 * Remembers `ids` as offered by the installation (see StoredConfig.selection.known).
 * @returns the ids that were not known before.
 */
export async function rememberOffered(db: Database, scope: TenantScope, connectionId: string, ids: number[]): Promise<Set<number>> {
  return withTenant(db, scope, async (tx) => {
    const { rows } = await tx.query<{ selection: { known?: number[] } | null }>(
      "select config -> 'selection' as selection from connections where id = $1 for update",
      [connectionId],
    );
    const selection = rows[0]?.selection;
    if (!selection) return new Set<number>();
    const known = new Set(selection.known ?? []);
    const fresh = new Set(ids.filter((id) => !known.has(id)));
    if (fresh.size === 0) return fresh;
    const next = [...known, ...fresh].slice(-MAX_KNOWN);
    await tx.query("update connections set config = jsonb_set(config, '{selection,known}', $2::jsonb) where id = $1", [connectionId, JSON.stringify(next)]);
    return fresh;
  });
}

/** The source a linked repository is made from. */
export const sourceOf = (r: GithubRepository): LinkedSource => ({
  externalId: r.id,
  fullName: r.fullName,
  cloneUrl: r.cloneUrl,
  defaultBranch: r.defaultBranch,
});

/** The install page for the connection's App, with a signed state valid for an hour. */
export async function installUrl(
  deps: InstallationDependencies,
  actor: OrgActor,
  orgSlug: string,
  connectionId: string,
): Promise<{ url: string; expiresAt: string }> {
  const connection = await getConnection(deps, actor, connectionId);
  const expiresAt = Date.now() + INSTALL_STATE_TTL_MS;
  const state = signInstallState(deps.authSecret, { purpose: "install", connectionId, orgSlug, userId: actor.userId, expiresAt });
  const web = githubWebUrl(connection.config.apiUrl);
  const path = web === "https://github.com" ? "apps" : "github-apps";
  return {
    url: `${web}/${path}/${encodeURIComponent(connection.config.appSlug)}/installations/new?state=${encodeURIComponent(state)}`,
    expiresAt: new Date(expiresAt).toISOString(),
  };
}

/**
 * Binds `installationId` to the connection after checking the state and asking GitHub.
 * @throws invalid_install_state (400), forbidden (another admin's link), github_not_found (the
 *   installation is not this App's), conflict (bound to another connection).
 */
export async function bindInstallation(
  deps: InstallationDependencies,
  actor: OrgActor,
  orgSlug: string,
  connectionId: string,
  input: { installationId: number; state: string },
): Promise<Connection> {
  const handle = await deps.apps.of(actor, connectionId); // 404 for another org's connection, before anything else
  const state = verifyInstallState(deps.authSecret, input.state, "install");
  if (state.connectionId !== connectionId || state.orgSlug !== orgSlug) {
    throw new AppError("invalid_install_state", 400, "The installation link belongs to another connection; start again from ctxpipe.", { expose: true });
  }
  if (state.userId !== actor.userId) throw forbidden("The installation was started by another admin; start it again yourself.");
  const installation = await handle.api.getInstallation(input.installationId);
  if (installation.appId !== handle.config.appId) {
    throw new AppError("github_not_found", 404, `Installation ${input.installationId} is not an installation of this App.`, { expose: true });
  }
  await withTenant(deps.db, actor, async (tx) => {
    const row = await findConnectionRow(tx, connectionId);
    const config = { ...row.config, account: installation.account };
    if (row.installation_id !== null && Number(row.installation_id) !== installation.id) delete config.selection; // a new installation: pick again
    await tx
      .query(
        `update connections set installation_id = $2, config = $3, status = $4, last_error = null, status_version = status_version + 1,
           next_reconcile_at = now() + make_interval(secs => $5), updated_at = now() where id = $1`,
        [connectionId, installation.id, JSON.stringify(config), installation.suspended ? "suspended" : "active", deps.reconcileSeconds],
      )
      .catch((err: unknown) => {
        if ((err as { code?: string }).code === "23505") throw conflict(`Installation ${installation.id} is already connected to another ctxpipe connection.`);
        throw err;
      });
    await recordAudit(tx, actor, {
      action: "connection.installed",
      targetType: "connection",
      targetId: connectionId,
      details: { installationId: installation.id, account: installation.account.login },
    });
  });
  return getConnection(deps, actor, connectionId);
}

async function installed(deps: InstallationDependencies, actor: OrgActor, connectionId: string) {
  const handle = await deps.apps.of(actor, connectionId);
  if (handle.installationId === null) {
    throw new AppError("github_not_installed", 409, "Install the App on GitHub first (Install on GitHub).", { expose: true });
  }
  return { ...handle, installationId: handle.installationId };
}

/** The repositories the installation can read, each with whether it is indexed. */
export async function availableRepositories(
  deps: InstallationDependencies,
  actor: OrgActor,
  connectionId: string,
): Promise<{ repositories: AvailableRepository[]; truncated: boolean }> {
  const { api, installationId } = await installed(deps, actor, connectionId);
  const [listing, linked] = await Promise.all([api.listRepositories(installationId), deps.linked.list(actor, connectionId)]);
  const linkedIds = new Set(linked.map((r) => r.externalId));
  return {
    truncated: listing.truncated,
    repositories: listing.repositories.map((r) => ({
      id: r.id,
      fullName: r.fullName,
      private: r.private,
      archived: r.archived,
      defaultBranch: r.defaultBranch,
      linked: linkedIds.has(r.id),
    })),
  };
}

/**
 * Indexes all the installation's repositories or the ones in `repositories` (unindexing the
 * connection's others), and records the choice and whether new ones join on their own.
 * @throws invalid_input (an id the installation cannot read), github_not_installed (409).
 */
export async function selectRepositories(
  deps: InstallationDependencies,
  actor: OrgActor,
  connectionId: string,
  input: { repositories: "all" | number[]; autoAdd: boolean },
): Promise<{ connection: Connection; added: string[]; removed: string[]; refused: { fullName: string; reason: string }[] }> {
  const { api, installationId, gitHost } = await installed(deps, actor, connectionId);
  const listing = await api.listRepositories(installationId);
  let wanted: GithubRepository[];
  if (input.repositories === "all") {
    wanted = listing.repositories;
  } else {
    const byId = new Map(listing.repositories.map((r) => [r.id, r]));
    const unknown = input.repositories.filter((id) => !byId.has(id));
    if (unknown.length > 0) {
      throw invalidInput(`repositories: the installation cannot read ${unknown.slice(0, 5).join(", ")}`, {
        fields: [{ path: "repositories", message: "not readable by the installation" }],
      });
    }
    wanted = [...new Set(input.repositories)].map((id) => byId.get(id)!);
  }
  const selection: RepositorySelection & { known: number[] } = {
    repositories: input.repositories === "all" ? "all" : "some",
    autoAdd: input.autoAdd,
    known: listing.repositories.map((r) => r.id),
  };
  const { added, refused } = await deps.linked.link(actor, connectionId, wanted.map(sourceOf), gitHost);
  const keep = new Set(wanted.map((r) => r.id));
  const drop = (await deps.linked.list(actor, connectionId)).filter((r) => !keep.has(r.externalId)).map((r) => r.externalId);
  // A listing cut at its limit cannot prove a repository is gone: only explicit picks unindex.
  const removed =
    drop.length > 0 && !(listing.truncated && input.repositories === "all") ? await deps.linked.unlink(actor, connectionId, { externalIds: drop }) : [];
  await withTenant(deps.db, actor, async (tx) => {
    await tx.query("update connections set config = config || jsonb_build_object('selection', $2::jsonb), updated_at = now() where id = $1", [
      connectionId,
      JSON.stringify(selection),
    ]);
    await recordAudit(tx, actor, {
      action: "connection.repositories_selected",
      targetType: "connection",
      targetId: connectionId,
      details: { repositories: selection.repositories, autoAdd: selection.autoAdd, added: added.length, removed: removed.length, refused: refused.length },
    });
  });
  return { connection: await getConnection(deps, actor, connectionId), added, removed, refused };
}
