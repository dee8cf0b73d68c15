/**
 * SQL of code search's scans over the index tables: the searchable repositories, the file
 * filters, chunk scans through the trigram index, path matches, visible files and chunks by
 * number (symbols.sql.ts has the symbol lookups). Every query runs in the caller's org-scoped
 * transaction, and reads only the file rows of each repository's published generation.
 * Pattern conditions use the trigram indexes: ILIKE or LIKE for literals, "~*" or "~" for regexes in
 * newline-sensitive mode ((?n): "." and "^$" stay within a line, like grep).
 */
import type { Queryable } from "../platform/db/tenant.js";
import type { Pattern, SearchQuery } from "./query-parser.js";

/** A repository readers can search: its id, name and published generation. */
export interface SearchableRepo {
  id: string;
  name: string;
  generation: number;
  commit: string;
}

/** A visible file. */
export interface VisibleFile {
  repositoryId: string;
  path: string;
  blobOid: string;
  language: string | null;
}

/** A chunk returned for line matching. */
export interface ChunkRow {
  blobOid: string;
  chunkNo: number;
  startLine: number;
  content: string;
}

/** Collects positional parameters while building a statement. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, "\\$&");
}

/**
 * Rewrites the regex escapes whose meaning differs in Postgres: a word boundary is \y in
 * Postgres (\b there is a backspace), \B is \Y, and \xHH is \u00HH (Postgres' \x takes every
 * hex digit that follows). Used for content patterns and for repo: and file: filters.
 */
export function toPostgresRegex(source: string): string {
  let out = "";
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === "\\" && i + 1 < source.length) {
      const next = source[i + 1]!;
      if (next === "x" && /^[0-9A-Fa-f]{2}$/.test(source.slice(i + 2, i + 4))) {
        // Postgres reads every hex digit after \x: \x41BC would be one character there.
        out += `\\u00${source.slice(i + 2, i + 4)}`;
        i += 3;
        continue;
      }
      out += next === "b" ? "\\y" : next === "B" ? "\\Y" : `\\${next}`;
      i++;
    } else out += ch;
  }
  return out;
}

/** The published, indexed repositories of the org, filtered by repo: patterns. */
export async function searchableRepos(tx: Queryable, query: Pick<SearchQuery, "repos" | "excludeRepos">): Promise<SearchableRepo[]> {
  const params = new Params();
  const where = ["generation > 0", "indexed_commit is not null", "status <> 'unindexing'"];
  for (const r of query.repos) where.push(`name ~* ${params.add(toPostgresRegex(r))}`);
  for (const r of query.excludeRepos) where.push(`name !~* ${params.add(toPostgresRegex(r))}`);
  const { rows } = await tx.query<{ id: string; name: string; generation: number; indexed_commit: string }>(
    `select id, name, generation, indexed_commit from repositories where ${where.join(" and ")} order by name`,
    params.values,
  );
  return rows.map((r) => ({ id: r.id, name: r.name, generation: r.generation, commit: r.indexed_commit }));
}

/** Most repositories `repositoriesNotReady` answers. */
export const MAX_NOT_READY = 20;

/** The org's repositories queued, running or failed (by name, at most MAX_NOT_READY). */
export async function repositoriesNotReady(tx: Queryable): Promise<{ name: string; status: string; indexedCommit: string | null }[]> {
  const { rows } = await tx.query<{ name: string; status: string; indexed_commit: string | null }>(
    "select name, status, indexed_commit from repositories where status in ('queued', 'running', 'failed') order by name limit $1",
    [MAX_NOT_READY],
  );
  return rows.map((r) => ({ name: r.name, status: r.status, indexedCommit: r.indexed_commit }));
}

/** The file: and lang: conditions on the file rows aliased `f`. */
export function fileFilterConditions(query: SearchQuery, params: Params): string[] {
  const where: string[] = [];
  for (const f of query.files) where.push(`f.path ~* ${params.add(toPostgresRegex(f))}`);
  for (const f of query.excludeFiles) where.push(`f.path !~* ${params.add(toPostgresRegex(f))}`);
  if (query.langs.length) where.push(`f.language = any(${params.add(query.langs)}::text[])`);
  if (query.excludeLangs.length) where.push(`(f.language is null or not f.language = any(${params.add(query.excludeLangs)}::text[]))`);
  return where;
}

/** Most file rows a file: filter reads through the path index. */
const MAX_PATH_MATCHES = 200_000;

/**
 * `with visible as (...)`: the live files of `repos` after file: and lang: filters. With
 * `blobs`, only files holding them (through the blob index); otherwise, when file: is set,
 * the candidates come from the path trigram index (ctxpipe_match_paths).
 */
