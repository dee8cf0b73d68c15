/**
 * Collects the candidate files of a search: reads each or-group's matches through a
 * streaming scan until it holds enough files (search/group-scan.ts), adds the files that match
 * a single literal by name (paths, definitions), and handles sym: queries. Holds every chunk
 * read, by blob, for the line matching that follows.
 */
import type { Queryable } from "../platform/db/tenant.js";
import { type ContentIndex, GroupScan } from "./group-scan.js";
import type { Pattern, SearchQuery } from "./query-parser.js";
import * as sql from "./scan.sql.js";
import * as symbolSql from "./symbols.sql.js";
import type { WorkBudget } from "./work-budget.js";

/** Why a search returned only part of what matches. */
export type PartialReason = "too_many_matches" | "timeout";

/** A candidate file and what matched it. */
export interface Candidate {
  file: sql.VisibleFile;
  repo: sql.SearchableRepo;
  patterns: Pattern[];
  pathMatch: boolean;
  symbolHits: symbolSql.SymbolHit[];
}

const IDENTIFIER = /^[\p{L}_$][\p{L}\p{N}_$]*$/u;

/** The identifier a pattern names, if it is one (`foo`, or the regex `\bfoo\b`): for definitions. */
export function identifierOf(pattern: Pattern): string | undefined {
  const value = pattern.kind === "regex" ? pattern.value.replace(/^\\b|\\b$/g, "") : pattern.value;
  return IDENTIFIER.test(value) ? value : undefined;
}

/**
 * How many candidate files a search collects before it stops reading matches and ranks them:
 * two pages' worth. Depends on `limit` only, so every page of one query ranks the same set.
 */
export function candidateTarget(limit: number): number {
  return Math.min(Math.max(limit * 2, 20), MAX_CANDIDATE_FILES);
}

/** Most candidate files of one search. */
export const MAX_CANDIDATE_FILES = 1000;
/** Most definitions of a query literal added as candidates (found by name, not by the scan). */
const MAX_DEFINITION_FILES = 50;
/** Matching chunks read per definition file before ranking (the page reads more). */
const DEFINITION_CHUNKS_PER_FILE = 2;

/** Candidate files by repository and path, plus every chunk read per blob. */
export class Candidates {
  readonly byKey = new Map<string, Candidate>();
  readonly chunks = new Map<string, Map<number, sql.ChunkRow>>();
  /** Blobs whose matching chunks may not all have been read (a scan or a read was cut). */
  readonly truncated = new Set<string>();
  private readonly definitions = new Map<string, symbolSql.SymbolHit[]>();
  private readonly within?: Set<string>;
  /**
   * @param within the blobs a file:/lang: filter selects (sql.filteredBlobs), when it does:
   *   definitions outside them are dropped as soon as they are read.
   */
  constructor(
    private readonly repoById: Map<string, sql.SearchableRepo>,
    within?: string[],
  ) {
    if (within) this.within = new Set(within);
  }

  add(file: sql.VisibleFile, patterns: Pattern[], pathMatch: boolean): void {
    const key = `${file.repositoryId}\u0000${file.path}`;
    const existing = this.byKey.get(key);
    if (existing) {
      existing.patterns.push(...patterns.filter((p) => !existing.patterns.includes(p)));
      existing.pathMatch ||= pathMatch;
    } else {
      this.byKey.set(key, { file, repo: this.repoById.get(file.repositoryId)!, patterns: [...patterns], pathMatch, symbolHits: [] });
    }
  }

  keepChunks(rows: Iterable<sql.ChunkRow>): void {
    for (const row of rows) (this.chunks.get(row.blobOid) ?? this.chunks.set(row.blobOid, new Map()).get(row.blobOid)!).set(row.chunkNo, row);
  }

  /**
   * Definitions named like one of `names` (ignoring case), read once per search and name;
   * only those in the filtered blobs when the search has file:/lang: filters.
   */
  async definitionsOf(tx: Tx, names: string[]): Promise<symbolSql.SymbolHit[]> {
    const missing = [...new Set(names.map((n) => n.toLowerCase()))].filter((n) => !this.definitions.has(n));
    if (missing.length > 0) {
      missing.forEach((n) => this.definitions.set(n, []));
      for (const d of await symbolSql.definitionsNamed(tx, missing)) {
        if (!this.within || this.within.has(d.blobOid)) this.definitions.get(d.name.toLowerCase())?.push(d);
      }
    }
    return names.flatMap((n) => this.definitions.get(n.toLowerCase()) ?? []);
  }

  chunksOf(blob: string): sql.ChunkRow[] {
    return [...(this.chunks.get(blob)?.values() ?? [])].sort((a, b) => a.chunkNo - b.chunkNo);
  }
}

/** The org-scoped transaction of a search. */
export type Tx = Queryable;

/**
 * Reads the matches of one or-group until `target` files are held, the deadline passes or
 * the matches run out. Stopping early makes the result partial.
 */
