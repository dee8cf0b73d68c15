/**
 * Syncing a Confluence connection's spaces into documents (`confluence.sync`): each chosen
 * space's pages are listed (no bodies); only pages that are new, have a new version (their
 * last modification), moved space or changed restriction standing are fetched and converted;
 * stored pages no listing shows any more (deleted, moved out, space left out) are deleted.
 * A restricted page (its own or an ancestor's view restriction) is withheld unless the
 * connection includes restricted pages. A listing cut short (MAX_PAGES_PER_SPACE) deletes
 * nothing in that space. `full` re-fetches every page (and its restrictions). The upkeep loop
 * queues a sync of each active connection every CTXPIPE_CONFLUENCE_SYNC_MINUTES.
 */
import { defineJob } from "../../jobs/job-queue.js";
import type { Database } from "../../platform/db/database.js";
import { type TenantScope, unsafeAcrossTenants, withTenant } from "../../platform/db/tenant.js";
import { isAppError } from "../../platform/errors.js";
import type { Logger } from "../../platform/logging.js";
import { deleteDocuments, saveDocument, storageToText, storedPages } from "../../documents/index.js";
import type { ConfluencePageSummary } from "./atlassian-api.js";
import { accessToken, type ConfluenceDependencies, type SyncSummary, withAccessToken } from "./confluence.service.js";

/** The job's payload. */
export interface SyncJobData {
  orgId: string;
  connectionId: string;
  full: boolean;
}

/** Largest storage-format body converted (bigger pages are indexed up to this much text). */
const MAX_PAGE_TEXT = 1_000_000;
/** Atlassian calls in flight at once during a sync (their rate limits are per app and site). */
const CONCURRENCY = 4;

