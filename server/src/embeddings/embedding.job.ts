/**
 * The `embeddings.embed` job (worker role): one embedding run of an organisation, either the
 * new blobs of an index run (queued when the run published) or a backfill of everything not
 * embedded yet (queued by an admin). Provider failures are retried by the queue with backoff
 * (after the SDK's own retries of each request), each recorded as a note while search stays
 * lexical; a model that answers vectors of the wrong length fails terminally, storing nothing.
 * A run the daily token budget paused is queued again for the next UTC day.
 */
import { defineJob, type JobQueue } from "../jobs/job-queue.js";
import { isAppError } from "../platform/errors.js";
import { type EmbeddingRunDependencies, type EmbeddingRunRequest, recordRunFailure, runEmbedding } from "./embedding-run.js";

/** The job's payload. */
export type EmbedJobData = EmbeddingRunRequest;

/** Seconds from now to the next UTC midnight (plus a minute). */
function untilNextUtcDay(now = new Date()): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 0, 1);
  return Math.ceil((next - now.getTime()) / 1000);
}

/** The `embeddings.embed` job. */
export function embedJob(deps: EmbeddingRunDependencies & { queue: JobQueue }) {
  const job = defineJob<EmbedJobData>({
    name: "embeddings.embed",
    queue: { retryLimit: 4, retryDelay: 30, retryBackoff: true, expireInSeconds: 6 * 3600, heartbeatSeconds: 30 },
    async handler(data, { logger, finalAttempt }) {
      try {
        const outcome = await runEmbedding({ ...deps, logger }, data);
        logger.info({ orgId: data.orgId, kind: data.kind, ...outcome }, "embedding run ended");
        if (outcome.ended === "budget") {
          // The rest of the org's blobs (a backfill covers every one) once the day's budget renews.
          await deps.queue.send(job, { orgId: data.orgId, kind: "backfill" }, { startAfter: untilNextUtcDay() });
        }
      } catch (err) {
        const terminal = isAppError(err) && err.status < 500;
        await recordRunFailure(deps, data.orgId, err, !terminal && !finalAttempt).catch(() => {});
        throw err;
      }
    },
  });
  return job;
}