function visibleFilesCte(repos: SearchableRepo[], query: SearchQuery, params: Params, blobs?: string[]): string {
  const where = ["f.valid_from <= r.gen", "(f.valid_to is null or f.valid_to > r.gen)"];
  where.push(...fileFilterConditions(query, params));
  if (blobs) where.push(`f.blob_oid = any(${params.add(blobs)}::text[])`);
  const source =
    !blobs && query.files.length > 0
      ? `ctxpipe_match_paths(${params.add(query.files.map(toPostgresRegex))}::text[], ${params.add(MAX_PATH_MATCHES)}::int)`
      : "index_files";
  return `visible as (
    select f.repository_id, f.path, f.blob_oid, f.language
    from ${source} f
    join unnest(${params.add(repos.map((r) => r.id))}::uuid[], ${params.add(repos.map((r) => r.generation))}::int[]) as r(id, gen)
      on r.id = f.repository_id
    where ${where.join(" and ")}
  )`;
}

/** The mode and bound pattern of `ctxpipe_open_chunk_scan` for one pattern. */
export function searchMode(pattern: Pattern, caseSensitive: boolean): { mode: "like" | "ilike" | "regex" | "iregex"; value: string } {
  if (pattern.kind === "literal") return { mode: caseSensitive ? "like" : "ilike", value: `%${escapeLike(pattern.value)}%` };
  return { mode: caseSensitive ? "regex" : "iregex", value: `(?n)${toPostgresRegex(pattern.value)}` };
}

/** Most blobs a file:/lang: filter may select before the trigram scan is restricted to them. */
export const MAX_FILTER_BLOBS = 20_000;

/**
 * The blobs of visible files when file: or lang: filters are set and select few enough
 * (undefined otherwise): the trigram scan is then restricted to them, so a common word in a
 * narrow filter is found completely instead of hitting the chunk limit elsewhere.
 */
export async function filteredBlobs(tx: Queryable, repos: SearchableRepo[], query: SearchQuery): Promise<string[] | undefined> {
  if (query.files.length + query.langs.length === 0) return undefined;
  const params = new Params();
  const cte = visibleFilesCte(repos, query, params);
  const { rows } = await tx.query<{ blob_oid: string }>(
    `with ${cte} select distinct blob_oid from visible order by blob_oid limit ${params.add(MAX_FILTER_BLOBS + 1)}`,
    params.values,
  );
  return rows.length > MAX_FILTER_BLOBS ? undefined : rows.map((r) => r.blob_oid);
}

/**
 * An open scan of the org's chunks that match one pattern, in index order: a cursor opened
 * by ctxpipe_open_chunk_scan (see its migration: under RLS the trigram index could not be used
 * by the app role). Read it in batches with `fetch`, and `close` it when done (it also closes
 * with the transaction).
 */
export interface ChunkScan {
  /** The next `count` matching chunks; fewer means the scan is exhausted. */
  fetch(count: number): Promise<ChunkRow[]>;
  close(): Promise<void>;
}

/** Where a chunk scan looks: the whole org, some blobs, or the first matching chunks of each blob. */
export interface ScanScope {
  /** Milliseconds left for each fetch (its statement_timeout); unset: the transaction's. */
  statementMs?: () => number;
  within?: string[];
  /** With `within`: read at most this many matching chunks per blob, in line order. */
  perBlob?: number;
  /**
   * Only chunks of blobs visible in these repositories' published generations (a repo:
   * filter); the trigram lists' scan checks it before reading a chunk's text.
   */
  visibleIn?: SearchableRepo[];
}

/**
 * Thrown by a chunk scan whose fetch ran past the statement timeout. The fetch ran in a
 * savepoint that was rolled back, so the transaction is still usable: the search goes on with
 * what it has read and reports a partial result.
 */
export class ScanTimeout extends Error {
  constructor() {
    super("the chunk scan ran past the search's time budget");
    this.name = "ScanTimeout";
  }
}

/** Postgres' query_canceled: statement_timeout (or a cancel request). */
const QUERY_CANCELED = "57014";

/**
 * Runs one chunk read in a savepoint, with what is left of the budget as its statement_timeout:
 * when it is cancelled, rolling back to the savepoint keeps the transaction, and what the search
 * already holds, usable.
 * @throws ScanTimeout when the read was cancelled.
 */
export async function inFetchSavepoint<T>(tx: Queryable, statementMs: (() => number) | undefined, read: () => Promise<T>): Promise<T> {
  const ms = statementMs?.();
  await tx.query(ms === undefined ? "savepoint chunk_fetch" : `savepoint chunk_fetch; set local statement_timeout = ${Math.max(50, Math.round(ms))}`);
  try {
    const result = await read();
    await tx.query("release savepoint chunk_fetch");
    return result;
  } catch (err) {
    if ((err as { code?: string }).code !== QUERY_CANCELED) throw err;
    await tx.query("rollback to savepoint chunk_fetch");
    throw new ScanTimeout();
  }
}

