/**
 * Repositories of an organisation: add (URL checked, credentials encrypted), list, read,
 * change the refresh interval, request a re-index, delete; and the organisation's default
 * refresh interval. Indexing itself runs in the `repository.sync` job (sync.job.ts), remote
 * checks in refresh-checks.ts; this module records what users asked for and what those report.
 */
import { recordAudit, type OrgActor } from "../accounts/index.js";
import type { Config } from "../platform/config/config.js";
import type { SecretBox } from "../platform/crypto/secret-box.js";
import type { Database } from "../platform/db/database.js";
import { unsafeAcrossTenants, withTenant, type TenantScope, type Queryable } from "../platform/db/tenant.js";
import { AppError, conflict, notFound } from "../platform/errors.js";
import { storeSecret } from "../secrets/index.js";
import { checkHost } from "./git/host-guard.js";
import { confineLocalPath } from "./git/local-path.js";
import { parseRepoUrl, RepoUrlError, urlKindOf } from "./git/repo-url.js";

/** The lifecycle states of a repository. */
export type RepositoryStatus = "queued" | "running" | "ready" | "failed" | "complete_with_issues" | "unindexing";

/** A repository as the API shows it. */
export interface Repository {
  id: string;
  name: string;
  url: string;
  branch: string | null;
  status: RepositoryStatus;
  step: { key: string; index: number; total: number; label: string; done?: number; of?: number } | null;
  indexedCommit: string | null;
  indexedBranch: string | null;
  indexedAt: string | null;
  fileCount: number;
  byteCount: number;
  languages: Record<string, number>;
  skipped: Record<string, number>;
  /** What the latest published run did; null before the first. */
  lastRun: LastRun | null;
  error: string | null;
  hasCredentials: boolean;
  /** Where it came from: added by URL, or brought by a connection (a GitHub installation). */
  source: RepositorySource;
  /** The periodic remote check (refresh-checks.ts). */
  refresh: RefreshState;
  createdAt: string;
  updatedAt: string;
}

/** Where a repository came from. */
export type RepositorySource = { type: "url" } | { type: "github"; connectionId: string; externalId: number };

/** Where the periodic remote check of a repository stands. */
export interface RefreshState {
  /** The repository's own interval in seconds; null follows the organisation's default; 0 is off. */
  intervalSeconds: number | null;
  lastCheckAt: string | null;
  /** When the next check is due; null when none is scheduled (checks off). */
  nextCheckAt: string | null;
  /** Why the last check failed; null when it succeeded. */
  lastCheckError: string | null;
  /** Failed checks in a row (each doubles the wait, up to a day). */
  consecutiveFailures: number;
}

/** The organisation's repository settings. */
export interface RepositorySettings {
  /** Default interval of remote checks, in seconds (0: off). */
  refreshIntervalSeconds: number;
}

/** What an index run did: incremental runs looked only at the paths changed since the indexed commit. */
export interface LastRun {
  kind: "full" | "incremental";
  added: number;
  updated: number;
  removed: number;
  blobsRead: number;
  bytesRead: number;
}

/** Credentials for a private repository: a token, or a username and password. */
export type RepositoryCredentials = { token: string; username?: string } | { username: string; password: string };

/** What adding a repository takes. */
export interface AddRepositoryInput {
  url: string;
  name?: string;
  branch?: string;
  credentials?: RepositoryCredentials;
}

interface RepositoryRow {
  id: string;
  name: string;
  url: string;
  branch: string | null;
  status: RepositoryStatus;
  step: Repository["step"];
  indexed_commit: string | null;
  indexed_branch: string | null;
  indexed_at: Date | null;
  file_count: number;
  byte_count: string;
  languages: Record<string, number>;
  skipped: Record<string, number>;
  last_run: LastRun | null;
  error: string | null;
  credentials_secret_id: string | null;
  connection_id: string | null;
  external_id: string | null;
  refresh_interval_seconds: number | null;
  last_check_at: Date | null;
  next_check_at: Date | null;
  last_check_error: string | null;
  check_failures: number;
  created_at: Date;
  updated_at: Date;
}

