/**
 * The `connection.webhook` job: acts on one recorded GitHub delivery (webhook_deliveries.action)
 * once, then records what it did as the delivery's result and the connection's last delivery.
 * A push to the indexed branch queues an index run (the sync queue keeps one running and one
 * queued per repository, so a burst of pushes coalesces into one more run); installation,
 * installation_repositories and repository events bind, suspend, add, remove and rename.
 * Its SQL is in delivery.service.ts.
 */
import { systemActor } from "../../accounts/index.js";
import { defineJob } from "../../jobs/job-queue.js";
import type { Database } from "../../platform/db/database.js";
import type { TenantScope } from "../../platform/db/tenant.js";
import { isAppError } from "../../platform/errors.js";
import type { LinkedRepositories } from "../../repositories/index.js";
import type { GithubAction } from "./github-events.js";
import type { GithubApps } from "./github-apps.js";
import { claimDelivery, recordDelivery, releaseDelivery, setInstallationSuspended, unbindInstallation } from "./delivery.service.js";
import { rememberOffered, sourceOf } from "./installation.service.js";

/** A GitHub `owner/name` (what GitHub allows in either part). */
const FULL_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/;

/** The job's payload. */
export interface DeliveryJobData {
  orgId: string;
  connectionId: string;
  deliveryId: string;
}

/** What the job needs. */
export interface DeliveryJobDependencies {
  db: Database;
  apps: GithubApps;
  linked: LinkedRepositories;
}

/** Acts on one action; resolves to the result to record. */
async function apply(deps: DeliveryJobDependencies, scope: TenantScope, connectionId: string, action: GithubAction): Promise<string> {
  const actor = systemActor(scope.orgId);
  switch (action.kind) {
    case "push": {
      const outcome = await deps.linked.queueSync(scope, connectionId, action.repositoryId, { pushedRef: action.ref, defaultBranch: action.defaultBranch });
      if (outcome === "queued") return `push: index run queued for ${action.after.slice(0, 12)}`;
      return outcome === "not_linked" ? "push: the repository is not indexed here" : `push: ${action.ref} is not the indexed branch`;
    }
    case "installation": {
      if (action.action === "deleted") {
        await unbindInstallation(deps.db, scope, connectionId, "The App was uninstalled on GitHub.");
        return "installation deleted: the connection is unbound (indexed repositories are kept)";
      }
      const suspended = action.action === "suspend";
      await setInstallationSuspended(deps.db, scope, connectionId, suspended);
      return suspended ? "installation suspended" : "installation unsuspended: a reconcile is due";
    }
    case "repositories_added": {
      const handle = await deps.apps.of(scope, connectionId);
      if (handle.installationId === null) return "repositories added: no installation is bound";
      if (!handle.selection?.autoAdd) {
        await rememberOffered(deps.db, scope, connectionId, action.repositoryIds);
        return `repositories added on GitHub (${action.repositoryIds.length}): not indexed, new repositories are not added automatically`;
      }
      // Access just granted on GitHub: these are new by definition (linking is idempotent, so a retry is safe).
      const wanted = new Set(action.repositoryIds);
      const listing = await handle.api.listRepositories(handle.installationId);
      const { added, refused } = await deps.linked.link(
        actor,
        connectionId,
        listing.repositories.filter((r) => wanted.has(r.id)).map(sourceOf),
        handle.gitHost,
      );
      await rememberOffered(deps.db, scope, connectionId, action.repositoryIds);
      return `repositories added: ${added.length} indexed${refused.length ? `, ${refused.length} refused (${refused[0]!.reason})` : ""}`;
    }
    case "repositories_removed":
    case "repository_deleted": {
      const ids = action.kind === "repository_deleted" ? [action.repositoryId] : action.repositoryIds;
      const removed = await deps.linked.unlink(actor, connectionId, { externalIds: ids });
      return `repositories removed: ${removed.length} unindexed`;
    }
    case "repository_changed": {
      const r = action.repository;
      // The payload's clone_url is never used (a webhook secret is not a licence to choose where
      // the installation token goes): the new URL is the stored one's origin with the new name,
      // on the connection's git host.
      const current = (await deps.linked.list(scope, connectionId)).find((l) => l.externalId === r.id);
      if (!current) return "repository changed: it is not indexed here";
      if (!FULL_NAME.test(r.fullName)) return `repository changed: ${JSON.stringify(r.fullName.slice(0, 100))} is not a repository name`;
      const handle = await deps.apps.of(scope, connectionId);
      const cloneUrl = new URL(`/${r.fullName}.git`, current.url).toString();
      const known = await deps.linked.update(
        scope,
        connectionId,
        { externalId: r.id, fullName: r.fullName, cloneUrl, defaultBranch: r.defaultBranch },
        handle.gitHost,
      );
      if (!known) return "repository changed: it is not indexed here";
      if (action.defaultBranchChanged) {
        await deps.linked.queueSync(scope, connectionId, r.id);
        return `default branch is now ${r.defaultBranch}: index run queued`;
      }
      return `repository is now ${r.fullName}`;
    }
  }
}

/** The `connection.webhook` job. */
export function deliveryJob(deps: DeliveryJobDependencies) {
  return defineJob<DeliveryJobData>({
    name: "connection.webhook",
    queue: { retryLimit: 3, retryDelay: 5, retryBackoff: true, expireInSeconds: 600 },
    async handler(data, { logger, finalAttempt }) {
      const scope = { orgId: data.orgId };
      // Claim it: one worker acts on a delivery at a time.
      const action = await claimDelivery(deps.db, data);
      if (!action) return; // done, claimed by another worker, or gone with its connection
      try {
        const result = await apply(deps, scope, data.connectionId, action);
        await recordDelivery(deps.db, data, result, false);
        logger.info({ connectionId: data.connectionId, deliveryId: data.deliveryId, result }, "webhook delivery processed");
      } catch (err) {
        if (!finalAttempt) {
          // Let the retry claim it again.
          await releaseDelivery(deps.db, data).catch(() => {});
          throw err;
        }
        const message = isAppError(err) && err.expose ? err.message : "an internal error; see the worker's log";
        await recordDelivery(deps.db, data, `failed: ${message}`, true);
        throw err;
      }
    },
  });
}
