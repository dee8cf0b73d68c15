/**
 * A question in words (search mode `question`): ranks files instead of requiring every word.
 * The question's terms (indexing/terms/code-terms.ts) are weighted by the org's document
 * frequencies; the index stores each blob's terms with the level of their weight, so the most
 * telling (term, level) keys are read through the GIN index within POSTINGS_BUDGET (rare
 * terms at every level, common ones where they weigh most), files whose path holds a rare
 * term join them, and BM25 ranks the blobs in Postgres (question.sql.ts); then each visible
 * file scores its content, its path's words and the question's hints (question-rank.ts).
 * With a semantic ranker (the embeddings capability), its hits are fused by reciprocal rank.
 * Each result is cited with its best lines. Bounded: the postings budget, a page of at most
 * `limit` files, the search's time budget (`partial: timeout` when it runs out).
 */
import { LEVEL_TF, questionExpansions, questionTerms, termId } from "../indexing/index.js";
import type { Database } from "../platform/db/database.js";
import { type TenantScope, withTenant } from "../platform/db/tenant.js";
import { AppError } from "../platform/errors.js";
import { recordSearch } from "../platform/telemetry/spans.js";
import { emptyQuery } from "./query-parser.js";
import {
  bestLines,
  fuseRankings,
  languagesNamed,
  QUESTION_LINES_PER_FILE,
  repositoriesNamed,
  pathScore,
  scoreQuestionFile,
  type QuestionHints,
  type WeightedTerm,
} from "./question-rank.js";
import * as qsql from "./question.sql.js";
import { decodeCursor, encodeCursor, facetsOf, responseOf, type SearchInput, type SearchResponse, type SearchResult } from "./result-page.js";
import * as sql from "./scan.sql.js";

/** Candidates by meaning for a question (the embeddings capability), best first. */
export interface SemanticRanker {
  rank(
    scope: TenantScope,
    input: { question: string; limit: number; signal?: AbortSignal },
  ): Promise<{ hits: Array<{ blobOid: string; score: number }>; note?: string }>;
}

/** Most postings (blob, key) read from the term index for one question. */
export const POSTINGS_BUDGET = 5000;
/** Blobs ranked by BM25 and passed on to the file ranking. */
const RANKED_BLOBS = 200;
/** Files whose path holds one of the question's rarer terms, per term. */
const PATH_MATCHES_PER_TERM = 100;
/** Terms whose path matches are looked up (the rarest). */
const PATH_TERMS = 3;
/** Most terms of one question (the rest are dropped, the latest first). */
const MAX_QUESTION_TERMS = 24;
/** Hits asked of the semantic ranker. */
const SEMANTIC_HITS = 50;
/** Chunks read per page file for its best lines. */
const LINE_CHUNKS = 4;

/** BM25's inverse document frequency. */
function idf(blobs: number, df: number): number {
  return Math.log(1 + (blobs - df + 0.5) / (df + 0.5));
}

/** One ranked file of a question. */
interface RankedFile {
  key: string;
  file: sql.VisibleFile;
  repo: sql.SearchableRepo;
  score: number;
}

/**
 * Answers a question in the caller's organisation.
 * @throws AppError invalid_cursor (400).
 */
