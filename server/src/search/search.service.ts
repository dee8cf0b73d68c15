/**
 * Code search: parses the query, finds matching files in the published index generation of
 * every repository in scope, ranks them, and returns a page of files with their matching
 * lines (and context). Deterministic for a given index state. Bounded: a candidate limit and
 * a time budget; hitting either returns what was found, flagged `partial`.
 */
import type { Database } from "../platform/db/database.js";
import { withTenant, type TenantScope } from "../platform/db/tenant.js";
import { AppError } from "../platform/errors.js";
import { compilePattern, matchLines, rangesIn, type LineMatch } from "./line-matcher.js";
import { parseQuery, QueryError, type Pattern, type SearchQuery } from "./query-parser.js";
import { rank, scoreFile } from "./ranking.js";
import * as sql from "./search.sql.js";

/** Most candidate blobs examined per or-group. */
export const MAX_CANDIDATE_BLOBS = 500;
/** Most lines shown per file. */
export const MAX_LINES_PER_FILE = 20;

/** Input of a search. */
export interface SearchInput {
  query: string;
  limit: number;
  cursor?: string;
  /** Context lines before and after each match (0-10). */
  context: number;
  /** Time budget in milliseconds. */
  budgetMs: number;
}

/** A line in a result: a match (with ranges) or context. */
export interface ResultLine {
  line: number;
  text: string;
  ranges?: [number, number][];
  context?: true;
}

/** One matching file. */
export interface SearchResult {
  repository: { id: string; name: string };
  commit: string;
  path: string;
  language: string | null;
  score: number;
  pathMatch: boolean;
  definitions: { name: string; kind: string; line: number; container: string | null }[];
  lines: ResultLine[];
  /** Matching lines beyond those shown. */
  moreLines: number;
}

/** A page of results. */
export interface SearchResponse {
  results: SearchResult[];
  nextCursor: string | null;
  partial: boolean;
  partialReason?: "too_many_matches" | "timeout";
  stats: { matchedFiles: number; searchedRepositories: number; durationMs: number };
}

interface Candidate {
  file: sql.VisibleFile;
  repo: sql.SearchableRepo;
  patterns: Pattern[];
  pathMatch: boolean;
  symbolHits: sql.SymbolHit[];
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
}

function decodeCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  try {
    const { o } = JSON.parse(Buffer.from(cursor, "base64url").toString()) as { o: unknown };
    if (typeof o === "number" && Number.isInteger(o) && o >= 0 && o <= 100_000) return o;
  } catch {
    // fall through
  }
  throw new AppError("invalid_cursor", 400, "The cursor is not valid: pass nextCursor from the previous page.");
}

/**
 * Parses `text`.
 * @throws AppError invalid_query (400) with the offset of the problem in `details`.
 */
export function parseOrThrow(text: string): SearchQuery {
  try {
    return parseQuery(text);
  } catch (err) {
    if (err instanceof QueryError) {
      throw new AppError("invalid_query", 400, `Invalid query at character ${err.offset + 1}: ${err.message}.`, { details: { offset: err.offset } });
    }
    throw err;
  }
}

const WORD = /[\p{L}\p{N}_]/u;
const IDENTIFIER = /^[\p{L}_$][\p{L}\p{N}_$]*$/u;

/** The identifier a pattern names, if it is one (`foo`, or the regex `\bfoo\b`): for definitions. */
function identifierOf(pattern: Pattern): string | undefined {
  const value = pattern.kind === "regex" ? pattern.value.replace(/^\\b|\\b$/g, "") : pattern.value;
  return IDENTIFIER.test(value) ? value : undefined;
}

function isWordMatch(text: string, [start, end]: [number, number]): boolean {
  return !WORD.test(text[start - 1] ?? " ") && !WORD.test(text[end] ?? " ");
}

/**
 * Runs a search in the caller's organisation.
 * @throws AppError invalid_query / invalid_cursor (400); a Postgres regex the database rejects
 *   is reported as invalid_query too.
 */
