/**
 * Keeps repositories added by URL fresh without a code host's webhooks. A loop in the worker
 * role claims the repositories whose check is due (any organisation; each claim pushes the
 * check a lease ahead, so several workers never check one repository at once), asks each
 * remote for its branch tip with one `git ls-remote` (no objects move), and queues an index
 * run when the tip differs from the indexed commit. The next check is the repository's
 * interval away (its own, else the organisation's default, else DEFAULT_REFRESH_SECONDS),
 * with ±10 % jitter so that repositories added together spread out. A failing remote backs
 * off: each consecutive failure doubles the wait, up to a day. The API shows the last and
 * next check (repository.service.ts).
 */
import type { SecretBox } from "../platform/crypto/secret-box.js";
import type { Database } from "../platform/db/database.js";
import { unsafeAcrossTenants, withTenant } from "../platform/db/tenant.js";
import { isAppError } from "../platform/errors.js";
import { scrubSecrets, type Logger } from "../platform/logging.js";
import type { GitCache } from "./git/git-cache.js";
import { parseRepoUrl } from "./git/repo-url.js";
import type { RepositoryJobData } from "./sync.job.js";
import { credentialsOf, type ConnectionCredentials } from "./sync.service.js";

/** The interval of a repository and organisation that set none: five minutes. */
export const DEFAULT_REFRESH_SECONDS = 300;
/** The longest wait after failures. */
const MAX_BACKOFF_SECONDS = 86_400;
/**
 * How far a claim pushes the next check while the check runs (a crashed worker's claim
 * expires). Longer than the worst batch: BATCH / PARALLEL checks of at most a minute each
 * (REMOTE_HEAD_TIMEOUT_MS) run one after another per worker slot.
 */
const CLAIM_LEASE_SECONDS = 600;
/** Repositories claimed per tick, and checked at once. */
const BATCH = 20;
const PARALLEL = 4;

/** What the checks need. */
export interface RefreshCheckDependencies {
  db: Database;
  secretBox: SecretBox | undefined;
  gitCache: GitCache;
  allowLocal: boolean;
  logger: Logger;
  /** Queues an index run (deduplicated per repository by the queue). */
  enqueueSync: (data: RepositoryJobData) => Promise<void>;
  /** Time between two looks for due checks. */
  tickMs: number;
  connectionCredentials: ConnectionCredentials;
}

interface DueRepository {
  id: string;
  org_id: string;
  url: string;
  branch: string | null;
  credentials_secret_id: string | null;
  connection_id: string | null;
  status: string;
  indexed_commit: string | null;
  indexed_branch: string | null;
  remote_commit: string | null;
  check_failures: number;
  interval_seconds: number;
}

/** `seconds` ± 10 %. */
function jittered(seconds: number): number {
  return Math.round(seconds * (0.9 + Math.random() * 0.2));
}

/** The wait before the next check after `failures` consecutive failures (0: the interval). */
export function nextCheckDelaySeconds(intervalSeconds: number, failures: number): number {
  return Math.min(intervalSeconds * 2 ** Math.min(failures, 20), Math.max(intervalSeconds, MAX_BACKOFF_SECONDS));
}

/** Claims the due repositories of every organisation. */
async function claimDue(db: Database): Promise<DueRepository[]> {
  return unsafeAcrossTenants(db, "refresh checks: the due repositories of every organisation, claimed for one worker", async (tx) => {
    const { rows } = await tx.query<DueRepository>(
      `with due as (
         select id from repositories
         where next_check_at <= now() and status in ('ready', 'complete_with_issues', 'failed')
         order by next_check_at limit $1 for update skip locked
       )
       update repositories r set next_check_at = now() + make_interval(secs => $2)
       from due where r.id = due.id
       returning r.id, r.org_id, r.url, r.branch, r.credentials_secret_id, r.connection_id, r.status, r.indexed_commit, r.indexed_branch,
         r.remote_commit, r.check_failures,
         coalesce(r.refresh_interval_seconds,
                  (select s.refresh_interval_seconds from org_repository_settings s where s.org_id = r.org_id), $3) as interval_seconds`,
      [BATCH, CLAIM_LEASE_SECONDS, DEFAULT_REFRESH_SECONDS],
    );
    return rows;
  });
}

