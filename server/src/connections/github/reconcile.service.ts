/**
 * Reconciling a connection with its GitHub installation, and its SQL (the job is in
 * reconcile.job.ts): the installation gone unbinds the connection, suspended marks it;
 * repositories the installation lost are unindexed, renamed or transferred ones follow, new
 * ones are added when the selection says so; and a repository pushed to since it was indexed
 * has its branch tip read and, when it moved (or its default branch changed), gets an index
 * run. What a reconcile found is written only if the connection's status_version has not moved
 * since it started: an uninstall or suspension delivered meanwhile wins over its older view.
 * `claimUpkeep` is the upkeep loop's cross-tenant claim of due reconciles and stranded deliveries.
 */
import { systemActor } from "../../accounts/index.js";
import type { Database } from "../../platform/db/database.js";
import { unsafeAcrossTenants, withTenant, type TenantScope } from "../../platform/db/tenant.js";
import { isAppError, notFound } from "../../platform/errors.js";
import type { LinkedRepositories } from "../../repositories/index.js";
import { unbindInstallation } from "./delivery.service.js";
import type { GithubApps } from "./github-apps.js";
import { rememberOffered, sourceOf } from "./installation.service.js";

/** What reconciling needs. */
export interface ReconcileDependencies {
  db: Database;
  apps: GithubApps;
  linked: LinkedRepositories;
}

/** Most branch tips read in one reconcile (GitHub's rate limit is per installation and hour). */
const MAX_HEAD_READS = 100;
/** A repository pushed this long before it was indexed may still hold the push: its tip is read. */
const PUSH_MARGIN_MS = 15 * 60_000;
/** Processed deliveries are kept this long. */
const DELIVERY_RETENTION_DAYS = 30;
/** A delivery unprocessed for this long is queued again. */
const REQUEUE_AFTER_SECONDS = 60;

/** The summary of a reconcile that found the connection's state changed meanwhile. */
const CHANGED_MEANWHILE = "the connection was installed, uninstalled, suspended or unsuspended meanwhile: left as it is";

/**
 * The connection's status_version (see the migration 20261204093200-version-connection-status.sql):
 * read before GitHub is asked, so that what the reconcile found is written only if no delivery
 * or install changed the connection's state in between.
 * @throws not_found when the connection is gone.
 */
export async function statusVersionOf(db: Database, scope: TenantScope, connectionId: string): Promise<string> {
  const { rows } = await withTenant(db, scope, (tx) =>
    tx.query<{ status_version: string }>("select status_version from connections where id = $1", [connectionId]),
  );
  if (!rows[0]) throw notFound("connection");
  return rows[0].status_version;
}

/**
 * Reconciles one connection, as of its status_version `version` (read before anything else);
 * resolves to a one-line summary (also recorded as its last reconcile).
 */
export async function reconcileConnection(deps: ReconcileDependencies, scope: TenantScope, connectionId: string, version: string): Promise<string> {
  const handle = await deps.apps.of(scope, connectionId);
  if (handle.installationId === null) return "not installed";
  const installation = await handle.api.getInstallation(handle.installationId).catch((err: unknown) => {
    if (isAppError(err) && err.code === "github_not_found") return null;
    throw err;
  });
  if (!installation) {
    const unbound = await unbindInstallation(deps.db, scope, connectionId, "The App's installation no longer exists on GitHub.", version);
    return unbound ? "the installation is gone: the connection is unbound" : CHANGED_MEANWHILE;
  }
  // GitHub answered before a delivery may have changed the connection: an uninstall or a
  // suspension recorded since wins over this older view.
  const { rowCount } = await withTenant(deps.db, scope, (tx) =>
    tx.query("update connections set status = $2 where id = $1 and status_version = $3::bigint", [
      connectionId,
      installation.suspended ? "suspended" : "active",
      version,
    ]),
  );
  if (!rowCount) return CHANGED_MEANWHILE;
  if (installation.suspended) return "the installation is suspended";
  const listing = await handle.api.listRepositories(installation.id);
  const linked = await deps.linked.list(scope, connectionId);
  const byId = new Map(listing.repositories.map((r) => [r.id, r]));
  const actor = systemActor(scope.orgId);

  const gone = listing.truncated ? [] : linked.filter((r) => !byId.has(r.externalId)).map((r) => r.externalId);
  const removed = gone.length > 0 ? await deps.linked.unlink(actor, connectionId, { externalIds: gone }) : [];
  let renamed = 0;
  for (const repo of linked) {
    const remote = byId.get(repo.externalId);
    if (remote && (remote.fullName !== repo.name || remote.cloneUrl.replace(/\.git$/, "") !== repo.url.replace(/\.git$/, ""))) {
      if (await deps.linked.update(scope, connectionId, sourceOf(remote), handle.gitHost)) renamed++;
    }
  }
  // New: offered now and never before (not left out of the pick, not deleted from ctxpipe).
  const offeredNow = await rememberOffered(
    deps.db,
    scope,
    connectionId,
    listing.repositories.map((r) => r.id),
  );
  const fresh = handle.selection?.autoAdd ? listing.repositories.filter((r) => offeredNow.has(r.id)) : [];
  const { added } = fresh.length > 0 ? await deps.linked.link(actor, connectionId, fresh.map(sourceOf), handle.gitHost) : { added: [] };

  let queued = 0;
  let reads = 0;
  for (const repo of linked) {
    const remote = byId.get(repo.externalId);
    if (!remote || !["ready", "complete_with_issues", "failed"].includes(repo.status)) continue;
    let moved = repo.indexedBranch !== null && repo.indexedBranch !== remote.defaultBranch;
    const pushedSince = !repo.indexedAt || !remote.pushedAt || Date.parse(remote.pushedAt) > Date.parse(repo.indexedAt) - PUSH_MARGIN_MS;
    if (!moved && pushedSince && reads < MAX_HEAD_READS) {
      reads++;
      const head = await handle.api.branchHead(installation.id, remote.fullName, remote.defaultBranch);
      moved = head !== null && head !== repo.indexedCommit;
    }
    if (moved && (await deps.linked.queueSync(scope, connectionId, repo.externalId)) === "queued") queued++;
  }
  return `${listing.repositories.length} readable, ${linked.length - removed.length} indexed; ${queued} behind (index run queued), ${added.length} added, ${removed.length} removed, ${renamed} renamed`;
}