export async function collectGroup(
  tx: Tx,
  repos: sql.SearchableRepo[],
  query: SearchQuery,
  group: Pattern[],
  found: Candidates,
  limits: { target: number; budget: WorkBudget; within?: string[]; statementMs?: () => number; index?: ContentIndex },
): Promise<{ partialReason?: PartialReason }> {
  const positive = group.filter((p) => !p.negated);
  const seen = new Set<string>();
  let files = 0;
  // With repo: filters, the lists' scan skips other repositories' chunks before reading them.
  const visibleIn = query.repos.length + query.excludeRepos.length > 0 ? repos : undefined;
  const scan = await GroupScan.open(tx, group, query.caseSensitive, limits.within, limits.statementMs, limits.index, visibleIn);
  const stop = (partialReason: PartialReason) => {
    if (scan.lastBlob) found.truncated.add(scan.lastBlob);
    return { partialReason };
  };
  try {
    // Each later batch is sized to what should complete the target at the files-per-chunk
    // rate seen so far (plus a margin), so a scan reads little past what it needs; at most
    // twice what was read so far, as the rate of a small sample is rough.
    const nextSize = () => Math.min(((limits.target - files) / Math.max(files / Math.max(scan.chunksRead, 1), 0.02)) * 1.25, scan.chunksRead * 2);
    // A fetch cancelled by the statement timeout ends the scan like the deadline does.
    const next = (size: number) =>
      scan.next(size).catch((err: unknown) => {
        if (err instanceof sql.ScanTimeout) return "timeout" as const;
        throw err;
      });
    // The first batch assumes about one new file per chunk, and stays a little under the target.
    for (let batch = await next(limits.target * 0.8); batch; batch = await next(nextSize())) {
      if (batch === "timeout") return stop("timeout");
      found.keepChunks([...batch.values()].flat());
      const fresh = [...batch.keys()].filter((b) => !seen.has(b));
      fresh.forEach((b) => seen.add(b));
      if (fresh.length > 0) {
        for (const file of await sql.visibleFiles(tx, repos, query, fresh, fresh.length * 20)) {
          found.add(file, positive, false);
          files++;
        }
      }
      if (scan.exhausted) break;
      if (files >= limits.target) return stop("too_many_matches");
      if (!(await limits.budget.breathe())) return stop("timeout");
    }
    return scan.checkCapped ? { partialReason: "too_many_matches" } : {};
  } finally {
    scan.truncated.forEach((b) => found.truncated.add(b));
    await scan.close();
  }
}

/**
 * Adds the files that match a single-literal group by name rather than by content: paths
 * containing the literal, and files that define a symbol named exactly like it. These rank
 * first, so they are found even when the content scan stopped early.
 */
export async function addNamedMatches(tx: Tx, repos: sql.SearchableRepo[], query: SearchQuery, group: Pattern[], found: Candidates): Promise<void> {
  if (group.length !== 1 || group[0]!.kind !== "literal") return;
  const literal = group[0]!;
  for (const file of await sql.pathMatches(tx, repos, query, literal, 100)) found.add(file, group, true);
  const name = identifierOf(literal);
  if (!name) return;
  const named = (await found.definitionsOf(tx, [name])).filter((d) => !query.caseSensitive || d.name === name);
  const byBlob = new Map<string, symbolSql.SymbolHit[]>();
  for (const d of named) (byBlob.get(d.blobOid) ?? byBlob.set(d.blobOid, []).get(d.blobOid)!).push(d);
  // The visible files (filters applied) that hold a definition in their own language; the
  // closest names first (exact case, then shorter), then by path.
  const defs = (await sql.visibleFiles(tx, repos, query, [...byBlob.keys()], byBlob.size * 20))
    .flatMap((file) =>
      (byBlob.get(file.blobOid) ?? []).filter((d) => d.language === (file.language ?? d.language)).map((d) => ({ ...d, ...file, language: d.language })),
    )
    .sort(
      (a, b) => Number(b.name === name) - Number(a.name === name) || a.name.length - b.name.length || a.path.localeCompare(b.path) || a.startLine - b.startLine,
    )
    .slice(0, MAX_DEFINITION_FILES);
  const missing = [...new Set(defs.map((d) => d.blobOid))].filter((b) => !found.chunks.has(b));
  const { chunks } = await sql.chunksMatching(tx, literal, query.caseSensitive, missing, { perBlob: DEFINITION_CHUNKS_PER_FILE, cap: MAX_CANDIDATE_FILES });
  found.keepChunks(chunks);
  for (const blob of missing) if ((found.chunks.get(blob)?.size ?? 0) >= DEFINITION_CHUNKS_PER_FILE) found.truncated.add(blob);
  for (const d of defs) found.add(d, group, false);
}

/**
 * sym: queries: files defining a matching symbol; with content patterns too, only those whose
 * content matches a group (checked within the symbols' blobs).
 */
export async function collectSymbolMatches(
  tx: Tx,
  repos: sql.SearchableRepo[],
  query: SearchQuery,
  found: Candidates,
  index: ContentIndex = "pg_trgm",
): Promise<void> {
  const hits: (symbolSql.SymbolHit & sql.VisibleFile)[] = [];
  for (const name of query.symbols) hits.push(...(await symbolSql.findSymbols(tx, repos, query, name, { match: "substring", limit: MAX_CANDIDATE_FILES })));
  await symbolSql.withSignatures(tx, hits);
  const blobs = [...new Set(hits.map((h) => h.blobOid))];
  const patternsByBlob = new Map<string, Pattern[]>();
  for (const group of query.groups) {
    const scan = await GroupScan.open(tx, group, query.caseSensitive, blobs, undefined, index);
    try {
      for (let batch = await scan.next(); batch; batch = await scan.next()) {
        found.keepChunks([...batch.values()].flat());
        for (const blob of batch.keys()) patternsByBlob.set(blob, [...(patternsByBlob.get(blob) ?? []), ...group.filter((p) => !p.negated)]);
      }
    } finally {
      await scan.close();
    }
  }
  for (const hit of hits) {
    if (query.groups.length > 0 && !patternsByBlob.has(hit.blobOid)) continue;
    found.add(hit, [...new Set(patternsByBlob.get(hit.blobOid) ?? [])], false);
    found.byKey.get(`${hit.repositoryId}\u0000${hit.path}`)!.symbolHits.push(hit);
  }
}
