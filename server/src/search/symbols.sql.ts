/**
 * SQL of symbol lookups over index_symbols: definitions by name (through the name index,
 * ctxpipe_search_symbols), among the visible files of a search or alone, and their signature
 * lines. Every query runs in the caller's org-scoped transaction.
 */
import type { SymbolRow } from "../indexing/index.js";
import type { Queryable } from "../platform/db/tenant.js";
import type { SearchQuery } from "./query-parser.js";
import { fileFilterConditions, Params, type SearchableRepo, type VisibleFile } from "./scan.sql.js";

/** A symbol definition as stored, with the blob and language it belongs to. */
export interface SymbolHit extends Omit<SymbolRow, "signature"> {
  blobOid: string;
  language: string;
  /** The line that holds the name (1-based). */
  nameLine: number;
  /** That line, trimmed: empty until withSignatures fills it. */
  signature: string;
}

/** Longest signature returned. */
export const MAX_SIGNATURE_CHARS = 200;

/**
 * Fills each hit's `signature` with its name line, read from the chunk that holds it (the
 * index stores the line number only).
 */
export async function withSignatures<T extends SymbolHit>(tx: Queryable, hits: T[]): Promise<T[]> {
  const wanted = [...new Map(hits.map((h) => [`${h.blobOid}:${h.nameLine}`, h])).values()];
  if (wanted.length === 0) return hits;
  const { rows } = await tx.query<{ blob_oid: string; line: number; text: string }>(
    `select w.blob as blob_oid, w.line, split_part(c.content, E'\\n', w.line - c.start_line + 1) as text
     from unnest($1::text[], $2::int[]) as w(blob, line)
     cross join lateral (
       select c.start_line, c.content from index_chunks c
       where c.org_id = ctxpipe_current_org() and c.blob_oid = w.blob and c.start_line <= w.line
       order by c.chunk_no desc limit 1
     ) c`,
    [wanted.map((h) => h.blobOid), wanted.map((h) => h.nameLine)],
  );
  const text = new Map(rows.map((r) => [`${r.blob_oid}:${r.line}`, r.text.replace(/\r$/, "").trim().slice(0, MAX_SIGNATURE_CHARS)]));
  for (const h of hits) h.signature = text.get(`${h.blobOid}:${h.nameLine}`) ?? "";
  return hits;
}

/** Most definitions of one name read to find those in a search's blobs. */
const MAX_DEFINITIONS_PER_NAME = 20_000;

/**
 * Every definition whose name equals one of `names` (case-insensitive, at most
 * MAX_DEFINITIONS_PER_NAME each), through the name index (ctxpipe_search_symbols). Callers
 * keep those of the blobs they hold.
 */
export async function definitionsNamed(tx: Queryable, names: string[]): Promise<SymbolHit[]> {
  if (names.length === 0) return [];
  const { rows } = await tx.query<SymbolRecord>(
    `select s.blob_oid, s.language, s.name, s.kind, s.container, s.start_line, s.end_line, s.name_line
     from unnest($1::text[]) as n(name)
     cross join lateral ctxpipe_search_symbols('exact', n.name, $2) s`,
    [names, MAX_DEFINITIONS_PER_NAME],
  );
  return rows.map(toSymbolHit);
}

/** A row of ctxpipe_search_symbols. */
interface SymbolRecord {
  blob_oid: string;
  language: string;
  name: string;
  kind: string;
  container: string | null;
  start_line: number;
  end_line: number;
  name_line: number;
}

function toSymbolHit(r: SymbolRecord): SymbolHit {
  return {
    blobOid: r.blob_oid,
    language: r.language,
    name: r.name,
    kind: r.kind,
    container: r.container,
    startLine: r.start_line,
    endLine: r.end_line,
    nameLine: r.name_line,
    signature: "",
  };
}

/** How a symbol name is compared. */
export type NameMatch = "exact" | "prefix" | "substring" | "fuzzy";

/** Prefixes that mark a private name (`#x` in JavaScript, `_x` and `__x` by convention). */
const PRIVATE_PREFIXES = ["#", "_", "__"];

/**
 * The names an `exact` or `prefix` lookup of `name` tries: the name itself, and when it does not
 * start with a private prefix, the name behind each one (`dispatch` finds `#dispatch`).
 */
export function privateNameVariants(name: string): string[] {
  return /^[\p{L}\p{N}$]/u.test(name) ? [name, ...PRIVATE_PREFIXES.map((p) => p + name)] : [name];
}

/**
 * Symbol definitions among visible files, by name. `exact` and `prefix` ignore case and also
 * match a private name behind its prefix (privateNameVariants); `fuzzy` uses trigram
 * similarity (through ctxpipe_search_symbols, for the indexes). Ordered exact first, then
 * private names that match exactly, then shorter names.
 */
export async function findSymbols(
  tx: Queryable,
  repos: SearchableRepo[],
  query: SearchQuery,
  name: string,
  options: { match: NameMatch; kinds?: string[]; limit: number },
): Promise<(SymbolHit & VisibleFile)[]> {
  const params = new Params();
  const where = [
    "f.blob_oid = b.blob_oid",
    "f.valid_from <= r.gen",
    "(f.valid_to is null or f.valid_to > r.gen)",
    "b.language = coalesce(f.language, b.language)",
  ];
  where.push(...fileFilterConditions(query, params));
  const kinds = options.kinds?.length ? `where s.kind = any(${params.add(options.kinds)}::text[])` : "";
  const exactParam = params.add(name.toLowerCase());
  const names = options.match === "exact" || options.match === "prefix" ? privateNameVariants(name) : [name];
  const variantsParam = params.add(names.map((n) => n.toLowerCase()));
  // Candidates first (bounded), then each one's visible files through the blob index: a
  // symbol of a file outside the published generations or filters is dropped here.
  const { rows } = await tx.query(
    `with s as materialized (
       select s.* from unnest(${params.add(names)}::text[]) as n(name)
       cross join lateral ctxpipe_search_symbols(${params.add(options.match)}, n.name, ${params.add(Math.max(options.limit * 20, 1000))}) s ${kinds}
     ),
     v as (
       select b.blob_oid, b.language, f.repository_id, f.path from (select distinct blob_oid, language from s) b
       cross join lateral (
         select f.repository_id, f.path from index_files f
         join unnest(${params.add(repos.map((r) => r.id))}::uuid[], ${params.add(repos.map((r) => r.generation))}::int[]) as r(id, gen) on r.id = f.repository_id
         where ${where.join(" and ")}
       ) f
     )
     select s.blob_oid, s.language, s.name, s.kind, s.container, s.start_line, s.end_line, s.name_line, v.repository_id, v.path
     from s join v on v.blob_oid = s.blob_oid and v.language = s.language
     order by (lower(s.name) = ${exactParam}) desc, (lower(s.name) = any(${variantsParam}::text[])) desc, length(s.name), v.path, s.start_line
     limit ${params.add(options.limit)}`,
    params.values,
  );
  return rows.map((r) => ({ ...toSymbolHit(r), repositoryId: r.repository_id, path: r.path, language: r.language }));
}
