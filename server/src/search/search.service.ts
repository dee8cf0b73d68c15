/**
 * Code search: parses the query, finds matching files in the published index generation of
 * every repository in scope, ranks them, and returns a page of files with their matching
 * lines (and context). Deterministic for a given index state. Bounded: a candidate limit and
 * a time budget; hitting either returns what was found, flagged `partial`.
 */
import type { Database } from "../platform/db/database.js";
import { withTenant, type TenantScope } from "../platform/db/tenant.js";
import { AppError } from "../platform/errors.js";
import { GroupScan } from "./group-scan.js";
import { compilePattern, escapeRegex, matchLines, rangesIn, type LineMatch } from "./line-matcher.js";
import { parseQuery, QueryError, type Pattern, type SearchQuery } from "./query-parser.js";
import { rank, scoreFile } from "./ranking.js";
import * as sql from "./search.sql.js";

/** Most lines shown per file. */
export const MAX_LINES_PER_FILE = 20;
/** Most matching chunks read per file of a page (moreLines counts the matches in them). */
const PAGE_CHUNKS_PER_FILE = 8;

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
const DEFINITION_CHUNKS_PER_FILE = 4;

/** Candidate files by repository and path, plus every chunk read per blob. */
class Candidates {
  readonly byKey = new Map<string, Candidate>();
  readonly chunks = new Map<string, Map<number, sql.ChunkRow>>();
  /** Blobs whose matching chunks may not all have been read (a scan or a read was cut). */
  readonly truncated = new Set<string>();
  constructor(private readonly repoById: Map<string, sql.SearchableRepo>) {}

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

  chunksOf(blob: string): sql.ChunkRow[] {
    return [...(this.chunks.get(blob)?.values() ?? [])].sort((a, b) => a.chunkNo - b.chunkNo);
  }
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
  const deadline = started + input.budgetMs * 0.8;
  let partialReason: SearchResponse["partialReason"];
  let searchedRepositories = 0;

