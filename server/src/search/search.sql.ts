/**
 * SQL of code search over the index tables. Every query runs in the caller's org-scoped
 * transaction, and reads only the file rows of each repository's published generation.
 * Pattern conditions use the trigram indexes: ILIKE or LIKE for literals, "~*" or "~" for regexes in
 * newline-sensitive mode ((?n): "." and "^$" stay within a line, like grep).
 */
import type { SymbolRow } from "../indexing/index-writer.js";
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
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, "\\$&");
}

/** The SQL condition for one pattern on `column`. */
function patternCondition(column: string, pattern: Pattern, caseSensitive: boolean, params: Params): string {
  if (pattern.kind === "literal") {
    return `${column} ${caseSensitive ? "like" : "ilike"} ${params.add(`%${escapeLike(pattern.value)}%`)}`;
  }
  return `${column} ${caseSensitive ? "~" : "~*"} ${params.add(`(?n)${toPostgresRegex(pattern.value)}`)}`;
}

/**
 * Rewrites the JavaScript regex escapes whose meaning differs in Postgres: a word boundary
 * is \y in Postgres (\b there is a backspace), and \B is \Y.
 */
export function toPostgresRegex(source: string): string {
  let out = "";
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === "\\" && i + 1 < source.length) {
      const next = source[i + 1]!;
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
  for (const r of query.repos) where.push(`name ~* ${params.add(r)}`);
  for (const r of query.excludeRepos) where.push(`name !~* ${params.add(r)}`);
  const { rows } = await tx.query<{ id: string; name: string; generation: number; indexed_commit: string }>(
    `select id, name, generation, indexed_commit from repositories where ${where.join(" and ")} order by name`,
    params.values,
  );
  return rows.map((r) => ({ id: r.id, name: r.name, generation: r.generation, commit: r.indexed_commit }));
}

/** The file: and lang: conditions on the file rows aliased `f`. */
function fileFilterConditions(query: SearchQuery, params: Params): string[] {
  const where: string[] = [];
  for (const f of query.files) where.push(`f.path ~* ${params.add(f)}`);
  for (const f of query.excludeFiles) where.push(`f.path !~* ${params.add(f)}`);
  if (query.langs.length) where.push(`f.language = any(${params.add(query.langs)}::text[])`);
  if (query.excludeLangs.length) where.push(`(f.language is null or not f.language = any(${params.add(query.excludeLangs)}::text[]))`);
  return where;
}

/** `with visible as (...)`: the live files of `repos` after file: and lang: filters. */
function visibleFilesCte(repos: SearchableRepo[], query: SearchQuery, params: Params): string {
  const where = ["f.valid_from <= r.gen", "(f.valid_to is null or f.valid_to > r.gen)"];
  where.push(...fileFilterConditions(query, params));
  return `visible as (
    select f.repository_id, f.path, f.blob_oid, f.language
    from index_files f
    join unnest(${params.add(repos.map((r) => r.id))}::uuid[], ${params.add(repos.map((r) => r.generation))}::int[]) as r(id, gen)
      on r.id = f.repository_id
    where ${where.join(" and ")}
  )`;
}

/** The mode and bound pattern of `ctxpipe_search_blobs` for one pattern. */
function searchMode(pattern: Pattern, caseSensitive: boolean): { mode: string; value: string } {
  if (pattern.kind === "literal") return { mode: caseSensitive ? "like" : "ilike", value: `%${escapeLike(pattern.value)}%` };
  return { mode: caseSensitive ? "regex" : "iregex", value: `(?n)${toPostgresRegex(pattern.value)}` };
}

/** Most chunks examined per pattern; more makes the search partial. */
export const MAX_CHUNKS_PER_PATTERN = 20_000;

