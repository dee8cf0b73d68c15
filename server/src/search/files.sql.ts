/**
 * SQL of file navigation over the published index: a repository's published state, a page of
 * its paths, a file's blob, a range of a blob's chunks and its line count, and a blob's
 * symbols in line order. Every query runs in the caller's org-scoped transaction.
 */
import type { Queryable } from "../platform/db/tenant.js";

/** A repository row as navigation reads it. */
export interface RepositoryState {
  id: string;
  name: string;
  generation: number;
  indexed_commit: string | null;
  status: string;
}

/** The org's repositories whose id is `ref`, or whose name is `ref` in any case. */
export async function repositoriesByRef(tx: Queryable, ref: string): Promise<RepositoryState[]> {
  const { rows } = await tx.query<RepositoryState>(
    "select id, name, generation, indexed_commit, status from repositories where id::text = $1 or lower(name) = lower($1)",
    [ref],
  );
  return rows;
}

/** Up to `limit` paths of a repository's generation in path order, after `after`, matching `regex`. */
export async function filePage(
  tx: Queryable,
  repo: { id: string; generation: number },
  filter: { regex: string | null; after: string | null; limit: number },
): Promise<{ path: string; language: string | null; size: number }[]> {
  const { rows } = await tx.query<{ path: string; language: string | null; size: number }>(
    `select path, language, size from index_files
     where repository_id = $1 and valid_from <= $2 and (valid_to is null or valid_to > $2)
       and ($3::text is null or path ~ $3) and ($4::text is null or path > $4)
     order by path limit $5`,
    [repo.id, repo.generation, filter.regex, filter.after, filter.limit],
  );
  return rows;
}

/** The blob and language at `path` of a repository's generation, if any. */
export async function fileAt(
  tx: Queryable,
  repo: { id: string; generation: number },
  path: string,
): Promise<{ blob_oid: string; language: string | null } | undefined> {
  const { rows } = await tx.query<{ blob_oid: string; language: string | null }>(
    `select blob_oid, language from index_files
     where repository_id = $1 and path = $2 and valid_from <= $3 and (valid_to is null or valid_to > $3)`,
    [repo.id, path, repo.generation],
  );
  return rows[0];
}

/** The chunks of a blob that hold lines `start`..`last`, in order. */
export async function chunksOfLines(
  tx: Queryable,
  orgId: string,
  blobOid: string,
  start: number,
  last: number,
): Promise<{ start_line: number; line_count: number; content: string }[]> {
  const { rows } = await tx.query<{ start_line: number; line_count: number; content: string }>(
    `select start_line, line_count, content from index_chunks
     where org_id = $1 and blob_oid = $2 and start_line <= $4 and start_line + line_count > $3 order by chunk_no`,
    [orgId, blobOid, start, last],
  );
  return rows;
}

/** How many lines a blob has (0 when it has no chunks). */
export async function lineCount(tx: Queryable, orgId: string, blobOid: string): Promise<number> {
  const { rows } = await tx.query<{ n: number }>(
    "select coalesce(max(start_line + line_count - 1), 0)::int as n from index_chunks where org_id = $1 and blob_oid = $2",
    [orgId, blobOid],
  );
  return rows[0]?.n ?? 0;
}

/** Up to `limit` symbols a blob defines (in `language`, when known), in line order. */
export async function symbolsOfBlob(
  tx: Queryable,
  orgId: string,
  blobOid: string,
  language: string | null,
  limit: number,
): Promise<{ name: string; kind: string; container: string | null; start_line: number; end_line: number }[]> {
  const { rows } = await tx.query<{ name: string; kind: string; container: string | null; start_line: number; end_line: number }>(
    `select name, kind, container, start_line, end_line from index_symbols
     where org_id = $1 and blob_oid = $2 and ($3::text is null or language = $3)
     order by start_line, name limit $4`,
    [orgId, blobOid, language, limit],
  );
  return rows;
}
