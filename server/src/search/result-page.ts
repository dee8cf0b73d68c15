/**
 * Turns candidates into a page of results: matching lines from the chunks held (plus more for
 * page files whose reads were cut), ranking (search/ranking.ts), the page cut, context lines
 * and the cursor of the next page.
 */
import { AppError } from "../platform/errors.js";
import { identifierOf, type Candidate, type Candidates, type PartialReason, type Tx } from "./candidates.js";
import { matchLines, rangesIn, type LineMatch } from "./line-matcher.js";
import { hunksInOrder, orderMatchLines } from "./line-order.js";
import type { Pattern, SearchQuery } from "./query-parser.js";
import { rank, scoreFile } from "./ranking.js";
import * as sql from "./scan.sql.js";
import type * as symbolSql from "./symbols.sql.js";
import { compileTextPattern, type TextPattern } from "./text-pattern.js";
import type { WorkBudget } from "./work-budget.js";
import type { SearchMode } from "./question-mode.js";

/** Most lines shown per file. */
export const MAX_LINES_PER_FILE = 20;
/** Most matching chunks read per file of a page (moreLines counts the matches in them). */
const PAGE_CHUNKS_PER_FILE = 4;

/** Input of a search. */
export interface SearchInput {
  /** The query language, or a question in words (see `mode`). */
  query: string;
  /**
   * `query`: the query language; `question`: a question in words, files ranked for it;
   * `auto` (the default): a question when the text reads as prose with no operator.
   */
  mode?: SearchMode;
  limit: number;
  cursor?: string;
  /** Context lines before and after each match (0-10). */
  context: number;
  /** Time budget in milliseconds. */
  budgetMs: number;
  /**
   * Also answer the repositories still indexing or failed, read in the search's own snapshot
   * (MCP's search_code notes them; REST never asks).
   */
  withIndexing?: boolean;
}