export async function searchQuestion(db: Database, scope: TenantScope, input: SearchInput, semantic?: SemanticRanker): Promise<SearchResponse> {
  const started = performance.now();
  const offset = decodeCursor(input.cursor);
  if (input.query.includes("\u0000")) throw new AppError("invalid_query", 400, "Invalid question: it contains a NUL character.");
  const notes: string[] = [];
  const parsed = questionTerms(input.query);
  const hints: QuestionHints = { languages: languagesNamed(input.query), asksForConfig: parsed.asksForConfig };
  let partialReason: SearchResponse["partialReason"];
  let searchedRepositories = 0;
  let indexing: SearchResponse["indexing"];

  // The semantic ranker works beside the lexical ranking, within the same budget.
  const semanticHits = semantic
    ? semantic
        .rank(scope, { question: input.query, limit: SEMANTIC_HITS, signal: AbortSignal.timeout(Math.max(100, input.budgetMs * 0.7)) })
        .catch((err: unknown) => ({ hits: [], note: `embeddings unavailable: lexical only (${err instanceof Error ? err.name : "error"})` }))
    : undefined;

  const run = withTenant(
    db,
    scope,
    async (tx) => {
      await tx.query(`set local statement_timeout = ${Math.max(100, Math.min(input.budgetMs, 60_000))}`);
      if (input.withIndexing) indexing = await sql.repositoriesNotReady(tx);
      let repos = await sql.searchableRepos(tx, { repos: [], excludeRepos: [] });
      // A repository the question names scopes it, and its name is no search term.
      const named = repositoriesNamed(
        input.query,
        repos.map((r) => r.name),
      );
      if (named.names.length > 0) {
        repos = repos.filter((r) => named.names.includes(r.name));
        notes.push(`scoped to ${named.names.join(", ")}`);
      }
      searchedRepositories = repos.length;
      if (repos.length === 0) return undefined;
      const nameTerms = new Set(questionTerms([...named.words].join(" ")).terms);
      named.words.forEach((w) => nameTerms.add(w));
      const asked = parsed.terms.filter((t) => !nameTerms.has(t)).slice(0, MAX_QUESTION_TERMS);
      if (asked.length === 0) return undefined;
      // Abbreviations and acronyms the code may use for the question's words count less.
      const terms = [
        ...asked.map((term) => ({ term, factor: 1, expansion: false })),
        ...questionExpansions(input.query)
          .filter((e) => !asked.includes(e.term) && !nameTerms.has(e.term))
          .slice(0, MAX_QUESTION_TERMS)
          .map((e) => ({ ...e, expansion: true })),
      ];

      const stats = await qsql.termStatistics(
        tx,
        terms.map((t) => termId(t.term)),
      );

      const dfOf = (id: number) => [0, 1, 2, 3].reduce((sum, level) => sum + (stats.df.get(id | level) ?? 0), 0);
      const weighted: (WeightedTerm & { id: number; df: number; expansion: boolean })[] = terms
        .map(({ term, factor, expansion }) => {
          const id = termId(term);
          const df = dfOf(id);
          return { term, id, df, expansion, weight: idf(Math.max(stats.blobs, 1), df) * factor };
        })
        // An expansion no blob holds says nothing.
        .filter((t) => !t.expansion || t.df > 0);
      // Every key (term and weight level) a blob may hold; the most telling are read through
      // the index (idf × the level's frequency, best first) until their postings reach the
      // budget: rare terms at every level, common ones only where they weigh most.
      const keys = weighted.flatMap((t, term) =>
        LEVEL_TF.map((tf, level) => ({ key: t.id | level, term, tf, scan: false, df: stats.df.get(t.id | level) ?? 0, impact: t.weight * tf })),
      );
      let postings = 0;
      for (const k of keys.filter((k) => k.df > 0).sort((a, b) => b.impact - a.impact || a.df - b.df)) {
        if (postings > 0 && postings + k.df > POSTINGS_BUDGET) continue;
        k.scan = true;
        postings += k.df;
      }
      // Paths that hold the rarest terms (a term no content holds may still name a file).
      const pathFiles = new Map<string, sql.VisibleFile>();
      const pathTerms = weighted
        .map((t) => ({ ...t, prefix: parsed.prefixes.get(t.term) ?? t.term }))
        .filter((t) => t.prefix.length >= 3 && !t.expansion)
        .sort((a, b) => a.df - b.df);
      for (const t of pathTerms.slice(0, PATH_TERMS)) {
        for (const f of await sql.pathMatches(tx, repos, emptyQuery(), { kind: "literal", value: t.prefix, negated: false }, PATH_MATCHES_PER_TERM)) {
          pathFiles.set(`${f.repositoryId}\u0000${f.path}`, f);
        }
      }

      const ranked = await qsql.rankBlobs(tx, {
        keys: keys.filter((k) => k.df > 0),
        weights: weighted.map((t) => t.weight),
        averageLength: stats.averageLength,
        extra: [...new Set([...pathFiles.values()].map((f) => f.blobOid))],
        // With a named repository only its blobs count (in SQL); otherwise visibleFiles below drops
        // blobs no published file holds.
        repos: named.names.length > 0 ? repos : undefined,
        limit: RANKED_BLOBS,
      });

      const byBlob = new Map(ranked.map((r) => [r.blobOid, r]));
      const files = new Map<string, sql.VisibleFile>(pathFiles);
      for (const f of await sql.visibleFiles(
        tx,
        repos,
        emptyQuery(),
        ranked.map((r) => r.blobOid),
        ranked.length * 5,
      )) {
        files.set(`${f.repositoryId}\u0000${f.path}`, f);
      }

      const repoById = new Map(repos.map((r) => [r.id, r]));
      const scored: RankedFile[] = [...files].map(([key, file]) => {
        const blob = byBlob.get(file.blobOid);
        const contentTerms = new Set(weighted.filter((_, i) => blob !== undefined && (blob.mask >> BigInt(i)) & 1n).map((t) => t.term));
        const score = scoreQuestionFile({ path: file.path, language: file.language, content: blob?.score ?? 0, contentTerms }, weighted, hints);
        return { key, file, repo: repoById.get(file.repositoryId)!, score };
      });
      let order = scored
        .filter((s) => s.score > 0)
        .sort((a, b) => b.score - a.score || a.repo.name.localeCompare(b.repo.name) || a.file.path.localeCompare(b.file.path));

      // Fusion with the semantic ranking, file by file (a blob counts for each visible file that holds it).
      if (semanticHits) {
        const answer = await semanticHits;
        if (answer.hits.length > 0) {
          const semanticFiles = await sql.visibleFiles(
            tx,
            repos,
            emptyQuery(),
            answer.hits.map((h) => h.blobOid),
            answer.hits.length * 5,
          );
          const rankOfBlob = new Map(answer.hits.map((h, i) => [h.blobOid, i]));
          semanticFiles.sort((a, b) => rankOfBlob.get(a.blobOid)! - rankOfBlob.get(b.blobOid)! || a.path.localeCompare(b.path));
          const all = new Map(order.map((o) => [o.key, o]));
          for (const f of semanticFiles) {
            const key = `${f.repositoryId}\u0000${f.path}`;
            if (!all.has(key)) all.set(key, { key, file: f, repo: repoById.get(f.repositoryId)!, score: 0 });
          }
          const fused = fuseRankings([order.map((o) => o.key), semanticFiles.map((f) => `${f.repositoryId}\u0000${f.path}`)]);
          order = fused.map((key, i) => ({ ...all.get(key)!, score: 1 / (60 + i + 1) }));
        }
      }

      const page = order.slice(offset, offset + input.limit);

      const results = await present(tx, page, weighted);
      return {
        results,
        total: order.length,
        nextCursor: offset + input.limit < order.length ? encodeCursor(offset + input.limit) : null,
        facets: facetsOf(order.map((o) => ({ repository: o.repo.name, language: o.file.language }))),
      };
    },
    { snapshot: true },
  );

  let page: Awaited<typeof run> | undefined;
  try {
    page = await run;
  } catch (err) {
    if ((err as { code?: string }).code !== "57014") throw err;
    partialReason = "timeout";
  }
  const semanticNote = semanticHits ? (await semanticHits).note : undefined;
  if (semanticNote) notes.push(semanticNote);
  recordSearch((performance.now() - started) / 1000, partialReason !== undefined);
  return responseOf({ page, partialReason, searchedRepositories, indexing, mode: "question", notes, started });
}

