/**
 * Syncing a Confluence connection's spaces into documents (`confluence.sync`): each chosen
 * space's pages are listed (no bodies); pages that are new, have a new version (their last
 * modification) or moved have their own view restriction read and their body fetched and
 * converted. Inheritance is recomputed over the whole tree every sync (a page is restricted
 * when it or an ancestor is), and a page whose standing changed is saved again: a restricted
 * page is withheld unless the connection includes restricted pages. Stored pages no listing
 * shows any more (deleted, moved out, space left out) are deleted; a listing cut short deletes
 * nothing it did not cover. A page whose restriction or body cannot be read is counted failed
 * and retried next time. `full` re-reads every page; the upkeep loop queues a sync of each
 * active connection every CTXPIPE_CONFLUENCE_SYNC_MINUTES, a full one once a day. This file
 * holds the sync and its SQL (recording a sync, claiming the due ones); the job and the loop
 * are in confluence-sync.job.ts.
 */
import type { Database } from "../../platform/db/database.js";
import { type TenantScope, unsafeAcrossTenants, withTenant } from "../../platform/db/tenant.js";
import { isAppError } from "../../platform/errors.js";
import { deleteDocuments, saveDocument, storageToText, storedPages } from "../../documents/index.js";
import type { ConfluencePageSummary } from "./atlassian-api.js";
import { accessToken, withAccessToken } from "./confluence-oauth.js";
import type { ConfluenceDependencies, SyncSummary } from "./confluence.service.js";

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
  const summary = emptySummary("ok");
  const { row, spaces, spacesTruncated } = await withAccessToken(deps, scope, connectionId, async (token, row) => {
    const listed = row.config.spaces ? await deps.api.spaces(token, row.config.site!.cloudId) : { spaces: [], truncated: false };
    return { row, spaces: listed.spaces, spacesTruncated: listed.truncated };
  });
  const selection = row.config.spaces;
  if (!selection || !row.config.site) return summary;
  const site = row.config.site;
  const include = row.config.includeRestricted;
  const chosen = selection === "all" ? spaces : spaces.filter((s) => selection.includes(s.key));
  summary.spaces = chosen.length;
  summary.truncated = spacesTruncated;
  const stored = await withTenant(deps.db, scope, (tx) => storedPages(tx, connectionId));
  const seen = new Set<string>();
  // Spaces whose pages were not all seen: nothing of theirs is deleted.
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
    const changed = new Set(
      pages
        .filter((p) => {
          const before = stored.get(p.id);
          return full || !before || before.version !== p.version || before.spaceKey !== space.key || before.parentSourceId !== p.parentId;
        })
        .map((p) => p.id),
    );
    // Own restrictions: read for changed pages (every page on a full sync); kept for the rest.
    // A page whose restriction cannot be read is left as it was, counted failed, and retried.
    const own = new Map<string, boolean>();
    const failed = new Set<string>();
    await eachConcurrently(
      pages.filter((p) => changed.has(p.id)),
      CONCURRENCY,
      async (p) => {
        try {
          own.set(p.id, await deps.api.readRestricted(await fresh(), site.cloudId, p.id));
        } catch (err) {
          if (isAppError(err) && (err.code === "atlassian_unauthorized" || err.code === "atlassian_grant_revoked")) throw err;
          failed.add(p.id);
        }
      },
    );
    const ownOf = (p: ConfluencePageSummary) => own.get(p.id) ?? stored.get(p.id)?.ownRestricted ?? true;
    // Inheritance over the whole tree, every sync: a page is restricted when it or an ancestor is.
    const effective = new Map<string, boolean>();
    const restricted = (page: ConfluencePageSummary, depth = 0): boolean => {
      const known = effective.get(page.id);
      if (known !== undefined) return known;
      const parent = page.parentId ? byId.get(page.parentId) : undefined;
      // Deeper than any real tree: fail closed.
      const result = depth > 100 || ownOf(page) || (parent !== undefined && restricted(parent, depth + 1));
      effective.set(page.id, result);
      return result;
    };
    // Saved again: changed pages, and unchanged ones whose standing moved (an ancestor's restriction).
    const toSave = pages.filter((p) => {
      if (failed.has(p.id)) return false;
      if (changed.has(p.id)) return true;
      const before = stored.get(p.id)!;
      const isRestricted = restricted(p);
      return isRestricted !== before.restricted || (isRestricted && !include) !== before.withheld;
    });
    summary.failedPages += failed.size;
    summary.unchanged += pages.length - toSave.length - failed.size;
    const authors = await deps.api
      .displayNames(token, site.cloudId, [...new Set(toSave.map((p) => p.authorId).filter((a): a is string => a !== null))])
      .catch(() => new Map<string, string>());
    await eachConcurrently(toSave, CONCURRENCY, async (page) => {
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
            ownRestricted: ownOf(page),
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
  // Gone: pages no listing showed (deleted, moved out, space left out), except in spaces whose
  // listing was cut and, when the list of spaces itself was cut, outside the spaces listed.
  const listedKeys = new Set(spaces.map((s) => s.key));
  const gone = [...stored]
    .filter(([id, page]) => !seen.has(id) && !keepSpaces.has(page.spaceKey) && !(spacesTruncated && !listedKeys.has(page.spaceKey)))
    .map(([id]) => id);
  summary.deleted = await withTenant(deps.db, scope, (tx) => deleteDocuments(tx, connectionId, gone));
  return summary;
}

/** A sync's summary before it counts anything, stamped now. */
export function emptySummary(result: SyncSummary["result"]): SyncSummary {
  return {
    at: new Date().toISOString(),
    result,
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

/** Records a sync's summary (and its error, or none) on the connection; the next sync is due `syncMinutes` from now. */
export async function recordSync(db: Database, scope: TenantScope, id: string, summary: SyncSummary, error: string | null, syncMinutes: number): Promise<void> {
  await withTenant(db, scope, (tx) =>
    tx.query(
      `update confluence_connections set last_sync = $2, last_error = $3, next_sync_at = now() + make_interval(mins => $4),
         status = case when $3::text is null then 'active' else status end where id = $1`,
      [id, JSON.stringify(summary), error, syncMinutes],
    ),
  );
}

/**
 * Across organisations: claims the due syncs (active connections whose next_sync_at passed, at
 * most 50) for this worker, moving their next one `syncMinutes` on.
 * @returns the claimed connections.
 */
export async function claimDueSyncs(db: Database, syncMinutes: number): Promise<{ id: string; org_id: string }[]> {
  return unsafeAcrossTenants(db, "confluence upkeep: the due syncs of every organisation's Confluence connections, claimed for one worker", async (tx) => {
    const { rows } = await tx.query<{ id: string; org_id: string }>(
      `with due as (select id from confluence_connections where next_sync_at <= now() and status = 'active'
                    order by next_sync_at limit 50 for update skip locked)
       update confluence_connections c set next_sync_at = now() + make_interval(mins => $1) from due where c.id = due.id returning c.id, c.org_id`,
      [syncMinutes],
    );
    return rows;
  });
}