/** A repository not (or not freshly) searchable: queued, running or failed. */
export interface IndexingRepository {
  name: string;
  status: string;
  indexedCommit: string | null;
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

/** Most values listed per facet (the most frequent first). */
export const MAX_FACET_VALUES = 30;

/** A facet value and how many matching files have it. */
export interface FacetCount {
  /** A repository name, or a language id (null: files with no detected language). */
  value: string | null;
  count: number;
}

/**
 * Counts of every matching file (stats.matchedFiles, not only the page) by repository and by
 * language: the counts of a facet add up to matchedFiles when it lists every value.
 */
export interface SearchFacets {
  repositories: FacetCount[];
  languages: FacetCount[];
}

/** A page of results. */
export interface SearchResponse {
  results: SearchResult[];
  /** Code queries: counts of all matching files by repository and language. */
  facets?: SearchFacets;
  /** For `type:doc` queries: the matching documents (results is then empty). */
  documents?: DocumentResult[];
  nextCursor: string | null;
  partial: boolean;
  partialReason?: PartialReason;
  stats: { matchedFiles: number; searchedRepositories: number; durationMs: number };
  /** With `withIndexing`: the repositories still indexing or failed (at most 20, by name). */
  indexing?: IndexingRepository[];
  /** Which mode ran: the query language or a question in words. */
  mode: "query" | "question";
  /** Questions: what shaped the answer (a repository it was scoped to, embeddings unavailable). */
  notes?: string[];
}

/** What a finished search has to say, in either mode: its page (when it got that far) and how it ran. */
export interface SearchOutcome {
  page?: { results: SearchResult[]; facets: SearchFacets; nextCursor: string | null; total: number };
  partialReason?: PartialReason;
  searchedRepositories: number;
  indexing?: IndexingRepository[];
  mode: SearchResponse["mode"];
  notes?: string[];
  /** performance.now() when the search started. */
  started: number;
}

/** The response of a search, from its outcome (both modes answer the same shape). */
export function responseOf(outcome: SearchOutcome): SearchResponse {
  const { page, partialReason, indexing, notes } = outcome;
  return {
    results: page?.results ?? [],
    facets: page?.facets ?? { repositories: [], languages: [] },
    nextCursor: page?.nextCursor ?? null,
    partial: partialReason !== undefined,
    ...(partialReason ? { partialReason } : {}),
    stats: { matchedFiles: page?.total ?? 0, searchedRepositories: outcome.searchedRepositories, durationMs: Math.round(performance.now() - outcome.started) },
    ...(indexing ? { indexing } : {}),
    mode: outcome.mode,
    ...(notes && notes.length > 0 ? { notes: [...new Set(notes)] } : {}),
  };
}

/** A matching document (Confluence page), as the documents capability answers it. */
export interface DocumentResult {
  id: string;
  title: string;
  space: { key: string; name: string };
  url: string;
  version: number;
  author: string | null;
  updatedAt: string;
  citation: string;
  lines: { line: number; text: string; ranges: [number, number][] }[];
}

/** Searches documents with a parsed `type:doc` query (the documents capability, injected). */
export type DocumentSearch = (
  scope: { orgId: string; userId?: string },
  query: SearchQuery,
  limit: number,
) => Promise<{ documents: DocumentResult[]; partial: boolean }>;

/** Counts of `files` by repository and by language, the most frequent first (ties by value). */
export function facetsOf(files: { repository: string; language: string | null }[]): SearchFacets {
  const count = (key: (f: (typeof files)[number]) => string | null): FacetCount[] => {
    const counts = new Map<string | null, number>();
    for (const f of files) counts.set(key(f), (counts.get(key(f)) ?? 0) + 1);
    return [...counts]
      .map(([value, n]) => ({ value, count: n }))
      .sort((a, b) => b.count - a.count || (a.value ?? "\uffff").localeCompare(b.value ?? "\uffff"))
      .slice(0, MAX_FACET_VALUES);
  };
  return { repositories: count((f) => f.repository), languages: count((f) => f.language) };
}

/** The cursor of the page that starts at `offset`. */
export function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
}

/**
 * The offset a cursor points at (0 without one).
 * @throws AppError invalid_cursor (400).
 */
export function decodeCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  try {
    const { o } = JSON.parse(Buffer.from(cursor, "base64url").toString()) as { o: unknown };
    if (typeof o === "number" && Number.isInteger(o) && o >= 0 && o <= 100_000) return o;
  } catch {
    // fall through
  }
  throw new AppError("invalid_cursor", 400, "The cursor is not valid: pass nextCursor from the previous page.");
}

const WORD = /[\p{L}\p{N}_]/u;

function isWordMatch(text: string, [start, end]: [number, number]): boolean {
  return !WORD.test(text[start - 1] ?? " ") && !WORD.test(text[end] ?? " ");
}

/** Compiles each pattern once per search. */
function patternCompiler(caseSensitive: boolean): (pattern: Pattern) => TextPattern {
  const compiled = new Map<Pattern, TextPattern>();
  return (pattern) => compiled.get(pattern) ?? compiled.set(pattern, compileTextPattern(pattern, caseSensitive)).get(pattern)!;
}

/** The matching lines of a candidate in the chunks held for its blob, plus its sym: hits. */
function linesOf(c: Candidate, chunks: sql.ChunkRow[], compile: (pattern: Pattern) => TextPattern): LineMatch[] {
  const matchers = c.patterns.map(compile);
  const lines: LineMatch[] = [];
  if (matchers.length > 0) for (const chunk of chunks) lines.push(...matchLines(chunk.content, chunk.startLine, matchers));
  for (const hit of c.symbolHits) {
    if (!lines.some((l) => l.line === hit.nameLine))
      lines.push({
        line: hit.nameLine,
        text: hit.signature,
        ranges: rangesIn(hit.signature, [compileTextPattern({ kind: "literal", value: hit.name }, true)]),
      });
  }
  return lines.sort((a, b) => a.line - b.line);
}