/** Checks one claimed repository and records the outcome. */
async function check(deps: RefreshCheckDependencies, repo: DueRepository): Promise<void> {
  const scope = { orgId: repo.org_id };
  if (repo.interval_seconds === 0) {
    await withTenant(deps.db, scope, (tx) => tx.query("update repositories set next_check_at = null where id = $1", [repo.id]));
    return;
  }
  try {
    const url = parseRepoUrl(repo.url, { allowLocal: deps.allowLocal });
    const credentials = await credentialsOf(deps, repo.org_id, repo);
    const head = await deps.gitCache.remoteHead(url, repo.branch ?? undefined, credentials);
    const moved = head.commit !== repo.indexed_commit || head.branch !== repo.indexed_branch;
    // A failed repository is tried again only when its remote changed since the last check.
    const run = moved && (repo.status !== "failed" || head.commit !== repo.remote_commit);
    await withTenant(deps.db, scope, (tx) =>
      tx.query(
        `update repositories set last_check_at = now(), last_check_error = null, check_failures = 0, remote_commit = $2,
           next_check_at = now() + make_interval(secs => $3),
           status = case when $4 and status <> 'running' then 'queued' else status end
         where id = $1 and status <> 'unindexing'`,
        [repo.id, head.commit, jittered(repo.interval_seconds), run],
      ),
    );
    if (run) {
      try {
        await deps.enqueueSync({ orgId: repo.org_id, repositoryId: repo.id });
      } catch (err) {
        // No job behind 'queued': put the status back, so the next check tries again.
        await withTenant(deps.db, scope, (tx) => tx.query("update repositories set status = $2 where id = $1 and status = 'queued'", [repo.id, repo.status]));
        throw err;
      }
      deps.logger.info({ repositoryId: repo.id, commit: head.commit }, "remote moved: index run queued");
    }
  } catch (err) {
    const failures = repo.check_failures + 1;
    const message = scrubSecrets(isAppError(err) && err.expose ? err.message : (err as Error).message);
    await withTenant(deps.db, scope, (tx) =>
      tx.query(
        `update repositories set last_check_at = now(), last_check_error = $2, check_failures = $3,
           next_check_at = now() + make_interval(secs => $4)
         where id = $1 and status <> 'unindexing'`,
        [repo.id, message.slice(0, 1000), failures, jittered(nextCheckDelaySeconds(repo.interval_seconds, failures))],
      ),
    );
    deps.logger.warn({ repositoryId: repo.id, failures, err: message }, "remote check failed; backing off");
  }
}

/** Runs the checks that are due now; resolves with how many were checked. */
export async function runDueChecks(deps: RefreshCheckDependencies): Promise<number> {
  const due = await claimDue(deps.db);
  // PARALLEL workers take the next repository as soon as they are free: one slow remote holds
  // one worker, not a whole group.
  let next = 0;
  const worker = async () => {
    while (next < due.length) await check(deps, due[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, due.length) }, worker));
  return due.length;
}

/** Starts the loop; `stop` waits for the checks in progress. */
export function startRefreshChecks(deps: RefreshCheckDependencies): { stop(): Promise<void> } {
  let stopped = false;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const loop = async () => {
    await pause(deps.tickMs);
    while (!stopped) {
      let checked = 0;
      try {
        checked = await runDueChecks(deps);
      } catch (err) {
        deps.logger.warn({ err }, "refresh checks failed");
      }
      // A full batch: more may be due, so look again at once.
      if (checked < BATCH && !stopped) await pause(deps.tickMs);
    }
  };
  const done = loop();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await done;
    },
  };
}