/** Runs `fn` over `items` with at most `limit` running at once; the first error stops it. */
async function eachConcurrently<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Syncs one connection; answers what changed. */
export async function syncConfluence(deps: ConfluenceDependencies, scope: TenantScope, connectionId: string, full: boolean): Promise<SyncSummary> {
  const summary: SyncSummary = {
    at: new Date().toISOString(),
    result: "ok",
    spaces: 0,
    pages: 0,
    added: 0,
    updated: 0,
    deleted: 0,
    unchanged: 0,
    restrictedSkipped: 0,
    attachmentsSkipped: 0,
    failedPages: 0,
    truncated: false,
  };
  const { row, spaces } = await withAccessToken(deps, scope, connectionId, async (token, row) => ({
    row,
    spaces: row.config.spaces ? (await deps.api.spaces(token, row.config.site!.cloudId)).spaces : [],
  }));
  const selection = row.config.spaces;
  if (!selection || !row.config.site) return summary;
  const site = row.config.site;
  const include = row.config.includeRestricted;
  const chosen = selection === "all" ? spaces : spaces.filter((s) => selection.includes(s.key));
  summary.spaces = chosen.length;
  const stored = await withTenant(deps.db, scope, (tx) => storedPages(tx, connectionId));
  const seen = new Set<string>();
  const keepSpaces = new Set<string>();

  for (const space of chosen) {
    let { token } = await accessToken(deps, scope, connectionId);
    let calls = 0;
    // Refreshed when due (tokens last an hour; a large space takes longer).
    const fresh = async () => {
      if (++calls % 200 === 0) ({ token } = await accessToken(deps, scope, connectionId));
      return token;
    };
    const { pages, truncated } = await deps.api.pages(token, site.cloudId, space.id);
    if (truncated) {
      summary.truncated = true;
      keepSpaces.add(space.key);
    }
    summary.pages += pages.length;
    const byId = new Map(pages.map((p) => [p.id, p]));
    for (const p of pages) seen.add(p.id);
    // Own restrictions: of every page on a full sync, else of the pages fetched below.
    const ownRestriction = new Map<string, boolean>();
    const changed = pages.filter((p) => {
      const before = stored.get(p.id);
      if (full || !before || before.version !== p.version || before.spaceKey !== space.key) return true;
      // The connection's choice about restricted pages changed since this page was stored.
      return before.withheld ? include : before.restricted && !include;
    });
    // A restriction that cannot be read counts as a restriction.
    await eachConcurrently(changed, CONCURRENCY, async (p) => {
      ownRestriction.set(p.id, await deps.api.readRestricted(await fresh(), site.cloudId, p.id).catch(() => true));
    });
    // A page inherits its ancestors' view restrictions; an unchanged ancestor's standing is the stored one.
    const effective = new Map<string, boolean>();
    const restricted = (page: ConfluencePageSummary, depth = 0): boolean => {
      const known = effective.get(page.id);
      if (known !== undefined) return known;
      const own = ownRestriction.get(page.id) ?? stored.get(page.id)?.restricted ?? false;
      const parent = page.parentId ? byId.get(page.parentId) : undefined;
      const result = own || (parent !== undefined && depth < 100 && restricted(parent, depth + 1));
      effective.set(page.id, result);
      return result;
    };
    const authors = await deps.api
      .displayNames(token, site.cloudId, [...new Set(changed.map((p) => p.authorId).filter((a): a is string => a !== null))])
      .catch(() => new Map<string, string>());
    summary.unchanged += pages.length - changed.length;
    await eachConcurrently(changed, CONCURRENCY, async (page) => {
      const isRestricted = restricted(page);
      const withheld = isRestricted && !include;
      try {
        const body = withheld ? "" : await deps.api.pageBody(await fresh(), site.cloudId, page.id);
        const { text, attachments } = withheld ? { text: "", attachments: 0 } : storageToText(body, MAX_PAGE_TEXT);
        await withTenant(deps.db, scope, (tx) =>
          saveDocument(tx, scope.orgId, connectionId, {
            sourceId: page.id,
            parentSourceId: page.parentId,
            spaceKey: space.key,
            spaceName: space.name,
            title: page.title,
            url: `${site.url}/wiki${page.webui}`,
            author: page.authorId ? (authors.get(page.authorId) ?? null) : null,
            version: page.version,
            updatedAt: new Date(page.modifiedAt),
            restricted: isRestricted,
            withheld,
            attachments,
            text,
          }),
        );
        if (withheld) summary.restrictedSkipped++;
        summary.attachmentsSkipped += attachments;
        if (stored.has(page.id)) summary.updated++;
        else summary.added++;
      } catch (err) {
        if (isAppError(err) && (err.code === "atlassian_unauthorized" || err.code === "atlassian_grant_revoked")) throw err;
        summary.failedPages++;
      }
    });
  }
  const gone = [...stored].filter(([id, page]) => !seen.has(id) && !keepSpaces.has(page.spaceKey)).map(([id]) => id);
  summary.deleted = await withTenant(deps.db, scope, (tx) => deleteDocuments(tx, connectionId, gone));
  return summary;
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
        await record(deps.db, scope, data.connectionId, summary, null, syncMinutes);
        logger.info({ connectionId: data.connectionId, ...summary }, "confluence synced");
      } catch (err) {
        if (isAppError(err) && (err.code === "not_found" || err.code === "confluence_not_connected")) return;
        const message = isAppError(err) && err.expose ? err.message : "an internal error; see the worker's log";
        const revoked = isAppError(err) && err.code === "atlassian_grant_revoked";
        if (finalAttempt || revoked) {
          await record(deps.db, scope, data.connectionId, { ...emptyFailure(), at: new Date().toISOString() }, message, syncMinutes).catch(() => {});
        }
        if (revoked) return; // nothing to retry until an admin connects again
        throw err;
      }
    },
  });
}

function emptyFailure(): SyncSummary {
  return {
    at: "",
    result: "failed",
    spaces: 0,
    pages: 0,
    added: 0,
    updated: 0,
    deleted: 0,
    unchanged: 0,
    restrictedSkipped: 0,
    attachmentsSkipped: 0,
    failedPages: 0,
    truncated: false,
  };
}

async function record(db: Database, scope: TenantScope, id: string, summary: SyncSummary, error: string | null, syncMinutes: number): Promise<void> {
  await withTenant(db, scope, (tx) =>
    tx.query(
      `update confluence_connections set last_sync = $2, last_error = $3, next_sync_at = now() + make_interval(mins => $4),
         status = case when $3::text is null then 'active' else status end where id = $1`,
      [id, JSON.stringify(summary), error, syncMinutes],
    ),
  );
}

/** Queues the syncs that are due (every active connection, CTXPIPE_CONFLUENCE_SYNC_MINUTES apart). */
export async function queueDueSyncs(db: Database, syncMinutes: number, enqueue: (data: SyncJobData) => Promise<void>): Promise<void> {
  const due = await unsafeAcrossTenants(
    db,
    "confluence upkeep: the due syncs of every organisation's Confluence connections, claimed for one worker",
    async (tx) => {
      const { rows } = await tx.query<{ id: string; org_id: string }>(
        `with due as (select id from confluence_connections where next_sync_at <= now() and status = 'active'
                    order by next_sync_at limit 50 for update skip locked)
       update confluence_connections c set next_sync_at = now() + make_interval(mins => $1) from due where c.id = due.id returning c.id, c.org_id`,
        [syncMinutes],
      );
      return rows;
    },
  );
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
