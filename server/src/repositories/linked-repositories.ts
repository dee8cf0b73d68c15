/**
 * Repositories a connection brings (a GitHub App installation's): linked by the code host's
 * numeric id, which survives renames and transfers, and named by their full name
 * (`owner/repo`). The connections capability decides what to link, unlink, rename or refresh
 * (install flow, webhooks, reconcile); this module does it in the tenant scope, with the audit
 * trail, and queues the index runs and purges. Linked repositories follow the remote's
 * default branch (branch null) and are kept fresh by webhooks and the reconcile job rather
 * than periodic remote checks (next_check_at null).
 */
import { recordAudit, type AuditActor } from "../accounts/index.js";
import type { Database } from "../platform/db/database.js";
import { withTenant, type TenantScope } from "../platform/db/tenant.js";
import { parseRepoUrl, RepoUrlError, urlKindOf, type ParsedRepoUrl } from "./git/repo-url.js";

/** A repository as the code host describes it. */
export interface LinkedSource {
  externalId: number;
  fullName: string;
  cloneUrl: string;
  defaultBranch: string;
}

/** A linked repository as the connection's jobs see it. */
export interface LinkedRepository {
  id: string;
  externalId: number;
  name: string;
  url: string;
  status: string;
  indexedCommit: string | null;
  indexedBranch: string | null;
  indexedAt: string | null;
}

/** What queueing a run for a push found. */
export type LinkedSyncOutcome = "queued" | "not_linked" | "other_branch";

/** The linked-repository operations, bound to the database and the job queue. */
export interface LinkedRepositories {
  /**
   * Links the sources not linked yet. A repository added by URL with the same name and URL is
   * adopted; any other name clash is refused (listed in `refused`), as is anything past the
   * organisation's limit. A clone URL on another host than `host` (the connection's code host,
   * lower case) is refused too: the connection's token would be sent there.
   */
  link(
    actor: AuditActor,
    connectionId: string,
    sources: LinkedSource[],
    host: string,
  ): Promise<{ added: string[]; refused: { fullName: string; reason: string }[] }>;
  /** Unindexes the connection's repositories: those with these ids, or all of them. @returns their names. */
  unlink(actor: AuditActor, connectionId: string, which: { externalIds: number[] } | "all"): Promise<string[]>;
  /**
   * Follows a rename or transfer: the new name (unless taken) and clone URL.
   * @returns false when not linked.
   * @throws RepoUrlError (foreign_host) when the clone URL is not on `host`, the connection's code host.
   */
  update(scope: TenantScope, connectionId: string, source: LinkedSource, host: string): Promise<boolean>;
  /**
   * Queues an index run of the linked repository. With `pushedRef`, only when it is the branch
   * indexed (the default branch, `defaultBranch` as the push reports it).
   */
  queueSync(scope: TenantScope, connectionId: string, externalId: number, push?: { pushedRef: string; defaultBranch: string }): Promise<LinkedSyncOutcome>;
  /** The connection's repositories, by name. */
  list(scope: TenantScope, connectionId: string): Promise<LinkedRepository[]>;
}

/** What the operations need. */
export interface LinkedRepositoriesDependencies {
  db: Database;
  allowLocal: boolean;
  maxPerOrg: number;
  enqueue: (job: "sync" | "delete", payload: { orgId: string; repositoryId: string }) => Promise<void>;
}

interface LinkedRow {
  id: string;
  external_id: string;
  name: string;
  url: string;
  branch: string | null;
  status: string;
  indexed_commit: string | null;
  indexed_branch: string | null;
  indexed_at: Date | null;
}

const present = (r: LinkedRow): LinkedRepository => ({
  id: r.id,
  externalId: Number(r.external_id),
  name: r.name,
  url: r.url,
  status: r.status,
  indexedCommit: r.indexed_commit,
  indexedBranch: r.indexed_branch,
  indexedAt: r.indexed_at?.toISOString() ?? null,
});