/**
 * Ranks the candidates and returns the page at `offset`, with the total, the facets of every
 * ranked file and the next cursor.
 * Line matching runs under `budget`: when it runs out, the candidates not yet matched are
 * left out and `timedOut` is set (the page is then partial).
 */
export async function rankAndPresent(tx: Tx, orgId: string, query: SearchQuery, found: Candidates, offset: number, input: SearchInput, budget: WorkBudget) {
  const candidates = [...found.byKey.values()];
  const blobs = [...new Set(candidates.map((c) => c.file.blobOid))];
  const allPatterns = [...new Set(candidates.flatMap((c) => c.patterns))];
  const literalNames = [...new Set(allPatterns.map(identifierOf).filter((n): n is string => n !== undefined))];
  const held = new Set(blobs);
  const definitions = (await found.definitionsOf(tx, literalNames)).filter((d) => held.has(d.blobOid));
  const defsByBlob = new Map<string, symbolSql.SymbolHit[]>();
  for (const d of definitions) (defsByBlob.get(d.blobOid) ?? defsByBlob.set(d.blobOid, []).get(d.blobOid)!).push(d);

  // Names typed all in lower case say nothing about case: any-case definitions count in full.
  const lowerCaseNames = new Set(literalNames.filter((n) => n === n.toLowerCase()));
  const caseMeaningful = !query.caseSensitive && allPatterns.some((p) => p.kind === "literal" && p.value !== p.value.toLowerCase());
  const compile = patternCompiler(query.caseSensitive);
  const matched: { candidate: Candidate; lines: LineMatch[] }[] = [];
  let timedOut = false;
  for (const c of candidates) {
    if (!(await budget.breathe())) {
      timedOut = true;
      break;
    }
    matched.push({ candidate: c, lines: linesOf(c, found.chunksOf(c.file.blobOid), compile) });
  }
  const scored = matched.map(({ candidate: c, lines }) => {
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
    const exactDefs = defs.filter((d) => literalNames.includes(d.name) || lowerCaseNames.has(d.name.toLowerCase()));
    const score = scoreFile({
      repoName: c.repo.name,
      path: c.file.path,
      definesQuerySymbol: exactDefs.length > 0,
      definesQuerySymbolIgnoringCase: defs.length > exactDefs.length,
      caseMeaningful,
      symbolFilterMatch: c.symbolHits.length > 0,
      symbolExactMatch: c.symbolHits.some((h) => query.symbols.some((name) => name.toLowerCase() === h.name.toLowerCase())),
      fileNameMatch,
      pathMatch: c.pathMatch,
      matchingLines: lines.length,
      wordMatches,
      exactCaseMatches,
    });
    return { candidate: c, lines, defs, exactDefs, score, repoName: c.repo.name, path: c.file.path };
  });
  // A content candidate whose lines did not match (the pattern spanned chunks) is dropped,
  // unless its path or a symbol matched.
  const kept = rank(scored.filter((s) => s.lines.length > 0 || s.candidate.pathMatch || s.candidate.symbolHits.length > 0));
  const pageItems = kept.slice(offset, offset + input.limit);
  timedOut = (await completeLines(tx, query, found, pageItems, compile, budget)) || timedOut;
  const results = await withContext(tx, orgId, pageItems, found, input.context, compile);
  const next = offset + input.limit < kept.length ? encodeCursor(offset + input.limit) : null;
  const facets = facetsOf(kept.map((s) => ({ repository: s.candidate.repo.name, language: s.candidate.file.language })));
  return { results, nextCursor: next, total: kept.length, facets, timedOut };
}

/**
 * A page file whose matching chunks may not all have been read (its blob is `truncated`) gets
 * them now, up to PAGE_CHUNKS_PER_FILE, and its lines are recomputed, within `budget`. Its
 * rank does not change. True when the budget ran out first.
 */
