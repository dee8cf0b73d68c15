/**
 * The safety net under webhooks (deliveries do get lost): `connection.reconcile` compares a
 * connection with its GitHub installation and repairs the difference. The installation gone
 * unbinds the connection, suspended marks it; repositories the installation lost are
 * unindexed, renamed or transferred ones follow, new ones are added when the selection says
 * so; and a repository pushed to since it was indexed has its branch tip read and, when it
 * moved (or its default branch changed), gets an index run. A loop in the worker role queues
 * the reconciles that are due (CTXPIPE_GITHUB_RECONCILE_SECONDS apart), re-queues deliveries
 * whose queueing was lost, and deletes processed deliveries after 30 days. A reconcile writes
 * what it found only if the connection's status_version has not moved since it started: an
 * uninstall or suspension delivered meanwhile wins over its older view. The reconcile itself and
 * its SQL are in reconcile.service.ts.
 */
import { defineJob } from "../../jobs/job-queue.js";
import type { Database } from "../../platform/db/database.js";
import { isAppError } from "../../platform/errors.js";
import type { Logger } from "../../platform/logging.js";
import type { DeliveryJobData } from "./delivery.job.js";
import { claimUpkeep, type ReconcileDependencies, reconcileConnection, recordReconcile, statusVersionOf } from "./reconcile.service.js";

/** The job's payload. */
export interface ReconcileJobData {
  orgId: string;
  connectionId: string;
}

/** The `connection.reconcile` job. */
export function reconcileJob(deps: ReconcileDependencies) {
  return defineJob<ReconcileJobData>({
    name: "connection.reconcile",
    queue: { policy: "singleton", retryLimit: 2, retryDelay: 30, retryBackoff: true, expireInSeconds: 1800 },
    async handler(data, { logger, finalAttempt }) {
      const scope = { orgId: data.orgId };
      let version: string | null = null;
      try {
        version = await statusVersionOf(deps.db, scope, data.connectionId);
        const result = await reconcileConnection(deps, scope, data.connectionId, version);
        await recordReconcile(deps.db, scope, data.connectionId, result, null, version);
        logger.info({ connectionId: data.connectionId, result }, "connection reconciled");
      } catch (err) {
        if (isAppError(err) && err.code === "not_found") return; // deleted meanwhile
        const message = isAppError(err) && err.expose ? err.message : "an internal error; see the worker's log";
        if (finalAttempt) await recordReconcile(deps.db, scope, data.connectionId, `failed: ${message}`, message, version).catch(() => {});
        throw err;
      }
    },
  });
}

/** What the loop needs. */
export interface ReconcileLoopDependencies {
  db: Database;
  logger: Logger;
  tickMs: number;
  reconcileSeconds: number;
  enqueueReconcile: (data: ReconcileJobData) => Promise<void>;
  enqueueDelivery: (data: DeliveryJobData) => Promise<void>;
}

/** One pass: queue the due reconciles and the stranded deliveries, prune old deliveries. */
export async function runReconcileTick(deps: ReconcileLoopDependencies): Promise<void> {
  const { due, stranded } = await claimUpkeep(deps.db, deps.reconcileSeconds);
  for (const c of due) await deps.enqueueReconcile({ orgId: c.org_id, connectionId: c.id });
  for (const d of stranded) await deps.enqueueDelivery({ orgId: d.org_id, connectionId: d.connection_id, deliveryId: d.delivery_id });
}

/** Starts the loop; `stop` waits for the pass in progress. */
export function startReconcileLoop(deps: ReconcileLoopDependencies): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const schedule = () => {
    timer = setTimeout(() => {
      running = runReconcileTick(deps)
        .catch((err: unknown) => deps.logger.warn({ err }, "connection upkeep failed"))
        .finally(() => {
          if (!stopped) schedule();
        });
    }, deps.tickMs);
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