  const run = withTenant(db, scope, async (tx) => {
    await tx.query(`set local statement_timeout = ${Math.max(100, Math.min(input.budgetMs, 60_000))}`);
    const repos = await sql.searchableRepos(tx, query);
    searchedRepositories = repos.length;
    if (repos.length === 0) return;
    const found = new Candidates(new Map(repos.map((r) => [r.id, r])));
    const target = candidateTarget(input.limit);

    if (query.symbols.length > 0) {
      await collectSymbolMatches(tx, scope.orgId, repos, query, found);
    } else if (query.groups.length > 0) {
      const within = await sql.filteredBlobs(tx, repos, query);
      for (const group of query.groups) {
        const outcome = await collectGroup(tx, repos, query, group, found, { target, deadline, within });
        partialReason ??= outcome.partialReason;
        await addNamedMatches(tx, scope.orgId, repos, query, group, found);
      }
    } else {
      for (const file of await sql.visibleFiles(tx, repos, query, undefined, target)) found.add(file, [], true);
      if (found.byKey.size >= target) partialReason = "too_many_matches";
    }
    return rankAndPresent(tx, scope.orgId, query, found, offset, input);
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

type Tx = Parameters<Parameters<typeof withTenant>[2]>[0];

/**
 * Reads the matches of one or-group until `target` files are held, the deadline passes or
 * the matches run out. Stopping early makes the result partial.
 */
async function collectGroup(
  tx: Tx,
  repos: sql.SearchableRepo[],
  query: SearchQuery,
  group: Pattern[],
  found: Candidates,
  limits: { target: number; deadline: number; within?: string[] },
): Promise<{ partialReason?: SearchResponse["partialReason"] }> {
  const positive = group.filter((p) => !p.negated);
  const seen = new Set<string>();
  let files = 0;
  const scan = await GroupScan.open(tx, group, query.caseSensitive, limits.within);
  let last: string[] = [];
  const stop = (partialReason: SearchResponse["partialReason"]) => {
    // The scan was cut inside (at most) the blobs of its last batch.
    last.forEach((b) => found.truncated.add(b));
    return { partialReason };
  };
  try {
    // Each later batch is sized to what should complete the target at the files-per-chunk
    // rate seen so far (plus a margin), so a scan reads little past what it needs.
    const nextSize = () => (limits.target - files) / Math.max(files / Math.max(scan.chunksRead, 1), 0.02) * 1.25;
    for (let batch = await scan.next(); batch; batch = await scan.next(nextSize())) {
      found.keepChunks([...batch.values()].flat());
      last = [...batch.keys()];
      const fresh = last.filter((b) => !seen.has(b));
      fresh.forEach((b) => seen.add(b));
      if (fresh.length > 0) {
        for (const file of await sql.visibleFiles(tx, repos, query, fresh, fresh.length * 20)) {
          found.add(file, positive, false);
          files++;
        }
      }
      if (scan.exhausted) break;
      if (files >= limits.target) return stop("too_many_matches");
      if (performance.now() > limits.deadline) return stop("timeout");
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
async function addNamedMatches(tx: Tx, orgId: string, repos: sql.SearchableRepo[], query: SearchQuery, group: Pattern[], found: Candidates): Promise<void> {
  if (group.length !== 1 || group[0]!.kind !== "literal") return;
  const literal = group[0]!;
  for (const file of await sql.pathMatches(tx, repos, query, literal, 100)) found.add(file, group, true);
  const name = identifierOf(literal);
  if (!name) return;
  const defs = (await sql.findSymbols(tx, orgId, repos, query, name, { match: "exact", limit: MAX_DEFINITION_FILES }))
    .filter((d) => !query.caseSensitive || d.name === name);
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
async function collectSymbolMatches(tx: Tx, orgId: string, repos: sql.SearchableRepo[], query: SearchQuery, found: Candidates): Promise<void> {
  const hits: (sql.SymbolHit & sql.VisibleFile)[] = [];
  for (const name of query.symbols) hits.push(...(await sql.findSymbols(tx, orgId, repos, query, name, { match: "substring", limit: MAX_CANDIDATE_FILES })));
  await sql.withSignatures(tx, hits);
  const blobs = [...new Set(hits.map((h) => h.blobOid))];
  const patternsByBlob = new Map<string, Pattern[]>();
  for (const group of query.groups) {
    const scan = await GroupScan.open(tx, group, query.caseSensitive, blobs);
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

/** The matching lines of a candidate in the chunks held for its blob, plus its sym: hits. */
function linesOf(c: Candidate, chunks: sql.ChunkRow[], caseSensitive: boolean): LineMatch[] {
  const matchers = c.patterns.map((p) => compilePattern(p, caseSensitive));
  const lines: LineMatch[] = [];
  if (matchers.length > 0) for (const chunk of chunks) lines.push(...matchLines(chunk.content, chunk.startLine, matchers));
  for (const hit of c.symbolHits) {
    if (!lines.some((l) => l.line === hit.startLine)) lines.push({ line: hit.startLine, text: hit.signature, ranges: rangesIn(hit.signature, [new RegExp(escapeRegex(hit.name), "g")]) });
  }
  return lines.sort((a, b) => a.line - b.line);
}

async function rankAndPresent(tx: Tx, orgId: string, query: SearchQuery, found: Candidates, offset: number, input: SearchInput) {
  const candidates = [...found.byKey.values()];
  const blobs = [...new Set(candidates.map((c) => c.file.blobOid))];
  const allPatterns = [...new Set(candidates.flatMap((c) => c.patterns))];
  const literalNames = [...new Set(allPatterns.map(identifierOf).filter((n): n is string => n !== undefined))];
  const definitions = await sql.definitionsIn(tx, orgId, blobs, literalNames);
  const defsByBlob = new Map<string, sql.SymbolHit[]>();
  for (const d of definitions) (defsByBlob.get(d.blobOid) ?? defsByBlob.set(d.blobOid, []).get(d.blobOid)!).push(d);

  const scored = candidates.map((c) => {
    const lines = linesOf(c, found.chunksOf(c.file.blobOid), query.caseSensitive);
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
  await completeLines(tx, query, found, pageItems);
  const results = await withContext(tx, orgId, pageItems, found, input.context);
  const next = offset + input.limit < kept.length ? encodeCursor(offset + input.limit) : null;
  return { results, nextCursor: next, total: kept.length };
}

/**
 * A page file whose matching chunks may not all have been read (its blob is `truncated`) gets
 * them now, up to PAGE_CHUNKS_PER_FILE, and its lines are recomputed. Its rank does not change.
 */
async function completeLines(tx: Tx, query: SearchQuery, found: Candidates, items: { candidate: Candidate; lines: LineMatch[] }[]): Promise<void> {
  const open = items.filter((i) => found.truncated.has(i.candidate.file.blobOid) && i.lines.length < MAX_LINES_PER_FILE);
  const patterns = [...new Set(open.flatMap((i) => i.candidate.patterns))];
  const blobs = [...new Set(open.map((i) => i.candidate.file.blobOid))];
  for (const pattern of patterns) {
    found.keepChunks((await sql.chunksMatching(tx, pattern, query.caseSensitive, blobs, { perBlob: PAGE_CHUNKS_PER_FILE, cap: PAGE_CHUNKS_PER_FILE * blobs.length })).chunks);
  }
  for (const item of open) item.lines = linesOf(item.candidate, found.chunksOf(item.candidate.file.blobOid), query.caseSensitive);
}

/** Shapes results: caps lines per file and adds context lines around matches. */
async function withContext(
  tx: Parameters<Parameters<typeof withTenant>[2]>[0],
  orgId: string,
  items: { candidate: Candidate; lines: LineMatch[]; defs: sql.SymbolHit[]; score: number }[],
  found: Candidates,
  context: number,
): Promise<SearchResult[]> {
  // Lines of every chunk we hold, by blob; fetch neighbours when context crosses a boundary.
  const lineText = new Map<string, Map<number, string>>();
  const remember = (chunk: sql.ChunkRow) => {
    const map = lineText.get(chunk.blobOid) ?? lineText.set(chunk.blobOid, new Map()).get(chunk.blobOid)!;
    chunk.content.split("\n").forEach((t, i) => map.set(chunk.startLine + i, t.replace(/\r$/, "")));
  };
  const pageBlobs = new Set(items.map((i) => i.candidate.file.blobOid));
  if (context > 0) {
    for (const blob of pageBlobs) found.chunksOf(blob).forEach(remember);
    const wanted: { blobOid: string; chunkNo: number }[] = [];
    for (const blob of pageBlobs) {
      for (const chunk of found.chunksOf(blob)) {
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