export async function searchCode(db: Database, scope: TenantScope, input: SearchInput): Promise<SearchResponse> {
  const started = performance.now();
  const query = parseOrThrow(input.query);
  const offset = decodeCursor(input.cursor);
  let partialReason: SearchResponse["partialReason"];
  const candidates = new Map<string, Candidate>();
  let searchedRepositories = 0;

  const run = withTenant(db, scope, async (tx) => {
    await tx.query(`set local statement_timeout = ${Math.max(100, Math.min(input.budgetMs, 60_000))}`);
    const repos = await sql.searchableRepos(tx, query);
    searchedRepositories = repos.length;
    if (repos.length === 0) return;
    const repoById = new Map(repos.map((r) => [r.id, r]));
    const add = (file: sql.VisibleFile, patterns: Pattern[], pathMatch: boolean) => {
      const key = `${file.repositoryId}\u0000${file.path}`;
      const existing = candidates.get(key);
      if (existing) {
        existing.patterns.push(...patterns.filter((p) => !existing.patterns.includes(p)));
        existing.pathMatch ||= pathMatch;
      } else {
        candidates.set(key, { file, repo: repoById.get(file.repositoryId)!, patterns: [...patterns], pathMatch, symbolHits: [] });
      }
    };

    const within = query.groups.length > 0 ? await sql.filteredBlobs(tx, repos, query) : undefined;
    for (const group of query.groups) {
      const positive = group.filter((p) => !p.negated);
      const { blobs, capped } = await sql.matchingBlobs(tx, scope.orgId, repos, query, group, MAX_CANDIDATE_BLOBS, within);
      if (capped || blobs.length >= MAX_CANDIDATE_BLOBS) partialReason = "too_many_matches";
      for (const file of await sql.visibleFiles(tx, repos, query, blobs, MAX_CANDIDATE_BLOBS * 4)) add(file, positive, false);
      if (positive.length === 1 && group.length === 1 && positive[0]!.kind === "literal") {
        for (const file of await sql.pathMatches(tx, repos, query, positive[0]!, 100)) add(file, positive, true);
      }
    }

    if (query.symbols.length > 0) {
      const contentKeys = query.groups.length > 0 ? new Set(candidates.keys()) : undefined;
      const bySymbol = new Map<string, Candidate>();
      for (const name of query.symbols) {
        for (const hit of await sql.findSymbols(tx, scope.orgId, repos, query, name, { match: "substring", limit: MAX_CANDIDATE_BLOBS })) {
          const key = `${hit.repositoryId}\u0000${hit.path}`;
          if (contentKeys && !contentKeys.has(key)) continue;
          const candidate = candidates.get(key) ?? { file: hit, repo: repoById.get(hit.repositoryId)!, patterns: [], pathMatch: false, symbolHits: [] };
          candidate.symbolHits.push(hit);
          bySymbol.set(key, candidate);
        }
      }
      // With sym:, only files that define a matching symbol are results.
      candidates.clear();
      for (const [key, c] of bySymbol) candidates.set(key, c);
    } else if (query.groups.length === 0) {
      for (const file of await sql.visibleFiles(tx, repos, query, undefined, MAX_CANDIDATE_BLOBS)) add(file, [], true);
      if (candidates.size >= MAX_CANDIDATE_BLOBS) partialReason = "too_many_matches";
    }
    return rankAndPresent(tx, scope.orgId, query, [...candidates.values()], offset, input);
    // One snapshot for every statement: a generation published (and old rows collected)
    // while this search runs cannot change what it sees.
  }, { snapshot: true });

  let page: Awaited<ReturnType<typeof rankAndPresent>> | undefined;
  try {
    page = await run;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "57014") {
      partialReason = "timeout";
    } else if (code === "2201B") {
      throw new AppError("invalid_query", 400, `Invalid query: the regex is not supported (${(err as Error).message}).`);
    } else {
      throw err;
    }
  }
  return {
    results: page?.results ?? [],
    nextCursor: page?.nextCursor ?? null,
    partial: partialReason !== undefined,
    ...(partialReason ? { partialReason } : {}),
    stats: { matchedFiles: page?.total ?? 0, searchedRepositories, durationMs: Math.round(performance.now() - started) },
  };
}