/** `exists (...)`: blob `alias.blob_oid` is held by a visible file (file: and lang: applied). */
function visibleBlobCondition(alias: string, orgParam: string, repos: SearchableRepo[], query: SearchQuery, params: Params): string {
  const where = [`f.org_id = ${orgParam}`, `f.blob_oid = ${alias}.blob_oid`, "f.valid_from <= r.gen", "(f.valid_to is null or f.valid_to > r.gen)"];
  where.push(...fileFilterConditions(query, params));
  return `exists (select 1 from index_files f
    join unnest(${params.add(repos.map((r) => r.id))}::uuid[], ${params.add(repos.map((r) => r.generation))}::int[]) as r(id, gen) on r.id = f.repository_id
    where ${where.join(" and ")})`;
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
  const { rows } = await tx.query<{ blob_oid: string }>(`with ${cte} select distinct blob_oid from visible limit ${params.add(MAX_FILTER_BLOBS + 1)}`, params.values);
  return rows.length > MAX_FILTER_BLOBS ? undefined : rows.map((r) => r.blob_oid);
}

/**
 * Blobs (among visible files) in which every positive pattern of `group` matches and no
 * negative one does. The trigram scans go through ctxpipe_search_blobs (see its migration:
 * under RLS the index could not be used), restricted to `within` when given. `limit` bounds
 * the result; reaching it, or the per-pattern chunk limit, makes the result partial.
 */