/** The page's files with their best lines and the definitions on them. */
async function present(tx: Parameters<typeof qsql.leadingChunks>[0], page: RankedFile[], terms: WeightedTerm[]): Promise<SearchResult[]> {
  const blobs = [...new Set(page.map((p) => p.file.blobOid))];
  const chunks = await qsql.leadingChunks(tx, blobs, LINE_CHUNKS);
  const definitions = await qsql.blobDefinitions(tx, blobs, 300);
  return page.map(({ file, repo, score }) => {
    const defs = definitions.filter((d) => d.blobOid === file.blobOid && d.language === (file.language ?? d.language));
    const lines = bestLines(
      chunks.filter((c) => c.blobOid === file.blobOid),
      terms,
      new Set(defs.map((d) => d.nameLine)),
    );
    const shown = new Set(lines.map((l) => l.line));
    return {
      repository: { id: repo.id, name: repo.name },
      commit: repo.commit,
      path: file.path,
      language: file.language,
      score: Math.round(score * 1000) / 1000,
      pathMatch: pathScore(file.path, terms).matched.size > 0,
      definitions: defs
        .filter((d) => shown.has(d.nameLine))
        .slice(0, QUESTION_LINES_PER_FILE)
        .map((d) => ({ name: d.name, kind: d.kind, line: d.startLine, container: d.container })),
      lines,
      moreLines: 0,
    };
  });
}
