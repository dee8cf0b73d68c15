/**
 * Shared reading of the graph's tables: the org's repositories that hold facts (with their
 * indexed commit, for citations), node declarations with their effective kind, and how a fact
 * is shown (its node's name, the repository, the citation `repo@commit:path:line`).
 */
import type { Database } from "../platform/db/database.js";
import { type Queryable, type TenantScope, withTenant } from "../platform/db/tenant.js";
import { AppError, notFound } from "../platform/errors.js";
import { pickRepository } from "../repositories/index.js";

/** A statement that runs longer than this is cancelled: every query here is indexed and bounded. */
const READ_TIMEOUT = { snapshot: true, statementTimeoutMs: 10_000 } as const;

/** Runs `fn` in the org's read-only snapshot; a statement timeout becomes a clear 503. */
export function readGraph<T>(db: Database, scope: TenantScope, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return withTenant(db, scope, fn, READ_TIMEOUT).catch((err: unknown) => {
    if ((err as { code?: string }).code !== "57014") throw err;
    throw new AppError("timeout", 503, "The graph query took too long; narrow it (a lower depth, a kind) and try again.", { expose: true });
  });
}

/** Where a fact was read. */
export interface Evidence {
  repository: { id: string; name: string };
  path: string;
  line: number;
  /** `repo@commit:path:line`. */
  citation: string;
}

/** A fact row joined with its repository. */
export interface FactRow {
  subject: string;
  predicate: string;
  object: string;
  props: Record<string, unknown>;
  repository_id: string;
  repository_name: string;
  indexed_commit: string;
  source_path: string;
  line: number;
}

/** The columns of a FactRow, for `from graph_facts f join repositories r …`. */
export const FACT_COLUMNS = "f.subject, f.predicate, f.object, f.props, f.repository_id, r.name as repository_name, r.indexed_commit, f.source_path, f.line";
/** Joins a fact's repository, leaving out repositories being deleted or never indexed. */
export const FACT_REPOSITORY_JOIN = "join repositories r on r.id = f.repository_id and r.status <> 'unindexing' and r.indexed_commit is not null";

/** The evidence of a fact row. */
export function evidenceOf(row: FactRow): Evidence {
  return {
    repository: { id: row.repository_id, name: row.repository_name },
    path: row.source_path,
    line: row.line,
    citation: `${row.repository_name}@${row.indexed_commit.slice(0, 12)}:${row.source_path}:${row.line}`,
  };
}

/**
 * The effective kind of a declaration: a package's kind from its manifest, raised to
 * `service` when a Dockerfile or compose service in its repository builds its folder; any
 * other node's declared type.
 */
export const EFFECTIVE_KIND_SQL = `case when f.object = 'package' then
    case when exists (
      select 1 from graph_facts b
      where b.repository_id = f.repository_id and b.predicate = 'is' and b.object in ('container', 'service')
        and b.props ->> 'builds' = f.props ->> 'path')
    then 'service' else coalesce(f.props ->> 'kind', 'library') end
  else f.object end`;

/** An indexed repository of the org by id or name (404 otherwise). */
export async function repositoryRef(tx: Queryable, ref: string): Promise<{ id: string; name: string; commit: string | null }> {
  const { rows } = await tx.query<{ id: string; name: string; indexed_commit: string | null }>(
    "select id, name, indexed_commit from repositories where (id::text = $1 or lower(name) = lower($1)) and status <> 'unindexing'",
    [ref],
  );
  const row = pickRepository(rows, ref);
  if (!row) throw notFound("repository");
  return { id: row.id, name: row.name, commit: row.indexed_commit };
}

/** A readable name for a node key whose declaration was not found (an external package). */
export function nameOfKey(key: string): string {
  const colon = key.indexOf(":");
  const rest = key.slice(colon + 1);
  // Local keys carry a repository id first: show what follows it.
  return /^[0-9a-f-]{36}:/.test(rest) ? rest.slice(37) : rest;
}

/** The type part of a key (`npm`, `service`, `owner`, …). */
export function typeOfKey(key: string): string {
  return key.slice(0, key.indexOf(":"));
}