export async function matchingBlobs(
  tx: Queryable,
  orgId: string,
  repos: SearchableRepo[],
  query: SearchQuery,
  group: Pattern[],
  limit: number,
  within?: string[],
): Promise<{ blobs: string[]; capped: boolean }> {
  const params = new Params();
  const org = `${params.add(orgId)}::uuid`;
  const positive = group.filter((p) => !p.negated);
  const negative = group.filter((p) => p.negated);
  const chunkLimit = `${params.add(MAX_CHUNKS_PER_PATTERN)}::int`;
  const restrict = within ? `${params.add(within)}::text[]` : "null::text[]";
  const scans = positive.map((p, i) => {
    const { mode, value } = searchMode(p, query.caseSensitive);
    return `p${i} as (select blob_oid, chunks from ctxpipe_search_blobs(${params.add(mode)}, ${params.add(value)}, ${chunkLimit}, ${restrict}))`;
  });
  const intersect = positive.map((_, i) => `select blob_oid from p${i}`).join(" intersect ");
  const capped = positive.map((_, i) => `(select coalesce(sum(chunks), 0) from p${i}) >= ${chunkLimit}`).join(" or ");
  let filter = visibleBlobCondition("h", org, repos, query, params);
  if (negative.length) {
    filter += ` and not exists (select 1 from index_chunks n where n.org_id = ${org} and n.blob_oid = h.blob_oid and (${negative
      .map((p) => patternCondition("n.content", p, query.caseSensitive, params))
      .join(" or ")}))`;
  }
  const { rows } = await tx.query<{ blob_oid: string | null; capped: boolean }>(
    `with ${scans.join(", ")},
       hits as (select h.blob_oid from (${intersect}) h where ${filter} limit ${params.add(limit)})
     select blob_oid, (${capped}) as capped from hits
     union all select null, (${capped}) where not exists (select 1 from hits)`,
    params.values,
  );
  return { blobs: rows.filter((r) => r.blob_oid !== null).map((r) => r.blob_oid!), capped: rows[0]?.capped ?? false };
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
export async function visibleFiles(tx: Queryable, repos: SearchableRepo[], query: SearchQuery, blobs: string[] | undefined, limit: number): Promise<VisibleFile[]> {
  const params = new Params();
  const cte = visibleFilesCte(repos, query, params);
  const filter = blobs ? `where v.blob_oid = any(${params.add(blobs)}::text[])` : "";
  const { rows } = await tx.query<{ repository_id: string; path: string; blob_oid: string; language: string | null }>(
    `with ${cte} select * from visible v ${filter} order by v.path limit ${params.add(limit)}`,
    params.values,
  );
  return rows.map((r) => ({ repositoryId: r.repository_id, path: r.path, blobOid: r.blob_oid, language: r.language }));
}

/** The chunks of `blobs` in which any of `patterns` matches. */
export async function matchingChunks(tx: Queryable, orgId: string, blobs: string[], patterns: Pattern[], caseSensitive: boolean): Promise<ChunkRow[]> {
  if (blobs.length === 0 || patterns.length === 0) return [];
  const params = new Params();
  const conds = patterns.map((p) => patternCondition("content", p, caseSensitive, params));
  const { rows } = await tx.query<{ blob_oid: string; chunk_no: number; start_line: number; content: string }>(
    `select blob_oid, chunk_no, start_line, content from index_chunks
     where org_id = ${params.add(orgId)} and blob_oid = any(${params.add(blobs)}::text[]) and (${conds.join(" or ")})
     order by blob_oid, chunk_no`,
    params.values,
  );
  return rows.map((r) => ({ blobOid: r.blob_oid, chunkNo: r.chunk_no, startLine: r.start_line, content: r.content }));
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

/** A symbol definition as stored, with the blob and language it belongs to. */
export interface SymbolHit extends SymbolRow {
  blobOid: string;
  language: string;
}

/** Definitions in `blobs` whose name equals one of `names` (case-insensitive). */
export async function definitionsIn(tx: Queryable, orgId: string, blobs: string[], names: string[]): Promise<SymbolHit[]> {
  if (blobs.length === 0 || names.length === 0) return [];
  const { rows } = await tx.query<{ blob_oid: string; language: string; name: string; kind: string; container: string | null; start_line: number; end_line: number; signature: string }>(
    `select blob_oid, language, name, kind, container, start_line, end_line, signature from index_symbols
     where org_id = $1 and blob_oid = any($2::text[]) and lower(name) = any($3::text[])`,
    [orgId, blobs, names.map((n) => n.toLowerCase())],
  );
  return rows.map(toSymbolHit);
}

function toSymbolHit(r: { blob_oid: string; language: string; name: string; kind: string; container: string | null; start_line: number; end_line: number; signature: string }): SymbolHit {
  return { blobOid: r.blob_oid, language: r.language, name: r.name, kind: r.kind, container: r.container, startLine: r.start_line, endLine: r.end_line, signature: r.signature };
}

/** How a symbol name is compared. */
export type NameMatch = "exact" | "prefix" | "substring" | "fuzzy";

/**
 * Symbol definitions among visible files, by name. `exact` and `prefix` ignore case; `fuzzy`
 * uses trigram similarity (through ctxpipe_search_symbols, for the indexes). Ordered exact
 * first, then shorter names.
 */
export async function findSymbols(
  tx: Queryable,
  _orgId: string,
  repos: SearchableRepo[],
  query: SearchQuery,
  name: string,
  options: { match: NameMatch; kinds?: string[]; limit: number },
): Promise<(SymbolHit & VisibleFile)[]> {
  const params = new Params();
  const cte = visibleFilesCte(repos, query, params);
  const lowered = name.toLowerCase();
  const where = ["s.language = coalesce(v.language, s.language)"];
  if (options.kinds?.length) where.push(`s.kind = any(${params.add(options.kinds)}::text[])`);
  const exactParam = params.add(lowered);
  // Candidates first (bounded), then visibility: a symbol of a file outside the published
  // generations or filters is dropped here.
  const { rows } = await tx.query(
    `with ${cte}
     select s.blob_oid, s.language, s.name, s.kind, s.container, s.start_line, s.end_line, s.signature, v.repository_id, v.path
     from ctxpipe_search_symbols(${params.add(options.match)}, ${params.add(name)}, ${params.add(Math.max(options.limit * 20, 1000))}) s
     join visible v on v.blob_oid = s.blob_oid
     where ${where.join(" and ")}
     order by (lower(s.name) = ${exactParam}) desc, length(s.name), v.path, s.start_line
     limit ${params.add(options.limit)}`,
    params.values,
  );
  return rows.map((r) => ({ ...toSymbolHit(r), repositoryId: r.repository_id, path: r.path, language: r.language }));
}