async function completeLines(
  tx: Tx,
  query: SearchQuery,
  found: Candidates,
  items: { candidate: Candidate; lines: LineMatch[] }[],
  compile: (pattern: Pattern) => TextPattern,
  budget: WorkBudget,
): Promise<boolean> {
  const open = items.filter((i) => found.truncated.has(i.candidate.file.blobOid) && i.lines.length < MAX_LINES_PER_FILE);
  const patterns = [...new Set(open.flatMap((i) => i.candidate.patterns))];
  const blobs = [...new Set(open.map((i) => i.candidate.file.blobOid))];
  try {
    for (const pattern of patterns) {
      found.keepChunks(
        (await sql.chunksMatching(tx, pattern, query.caseSensitive, blobs, { perBlob: PAGE_CHUNKS_PER_FILE, cap: PAGE_CHUNKS_PER_FILE * blobs.length })).chunks,
      );
    }
  } catch (err) {
    // Out of budget: the page keeps the lines it has.
    if (err instanceof sql.ScanTimeout) return true;
    throw err;
  }
  for (const item of open) {
    if (!(await budget.breathe())) return true;
    item.lines = linesOf(item.candidate, found.chunksOf(item.candidate.file.blobOid), compile);
  }
  return false;
}

/**
 * Shapes results: orders each file's lines (line-order.ts: most query terms, then definitions,
 * then line number), keeps the first MAX_LINES_PER_FILE, and adds context lines around them
 * (each match with its context, in the order of the matches).
 */
async function withContext(
  tx: Tx,
  orgId: string,
  items: { candidate: Candidate; lines: LineMatch[]; defs: symbolSql.SymbolHit[]; exactDefs: symbolSql.SymbolHit[]; score: number }[],
  found: Candidates,
  context: number,
  compile: (pattern: Pattern) => TextPattern,
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
    (
      await sql.chunksByNumber(
        tx,
        orgId,
        wanted.filter((w) => w.chunkNo >= 0),
      )
    ).forEach(remember);
  }
  return items.map(({ candidate, lines, defs, exactDefs, score }) => {
    const terms = [...new Set(candidate.patterns.filter((p) => !p.negated))].map(compile);
    // Definitions as the file ranking counts them in full: a name typed with capitals defines
    // only in that case (TODO is not a field named todo).
    const definitionLines = new Set([...exactDefs, ...candidate.symbolHits].map((d) => d.nameLine));
    const shown: ResultLine[] = orderMatchLines(lines, terms, definitionLines)
      .slice(0, MAX_LINES_PER_FILE)
      .map((m) => ({ line: m.line, text: m.text, ranges: m.ranges }));
    const texts = lineText.get(candidate.file.blobOid);
    const contextLine = (n: number): ResultLine | undefined => {
      const t = texts?.get(n);
      return t === undefined ? undefined : { line: n, text: t.slice(0, 500), context: true };
    };
    return {
      repository: { id: candidate.repo.id, name: candidate.repo.name },
      commit: candidate.repo.commit,
      path: candidate.file.path,
      language: candidate.file.language,
      score,
      pathMatch: candidate.pathMatch,
      definitions: dedupeDefinitions([...defs, ...candidate.symbolHits]),
      lines: hunksInOrder(shown, context, contextLine),
      moreLines: Math.max(0, lines.length - shown.length),
    };
  });
}

/** One entry per (name, line): a definition can be both a query-literal and a sym: match. */
function dedupeDefinitions(hits: symbolSql.SymbolHit[]): SearchResult["definitions"] {
  const seen = new Map<string, SearchResult["definitions"][number]>();
  for (const d of hits) seen.set(`${d.name}\u0000${d.startLine}`, { name: d.name, kind: d.kind, line: d.startLine, container: d.container });
  return [...seen.values()].sort((a, b) => a.line - b.line);
}