/** Opens a scan of the chunks matching `pattern`. */
export async function openChunkScan(tx: Queryable, pattern: Pattern, caseSensitive: boolean, scope: ScanScope = {}): Promise<ChunkScan> {
  const { mode, value } = searchMode(pattern, caseSensitive);
  const { rows } = await tx.query<{ cursor: string }>("select ctxpipe_open_chunk_scan($1, $2, $3::text[], $4::int) as cursor", [
    mode,
    value,
    scope.within ?? null,
    scope.within && scope.perBlob ? scope.perBlob : null,
  ]);
  const name = `"${rows[0]!.cursor.replaceAll('"', '""')}"`;
  let open = true;
  return {
    async fetch(count) {
      if (!open) return [];
      try {
        const res = await inFetchSavepoint(tx, scope.statementMs, () =>
          tx.query<{ blob_oid: string; chunk_no: number; start_line: number; content: string }>(`fetch forward ${Math.max(1, Math.floor(count))} from ${name}`),
        );
        return res.rows.map((r) => ({ blobOid: r.blob_oid, chunkNo: r.chunk_no, startLine: r.start_line, content: r.content }));
      } catch (err) {
        // The cursor failed with the fetch; closing it again would fail too.
        open = false;
        throw err;
      }
    },
    async close() {
      if (open) await tx.query(`close ${name}`);
      open = false;
    },
  };
}

/**
 * The first `perBlob` chunks of each of `blobs` that match `pattern`, at most `cap` in all
 * (`capped` when there may be more). For the few blobs a search already holds: a second
 * pattern of an AND, a negation, the lines of a page.
 */
export async function chunksMatching(
  tx: Queryable,
  pattern: Pattern,
  caseSensitive: boolean,
  blobs: string[],
  limits: { perBlob: number; cap: number },
): Promise<{ chunks: ChunkRow[]; capped: boolean }> {
  if (blobs.length === 0) return { chunks: [], capped: false };
  const scan = await openChunkScan(tx, pattern, caseSensitive, { within: blobs, perBlob: limits.perBlob });
  try {
    const chunks = await scan.fetch(limits.cap + 1);
    return { chunks: chunks.slice(0, limits.cap), capped: chunks.length > limits.cap };
  } finally {
    await scan.close();
  }
}

/** Visible files whose path matches the single positive literal of a group (trigram index). */
export async function pathMatches(tx: Queryable, repos: SearchableRepo[], query: SearchQuery, pattern: Pattern, limit: number): Promise<VisibleFile[]> {
  const params = new Params();
  const where = ["f.valid_from <= r.gen", "(f.valid_to is null or f.valid_to > r.gen)"];
  where.push(...fileFilterConditions(query, params));
  const mode = query.caseSensitive ? "like" : "ilike";
  const { rows } = await tx.query<{ repository_id: string; path: string; blob_oid: string; language: string | null }>(
    `select f.repository_id, f.path, f.blob_oid, f.language
     from ctxpipe_search_paths(${params.add(mode)}, ${params.add(`%${escapeLike(pattern.value)}%`)}, ${params.add(limit * 20)}::int) f
     join unnest(${params.add(repos.map((r) => r.id))}::uuid[], ${params.add(repos.map((r) => r.generation))}::int[]) as r(id, gen) on r.id = f.repository_id
     where ${where.join(" and ")}
     limit ${params.add(limit)}`,
    params.values,
  );
  return rows.map((r) => ({ repositoryId: r.repository_id, path: r.path, blobOid: r.blob_oid, language: r.language }));
}

/** Visible files (after file:/lang: filters) holding any of `blobs`, or all when `blobs` is undefined. */
export async function visibleFiles(
  tx: Queryable,
  repos: SearchableRepo[],
  query: SearchQuery,
  blobs: string[] | undefined,
  limit: number,
): Promise<VisibleFile[]> {
  const params = new Params();
  const cte = visibleFilesCte(repos, query, params, blobs);
  const { rows } = await tx.query<{ repository_id: string; path: string; blob_oid: string; language: string | null }>(
    `with ${cte} select * from visible v order by v.path limit ${params.add(limit)}`,
    params.values,
  );
  return rows.map((r) => ({ repositoryId: r.repository_id, path: r.path, blobOid: r.blob_oid, language: r.language }));
}

/** Specific chunks, for context lines that cross a chunk boundary. */
export async function chunksByNumber(tx: Queryable, orgId: string, wanted: { blobOid: string; chunkNo: number }[]): Promise<ChunkRow[]> {
  if (wanted.length === 0) return [];
  const { rows } = await tx.query<{ blob_oid: string; chunk_no: number; start_line: number; content: string }>(
    `select c.blob_oid, c.chunk_no, c.start_line, c.content from index_chunks c
     join unnest($2::text[], $3::int[]) as w(oid, no) on w.oid = c.blob_oid and w.no = c.chunk_no
     where c.org_id = $1`,
    [orgId, wanted.map((w) => w.blobOid), wanted.map((w) => w.chunkNo)],
  );
  return rows.map((r) => ({ blobOid: r.blob_oid, chunkNo: r.chunk_no, startLine: r.start_line, content: r.content }));
}