/** Presents a row. */
export function presentRepository(r: RepositoryRow): Repository {
  return {
    id: r.id,
    name: r.name,
    url: r.url,
    branch: r.branch,
    status: r.status,
    step: r.step,
    indexedCommit: r.indexed_commit,
    indexedBranch: r.indexed_branch,
    indexedAt: r.indexed_at?.toISOString() ?? null,
    fileCount: r.file_count,
    byteCount: Number(r.byte_count),
    languages: r.languages,
    skipped: r.skipped,
    lastRun: r.last_run ?? null,
    error: r.error,
    hasCredentials: r.credentials_secret_id !== null || r.connection_id !== null,
    source: r.connection_id ? { type: "github", connectionId: r.connection_id, externalId: Number(r.external_id) } : { type: "url" },
    refresh: {
      intervalSeconds: r.refresh_interval_seconds,
      lastCheckAt: r.last_check_at?.toISOString() ?? null,
      nextCheckAt: r.next_check_at?.toISOString() ?? null,
      lastCheckError: r.last_check_error,
      consecutiveFailures: r.check_failures,
    },
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** What the service needs besides the database. */
export interface RepositoryDependencies {
  db: Database;
  secretBox: SecretBox | undefined;
  config: Pick<Config, "repositories" | "dataDir">;
  /** Enqueues a sync (or delete) run; deduplicated per repository by the queue. */
  enqueue: (job: "sync" | "delete", payload: { orgId: string; repositoryId: string }) => Promise<void>;
}

async function findRow(tx: Queryable, ref: string): Promise<RepositoryRow> {
  const { rows } = await tx.query<RepositoryRow>("select * from repositories where id::text = $1 or lower(name) = lower($1)", [ref]);
  const row = pickRepository(rows, ref);
  if (!row) throw notFound("repository");
  return row;
}

/**
 * The repository `ref` names among `rows`: the one with that id, else the one with exactly
 * that name, else the only one with that name ignoring case. Undefined when none or several
 * (names differing only in case) match.
 */
export function pickRepository<T extends { id: string; name: string }>(rows: T[], ref: string): T | undefined {
  const byIgnoringCase = rows.filter((r) => r.name.toLowerCase() === ref.toLowerCase());
  return rows.find((r) => r.id === ref) ?? rows.find((r) => r.name === ref) ?? (byIgnoringCase.length === 1 ? byIgnoringCase[0] : undefined);
}

/**
 * Adds a repository and queues its first index run.
 * @throws invalid_repository_url (400, with the refusal reason), conflict (name taken),
 *   repository_limit (409).
 */
export async function addRepository(deps: RepositoryDependencies, actor: OrgActor, input: AddRepositoryInput): Promise<Repository> {
  const parsed = parseRepoUrl(input.url, { allowLocal: deps.config.repositories.allowLocal });
  if (parsed.kind === "local") {
    await confineLocalPath({ localRoot: deps.config.repositories.localRoot, dataDir: deps.config.dataDir }, parsed.path);
  } else {
    // Early feedback for internal addresses; the sync job checks again (and pins) at clone time.
    // A name that does not resolve now is left for the job to report.
    await checkHost(parsed.host, deps.config.repositories.allowedHosts).catch((err: unknown) => {
      if (err instanceof RepoUrlError) throw err;
    });
  }
  const name = input.name ?? parsed.displayName;
  const repo = await withTenant(deps.db, actor, async (tx) => {
    const { rows: count } = await tx.query<{ n: number }>("select count(*)::int as n from repositories");
    if ((count[0]?.n ?? 0) >= deps.config.repositories.maxPerOrg) {
      throw new AppError("repository_limit", 409, `This organisation already has ${deps.config.repositories.maxPerOrg} repositories.`);
    }
    const { rows: taken } = await tx.query("select 1 from repositories where name = $1", [name]);
    if (taken.length) throw conflict(`A repository named "${name}" already exists; give this one another name.`);
    let secretId: string | null = null;
    if (input.credentials) {
      const { id } = await storeSecret(deps.db, deps.secretBox, actor, { purpose: "repository-credentials", plaintext: JSON.stringify(input.credentials) }, tx);
      secretId = id;
    }
    const { rows } = await tx.query<RepositoryRow>(
      // The first check comes a minute after the first run was queued.
      `insert into repositories (org_id, name, url, url_kind, branch, credentials_secret_id, next_check_at)
       values ($1, $2, $3, $4, $5, $6, now() + interval '1 minute') returning *`,
      [actor.orgId, name, parsed.url, urlKindOf(parsed), input.branch ?? null, secretId],
    );
    const row = rows[0]!;
    await recordAudit(tx, actor, { action: "repository.added", targetType: "repository", targetId: row.id, details: { name, url: parsed.url } });
    return row;
  });
  await deps.enqueue("sync", { orgId: actor.orgId, repositoryId: repo.id });
  return presentRepository(repo);
}

/** The organisation's repositories by name, optionally only those in `statuses`, at most `limit`. */
export async function listRepositories(
  db: Database,
  scope: TenantScope,
  filter: { statuses?: RepositoryStatus[]; limit?: number } = {},
): Promise<Repository[]> {
  return withTenant(db, scope, async (tx) => {
    const { rows } = await tx.query<RepositoryRow>("select * from repositories where ($1::text[] is null or status = any($1::text[])) order by name limit $2", [
      filter.statuses ?? null,
      filter.limit ?? null,
    ]);
    return rows.map(presentRepository);
  });
}

/** One repository by id or name (404 when not in the actor's org). */
export async function getRepository(db: Database, actor: OrgActor, ref: string): Promise<Repository> {
  return withTenant(db, actor, async (tx) => presentRepository(await findRow(tx, ref)));
}

/** The interval remote checks use when neither repository nor organisation set one. */
const DEFAULT_REFRESH_SECONDS = 300;

/** The organisation's default check interval (SQL, in the tenant scope). */
const ORG_REFRESH_SQL = `coalesce((select refresh_interval_seconds from org_repository_settings), ${DEFAULT_REFRESH_SECONDS})`;

/**
 * Sets the repository's own check interval (null: follow the organisation's default; 0: off)
 * and schedules its next check one interval from now.
 */
export async function updateRepository(db: Database, actor: OrgActor, ref: string, input: { refreshIntervalSeconds: number | null }): Promise<Repository> {
  return withTenant(db, actor, async (tx) => {
    const row = await findRow(tx, ref);
    if (row.status === "unindexing") throw new AppError("repository_unindexing", 409, "The repository is being deleted.");
    const { rows } = await tx.query<RepositoryRow>(
      `update repositories set refresh_interval_seconds = $2, updated_at = now(),
         next_check_at = case when coalesce($2, ${ORG_REFRESH_SQL}) = 0 then null
                              else now() + make_interval(secs => coalesce($2, ${ORG_REFRESH_SQL})) end
       where id = $1 returning *`,
      [row.id, input.refreshIntervalSeconds],
    );
    await recordAudit(tx, actor, {
      action: "repository.updated",
      targetType: "repository",
      targetId: row.id,
      details: { refreshIntervalSeconds: input.refreshIntervalSeconds },
    });
    return presentRepository(rows[0]!);
  });
}

/** The organisation's repository settings (defaults when never set). */
export async function getRepositorySettings(db: Database, actor: OrgActor): Promise<RepositorySettings> {
  return withTenant(db, actor, async (tx) => {
    const { rows } = await tx.query<{ s: number }>(`select ${ORG_REFRESH_SQL} as s`);
    return { refreshIntervalSeconds: rows[0]!.s };
  });
}

/**
 * Sets the organisation's default check interval; the repositories that follow it get their
 * next check within one new interval (spread), or none when it is 0. Repositories a connection
 * brought are kept fresh by its webhooks and reconciles instead (only their own interval, when
 * set, schedules remote checks for them).
 */
export async function updateRepositorySettings(db: Database, actor: OrgActor, input: RepositorySettings): Promise<RepositorySettings> {
  return withTenant(db, actor, async (tx) => {
    await tx.query(
      `insert into org_repository_settings (org_id, refresh_interval_seconds) values ($1, $2)
       on conflict (org_id) do update set refresh_interval_seconds = excluded.refresh_interval_seconds, updated_at = now()`,
      [actor.orgId, input.refreshIntervalSeconds],
    );
    await tx.query(
      `update repositories set next_check_at = case when $1 = 0 then null else now() + make_interval(secs => $1 * random()) end
       where refresh_interval_seconds is null and status <> 'unindexing' and connection_id is null`,
      [input.refreshIntervalSeconds],
    );
    await recordAudit(tx, actor, { action: "repository_settings.updated", targetType: "org", targetId: actor.orgId, details: { ...input } });
    return input;
  });
}

/** Queues a re-index of the repository `ref` (id or name); a run already queued absorbs it. */
export async function requestReindex(deps: RepositoryDependencies, actor: OrgActor, ref: string): Promise<Repository> {
  const repo = await withTenant(deps.db, actor, async (tx) => {
    const row = await findRow(tx, ref);
    const id = row.id;
    if (row.status === "unindexing") throw new AppError("repository_unindexing", 409, "The repository is being deleted.");
    const { rows } = await tx.query<RepositoryRow>(
      `update repositories set status = case when status = 'running' then status else 'queued' end, updated_at = now()
       where id = $1 returning *`,
      [id],
    );
    await recordAudit(tx, actor, { action: "repository.reindex_requested", targetType: "repository", targetId: id });
    return rows[0]!;
  });
  await deps.enqueue("sync", { orgId: actor.orgId, repositoryId: repo.id });
  return presentRepository(repo);
}

/** Marks the repository `ref` (id or name) for deletion and queues the purge of its index and clone. */
export async function deleteRepository(deps: RepositoryDependencies, actor: OrgActor, ref: string): Promise<Repository> {
  const repo = await withTenant(deps.db, actor, async (tx) => {
    const id = (await findRow(tx, ref)).id;
    const { rows } = await tx.query<RepositoryRow>("update repositories set status = 'unindexing', step = null, updated_at = now() where id = $1 returning *", [
      id,
    ]);
    await recordAudit(tx, actor, { action: "repository.deleted", targetType: "repository", targetId: id, details: { name: rows[0]!.name } });
    return rows[0]!;
  });
  await deps.enqueue("delete", { orgId: actor.orgId, repositoryId: repo.id });
  return presentRepository(repo);
}

/** Repositories of every organisation whose status says an index run is queued (for the worker's start-up sweep). */
export async function repositoriesWaitingForRun(db: Database): Promise<{ orgId: string; repositoryId: string }[]> {
  const { rows } = await unsafeAcrossTenants(db, "start-up: repositories of every organisation waiting for an index run", (tx) =>
    tx.query<{ org_id: string; id: string }>("select org_id, id from repositories where status = 'queued' order by created_at limit 100000"),
  );
  return rows.map((r) => ({ orgId: r.org_id, repositoryId: r.id }));
}

/**
 * Repositories of every organisation whose published index was built by older index rules
 * (`indexed_settings.rules` below `rulesVersion`, INDEX_RULES_VERSION): after an upgrade that
 * changes what the index holds or how, each needs a full run. Smallest first, so most
 * repositories are current soon; failed and running ones are left to their own next run.
 */
export async function repositoriesWithOutdatedIndex(db: Database, rulesVersion: number): Promise<{ orgId: string; repositoryId: string }[]> {
  const { rows } = await unsafeAcrossTenants(db, "start-up: repositories of every organisation indexed by older index rules", (tx) =>
    tx.query<{ org_id: string; id: string }>(
      `select org_id, id from repositories
        where status in ('ready', 'complete_with_issues') and indexed_commit is not null
          and coalesce((indexed_settings ->> 'rules')::int, 0) < $1
        order by byte_count nulls first, created_at limit 100000`,
      [rulesVersion],
    ),
  );
  return rows.map((r) => ({ orgId: r.org_id, repositoryId: r.id }));
}

/**
 * Index lag across organisations (for metrics): repositories whose newest known commit is not
 * the indexed one (queued or running, or a remote that moved), and the longest any of them
 * has waited since its index last caught up.
 */
export async function indexLag(db: Database): Promise<{ repositories: number; seconds: number }> {
  const { rows } = await unsafeAcrossTenants(db, "metrics: index lag over every organisation's repositories", (tx) =>
    tx.query<{ n: number; s: number }>(
      `select count(*)::int as n, coalesce(max(extract(epoch from now() - coalesce(indexed_at, created_at))), 0)::float8 as s
         from repositories
        where status in ('queued', 'running') or (remote_commit is not null and remote_commit is distinct from indexed_commit)`,
    ),
  );
  return { repositories: rows[0]?.n ?? 0, seconds: rows[0]?.s ?? 0 };
}