async function rankAndPresent(
  tx: Parameters<Parameters<typeof withTenant>[2]>[0],
  orgId: string,
  query: SearchQuery,
  candidates: Candidate[],
  offset: number,
  input: SearchInput,
) {
  const blobs = [...new Set(candidates.map((c) => c.file.blobOid))];
  const allPatterns = [...new Set(candidates.flatMap((c) => c.patterns))];
  const chunks = await sql.matchingChunks(tx, orgId, blobs, allPatterns, query.caseSensitive);
  const chunksByBlob = new Map<string, sql.ChunkRow[]>();
  for (const chunk of chunks) (chunksByBlob.get(chunk.blobOid) ?? chunksByBlob.set(chunk.blobOid, []).get(chunk.blobOid)!).push(chunk);
  const literalNames = [...new Set(allPatterns.map(identifierOf).filter((n): n is string => n !== undefined))];
  const definitions = await sql.definitionsIn(tx, orgId, blobs, literalNames);
  const defsByBlob = new Map<string, sql.SymbolHit[]>();
  for (const d of definitions) (defsByBlob.get(d.blobOid) ?? defsByBlob.set(d.blobOid, []).get(d.blobOid)!).push(d);

  const scored = candidates.map((c) => {
    const matchers = c.patterns.map((p) => compilePattern(p, query.caseSensitive));
    const lines: LineMatch[] = [];
    for (const chunk of chunksByBlob.get(c.file.blobOid) ?? []) lines.push(...matchLines(chunk.content, chunk.startLine, matchers));
    for (const hit of c.symbolHits) {
      if (!lines.some((l) => l.line === hit.startLine)) lines.push({ line: hit.startLine, text: hit.signature, ranges: rangesIn(hit.signature, [new RegExp(hit.name.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&"), "g")]) });
    }
    lines.sort((a, b) => a.line - b.line);
    const defs = (defsByBlob.get(c.file.blobOid) ?? []).filter((d) => d.language === (c.file.language ?? d.language));
    const fileName = c.file.path.split("/").at(-1) ?? c.file.path;
    const lowerName = query.caseSensitive ? fileName : fileName.toLowerCase();
    const fileNameMatch = c.patterns.some((p) => p.kind === "literal" && lowerName.includes(query.caseSensitive ? p.value : p.value.toLowerCase()));
    let wordMatches = 0;
    let exactCaseMatches = 0;
    for (const l of lines) {
      for (const r of l.ranges) {
        if (isWordMatch(l.text, r)) wordMatches++;
        const matched = l.text.slice(r[0], r[1]);
        if (c.patterns.some((p) => p.kind === "literal" && p.value === matched)) exactCaseMatches++;
      }
    }
    const score = scoreFile({
      repoName: c.repo.name,
      path: c.file.path,
      definesQuerySymbol: defs.length > 0,
      symbolFilterMatch: c.symbolHits.length > 0,
      symbolExactMatch: c.symbolHits.some((h) => query.symbols.some((name) => name.toLowerCase() === h.name.toLowerCase())),
      fileNameMatch,
      pathMatch: c.pathMatch,
      matchingLines: lines.length,
      wordMatches,
      exactCaseMatches,
    });
    return { candidate: c, lines, defs, score, repoName: c.repo.name, path: c.file.path };
  });
  // A content candidate whose lines did not match (the pattern spanned chunks) is dropped,
  // unless its path or a symbol matched.
  const kept = rank(scored.filter((s) => s.lines.length > 0 || s.candidate.pathMatch || s.candidate.symbolHits.length > 0));
  const pageItems = kept.slice(offset, offset + input.limit);
  const results = await withContext(tx, orgId, pageItems, chunksByBlob, input.context);
  const next = offset + input.limit < kept.length ? encodeCursor(offset + input.limit) : null;
  return { results, nextCursor: next, total: kept.length };
}

/** Shapes results: caps lines per file and adds context lines around matches. */
async function withContext(
  tx: Parameters<Parameters<typeof withTenant>[2]>[0],
  orgId: string,
  items: { candidate: Candidate; lines: LineMatch[]; defs: sql.SymbolHit[]; score: number }[],
  chunksByBlob: Map<string, sql.ChunkRow[]>,
  context: number,
): Promise<SearchResult[]> {
  // Lines of every chunk we hold, by blob; fetch neighbours when context crosses a boundary.
  const lineText = new Map<string, Map<number, string>>();
  const remember = (chunk: sql.ChunkRow) => {
    const map = lineText.get(chunk.blobOid) ?? lineText.set(chunk.blobOid, new Map()).get(chunk.blobOid)!;
    chunk.content.split("\n").forEach((t, i) => map.set(chunk.startLine + i, t.replace(/\r$/, "")));
  };
  for (const list of chunksByBlob.values()) list.forEach(remember);
  if (context > 0) {
    const wanted: { blobOid: string; chunkNo: number }[] = [];
    for (const item of items) {
      for (const chunk of chunksByBlob.get(item.candidate.file.blobOid) ?? []) {
        wanted.push({ blobOid: chunk.blobOid, chunkNo: chunk.chunkNo - 1 }, { blobOid: chunk.blobOid, chunkNo: chunk.chunkNo + 1 });
      }
    }
    (await sql.chunksByNumber(tx, orgId, wanted.filter((w) => w.chunkNo >= 0))).forEach(remember);
  }
  return items.map(({ candidate, lines, defs, score }) => {
    const shown = lines.slice(0, MAX_LINES_PER_FILE);
    const out = new Map<number, ResultLine>();
    const texts = lineText.get(candidate.file.blobOid);
    for (const m of shown) {
      for (let n = m.line - context; n <= m.line + context; n++) {
        if (n === m.line || out.has(n)) continue;
        const t = texts?.get(n);
        if (t !== undefined) out.set(n, { line: n, text: t.slice(0, 500), context: true });
      }
    }
    for (const m of shown) out.set(m.line, { line: m.line, text: m.text, ranges: m.ranges });
    return {
      repository: { id: candidate.repo.id, name: candidate.repo.name },
      commit: candidate.repo.commit,
      path: candidate.file.path,
      language: candidate.file.language,
      score,
      pathMatch: candidate.pathMatch,
      definitions: dedupeDefinitions([...defs, ...candidate.symbolHits]),
      lines: [...out.values()].sort((a, b) => a.line - b.line),
      moreLines: Math.max(0, lines.length - shown.length),
    };
  });
}

/** One entry per (name, line): a definition can be both a query-literal and a sym: match. */
function dedupeDefinitions(hits: sql.SymbolHit[]): SearchResult["definitions"] {
  const seen = new Map<string, SearchResult["definitions"][number]>();
  for (const d of hits) seen.set(`${d.name}\u0000${d.startLine}`, { name: d.name, kind: d.kind, line: d.startLine, container: d.container });
  return [...seen.values()].sort((a, b) => a.line - b.line);
}
