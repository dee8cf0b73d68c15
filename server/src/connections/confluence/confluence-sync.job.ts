/**
 * The `confluence.sync` job (one connection at a time, its summary recorded on the connection)
 * and the upkeep loop of the worker role that queues the due syncs: every active connection,
 * CTXPIPE_CONFLUENCE_SYNC_MINUTES apart. What a sync does, and its SQL, are in
 * confluence-sync.service.ts.
 */
import { defineJob } from "../../jobs/job-queue.js";
import type { Database } from "../../platform/db/database.js";
import { isAppError } from "../../platform/errors.js";
import type { Logger } from "../../platform/logging.js";
import { claimDueSyncs, emptySummary, recordSync, syncConfluence } from "./confluence-sync.service.js";
import type { ConfluenceDependencies } from "./confluence.service.js";

/** The job's payload. */
export interface SyncJobData {
  orgId: string;
  connectionId: string;
  full: boolean;
}

/** The `confluence.sync` job: one connection at a time, its summary recorded on the connection. */
export function confluenceSyncJob(deps: ConfluenceDependencies, syncMinutes: number) {
  return defineJob<SyncJobData>({
    name: "confluence.sync",
    queue: { policy: "singleton", retryLimit: 2, retryDelay: 60, retryBackoff: true, expireInSeconds: 3600 },
    async handler(data, { logger, finalAttempt }) {
      const scope = { orgId: data.orgId };
      try {
        const summary = await syncConfluence(deps, scope, data.connectionId, data.full);
        await recordSync(deps.db, scope, data.connectionId, summary, null, syncMinutes);
        logger.info({ connectionId: data.connectionId, ...summary }, "confluence synced");
      } catch (err) {
        if (isAppError(err) && (err.code === "not_found" || err.code === "confluence_not_connected")) return;
        const message = isAppError(err) && err.expose ? err.message : "an internal error; see the worker's log";
        const revoked = isAppError(err) && err.code === "atlassian_grant_revoked";
        if (finalAttempt || revoked) {
          await recordSync(deps.db, scope, data.connectionId, emptySummary("failed"), message, syncMinutes).catch(() => {});
        }
        if (revoked) return; // nothing to retry until an admin connects again
        throw err;
      }
    },
  });
}

/** Queues the syncs that are due (every active connection, CTXPIPE_CONFLUENCE_SYNC_MINUTES apart). */
export async function queueDueSyncs(db: Database, syncMinutes: number, enqueue: (data: SyncJobData) => Promise<void>): Promise<void> {
  const due = await claimDueSyncs(db, syncMinutes);
  for (const c of due) await enqueue({ orgId: c.org_id, connectionId: c.id, full: false });
}

/** Starts the loop that queues due syncs (worker role). */
export function startConfluenceSyncLoop(deps: {
  db: Database;
  logger: Logger;
  tickMs: number;
  syncMinutes: number;
  enqueue: (data: SyncJobData) => Promise<void>;
}) {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = queueDueSyncs(deps.db, deps.syncMinutes, deps.enqueue).catch((err: unknown) => deps.logger.warn({ err }, "could not queue Confluence syncs"));
  };
  const timer = setInterval(() => {
    if (!stopped) tick();
  }, deps.tickMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