/**
 * Records a reconcile's outcome (its summary as the connection's last reconcile). Its error (or its success clearing the last one) is written
 * only if the connection's status_version is still `version`: the reason of an uninstall
 * recorded meanwhile stays.
 */
export async function recordReconcile(
  db: Database,
  scope: TenantScope,
  connectionId: string,
  result: string,
  error: string | null,
  version: string | null,
): Promise<void> {
  await withTenant(db, scope, (tx) =>
    tx.query(
      `update connections set last_reconcile = $2, updated_at = now(),
         last_error = case when status_version = $4::bigint then $3 else last_error end
       where id = $1`,
      [connectionId, JSON.stringify({ at: new Date().toISOString(), result }), error, version],
    ),
  );
}

/** The upkeep's work, claimed for one worker: reconciles due, and deliveries whose queueing was lost. */
export interface UpkeepClaim {
  /** Connections whose reconcile is due (their next one is moved `reconcileSeconds` on). */
  due: { id: string; org_id: string }[];
  /** Deliveries unprocessed, unclaimed (or with a stale claim) and not queued within the last minute. */
  stranded: { org_id: string; connection_id: string; delivery_id: string }[];
}

/**
 * Across organisations: claims the due reconciles (at most 50) and the stranded deliveries (at
 * most 100) for this worker, and deletes deliveries received over 30 days ago.
 */
export async function claimUpkeep(db: Database, reconcileSeconds: number): Promise<UpkeepClaim> {
  return unsafeAcrossTenants(
    db,
    "connection upkeep: the due reconciles and stranded webhook deliveries of every organisation, claimed for one worker",
    async (tx) => {
      const { rows: due } = await tx.query<{ id: string; org_id: string }>(
        `with due as (select id from connections where next_reconcile_at <= now() and installation_id is not null
                      order by next_reconcile_at limit 50 for update skip locked)
         update connections c set next_reconcile_at = now() + make_interval(secs => $1) from due where c.id = due.id returning c.id, c.org_id`,
        [reconcileSeconds],
      );
      // Unprocessed, unclaimed (or stale claim), and not queued within the last minute.
      const { rows: stranded } = await tx.query<{ org_id: string; connection_id: string; delivery_id: string }>(
        `update webhook_deliveries w set queued_at = now()
         from (select connection_id, delivery_id from webhook_deliveries
               where processed_at is null and coalesce(queued_at, received_at) < now() - make_interval(secs => $1)
                 and (claimed_at is null or claimed_at < now() - interval '15 minutes')
               order by received_at limit 100 for update skip locked) due
         where w.connection_id = due.connection_id and w.delivery_id = due.delivery_id
         returning w.org_id, w.connection_id, w.delivery_id`,
        [REQUEUE_AFTER_SECONDS],
      );
      await tx.query(
        `delete from webhook_deliveries where ctid in (select ctid from webhook_deliveries where received_at < now() - make_interval(days => $1) limit 10000)`,
        [DELIVERY_RETENTION_DAYS],
      );
      return { due, stranded };
    },
  );
}