/** Builds the operations. */
export function createLinkedRepositories(deps: LinkedRepositoriesDependencies): LinkedRepositories {
  const { db } = deps;
  const cloneUrlOf = (source: LinkedSource, host: string) => {
    const parsed = parseRepoUrl(source.cloneUrl, { allowLocal: deps.allowLocal });
    // Never trust a URL for its host alone: a connection's repositories live on its code host.
    if (parsed.kind === "local" || parsed.host !== host.toLowerCase()) {
      throw new RepoUrlError("foreign_host", "The clone URL is not on the connection's host.");
    }
    return parsed;
  };

  return {
    async link(actor, connectionId, sources, host) {
      const added: { id: string; name: string }[] = [];
      const refused: { fullName: string; reason: string }[] = [];
      await withTenant(db, { orgId: actor.orgId }, async (tx) => {
        const { rows: count } = await tx.query<{ n: number }>("select count(*)::int as n from repositories where status <> 'unindexing'");
        let room = deps.maxPerOrg - (count[0]?.n ?? 0);
        for (const source of sources) {
          let parsed: ParsedRepoUrl;
          try {
            parsed = cloneUrlOf(source, host);
          } catch (err) {
            const foreign = err instanceof RepoUrlError && err.reason === "foreign_host";
            refused.push({
              fullName: source.fullName,
              reason: foreign ? "its clone URL is not on the connection's host" : "its clone URL is not one ctxpipe may use",
            });
            continue;
          }
          const url = parsed.url;
          const { rows: existing } = await tx.query<{ id: string; url: string; connection_id: string | null; external_id: string | null; status: string }>(
            "select id, url, connection_id, external_id, status from repositories where (connection_id = $1 and external_id = $2) or name = $3",
            [connectionId, source.externalId, source.fullName],
          );
          const mine = existing.find((r) => r.connection_id === connectionId && Number(r.external_id) === source.externalId);
          if (mine) continue; // linked already
          const clash = existing[0];
          if (clash && (clash.connection_id !== null || clash.url.replace(/\.git$/, "") !== url.replace(/\.git$/, "") || clash.status === "unindexing")) {
            refused.push({ fullName: source.fullName, reason: `a repository named "${source.fullName}" already exists` });
            continue;
          }
          if (clash) {
            // Added by URL before the App was installed: the connection takes it over.
            await tx.query("update repositories set connection_id = $2, external_id = $3, next_check_at = null, updated_at = now() where id = $1", [
              clash.id,
              connectionId,
              source.externalId,
            ]);
            added.push({ id: clash.id, name: source.fullName });
            continue;
          }
          if (room <= 0) {
            refused.push({ fullName: source.fullName, reason: `the organisation already has ${deps.maxPerOrg} repositories` });
            continue;
          }
          const { rows } = await tx.query<{ id: string }>(
            `insert into repositories (org_id, name, url, url_kind, branch, connection_id, external_id, next_check_at)
             values ($1, $2, $3, $4, null, $5, $6, null) returning id`,
            [actor.orgId, source.fullName, url, urlKindOf(parsed), connectionId, source.externalId],
          );
          room--;
          added.push({ id: rows[0]!.id, name: source.fullName });
          await recordAudit(tx, actor, {
            action: "repository.added",
            targetType: "repository",
            targetId: rows[0]!.id,
            details: { name: source.fullName, url, connectionId },
          });
        }
      });
      for (const repo of added) await deps.enqueue("sync", { orgId: actor.orgId, repositoryId: repo.id });
      return { added: added.map((a) => a.name), refused };
    },

    async unlink(actor, connectionId, which) {
      const removed = await withTenant(db, { orgId: actor.orgId }, async (tx) => {
        const { rows } = await tx.query<{ id: string; name: string }>(
          `update repositories set status = 'unindexing', step = null, updated_at = now()
           where connection_id = $1 and status <> 'unindexing' and ($2::bigint[] is null or external_id = any($2::bigint[]))
           returning id, name`,
          [connectionId, which === "all" ? null : which.externalIds],
        );
        for (const r of rows) {
          await recordAudit(tx, actor, { action: "repository.deleted", targetType: "repository", targetId: r.id, details: { name: r.name, connectionId } });
        }
        return rows;
      });
      for (const r of removed) await deps.enqueue("delete", { orgId: actor.orgId, repositoryId: r.id });
      return removed.map((r) => r.name);
    },

    async update(scope, connectionId, source, host) {
      const url = cloneUrlOf(source, host).url;
      return withTenant(db, scope, async (tx) => {
        const { rows } = await tx.query<{ id: string }>(
          `update repositories r set url = $3, updated_at = now(),
             name = case when exists (select 1 from repositories o where o.name = $4 and o.id <> r.id) then r.name else $4 end
           where connection_id = $1 and external_id = $2 and status <> 'unindexing' returning id`,
          [connectionId, source.externalId, url, source.fullName],
        );
        return rows.length > 0;
      });
    },

    async queueSync(scope, connectionId, externalId, push) {
      const repo = await withTenant(db, scope, async (tx) => {
        const { rows } = await tx.query<LinkedRow>("select * from repositories where connection_id = $1 and external_id = $2 and status <> 'unindexing'", [
          connectionId,
          externalId,
        ]);
        const row = rows[0];
        if (!row) return "not_linked" as const;
        if (push && push.pushedRef !== `refs/heads/${row.branch ?? push.defaultBranch}`) return "other_branch" as const;
        await tx.query("update repositories set status = case when status = 'running' then status else 'queued' end, updated_at = now() where id = $1", [
          row.id,
        ]);
        return row;
      });
      if (typeof repo === "string") return repo;
      await deps.enqueue("sync", { orgId: scope.orgId, repositoryId: repo.id });
      return "queued";
    },

    async list(scope, connectionId) {
      return withTenant(db, scope, async (tx) => {
        const { rows } = await tx.query<LinkedRow>("select * from repositories where connection_id = $1 and status <> 'unindexing' order by name", [
          connectionId,
        ]);
        return rows.map(present);
      });
    },
  };
}
