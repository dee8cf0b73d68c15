/**
 * Ranking of files for a question in words, pure: BM25 of the file's content (from the term
 * index) plus its path's words, how much of the question the file covers, hints the question
 * gives (a repository or a language it names, a question about settings), and demotions of
 * tests, docs, changelogs, examples and generated files. Also the reciprocal rank fusion with
 * a semantic ranking, and the best lines of a file for the question. No I/O.
 */
import { pathTerms, questionTerms, splitIdentifier } from "../indexing/index.js";
import { isTestPath } from "./ranking.js";

/** A query term with its weight (idf, with the question's boosts). */
export interface WeightedTerm {
  term: string;
  weight: number;
  /** An abbreviation or acronym of the question's words: it can cover them, it is not one more to cover. */
  expansion?: boolean;
}

/** What the question says beyond its terms. */
export interface QuestionHints {
  /** Language ids the question names ("in the Python code"). */
  languages: string[];
  /** The question asks which setting, option, flag or variable controls something. */
  asksForConfig: boolean;
}

/** Language names a question may use, to language ids (and the ids of the same family). */
const LANGUAGE_WORDS: ReadonlyMap<string, string[]> = new Map([
  ["python", ["python"]],
  ["typescript", ["typescript", "tsx"]],
  ["javascript", ["javascript", "typescript", "tsx"]],
  ["golang", ["go"]],
  ["rust", ["rust"]],
  ["java", ["java"]],
  ["kotlin", ["kotlin"]],
  ["ruby", ["ruby"]],
  ["php", ["php"]],
  ["swift", ["swift"]],
  ["scala", ["scala"]],
  ["csharp", ["csharp"]],
  ["c#", ["csharp"]],
  ["c++", ["cpp"]],
  ["cpp", ["cpp"]],
  ["shell", ["shell"]],
  ["bash", ["shell"]],
  ["sql", ["sql"]],
]);

/**
 * Language ids named in a question: a language's name, or "Go" when it is written with its
 * capital or followed by code, module, package, files, side or server ("go" is also a verb).
 */
export function languagesNamed(question: string): string[] {
  const found = new Set<string>();
  const words = question.split(/[^\p{L}\p{N}#+]+/u).filter(Boolean);
  words.forEach((word, i) => {
    const lower = word.toLowerCase();
    for (const id of LANGUAGE_WORDS.get(lower) ?? []) found.add(id);
    if (lower === "go" && (word === "Go" || /^(code|module|modules|package|packages|files?|side|server|services?)$/i.test(words[i + 1] ?? ""))) found.add("go");
  });
  return [...found];
}

/**
 * The repositories a question names: a repository's whole name, or its last path segment
 * (`acme/billing-api` by "billing-api" or "billing api"), ignoring case. Names of fewer than
 * three characters do not count. Answers the names and the question words they used.
 */
export function repositoriesNamed(question: string, repositories: readonly string[]): { names: string[]; words: Set<string> } {
  const tokens = question
    .toLowerCase()
    .split(/[^\p{L}\p{N}._/-]+/u)
    .filter(Boolean)
    .map((t) => t.replace(/[?.!,:;]+$/, ""));
  const names: string[] = [];
  const words = new Set<string>();
  for (const name of repositories) {
    const whole = name.toLowerCase();
    const last = whole.split("/").at(-1) ?? whole;
    const forms = [...new Set([whole, last])].filter((f) => f.length >= 3);
    let hit = false;
    for (const form of forms) {
      if (tokens.includes(form)) {
        hit = true;
        words.add(form);
      }
      // The name's words in a row ("billing api" for billing-api).
      const parts = splitIdentifier(form).map((p) => p.toLowerCase());
      if (parts.length > 1) {
        for (let i = 0; i + parts.length <= tokens.length; i++) {
          if (parts.every((p, j) => tokens[i + j] === p)) {
            hit = true;
            parts.forEach((p) => words.add(p));
          }
        }
      }
    }
    if (hit) names.push(name);
  }
  return { names, words };
}

const DOC_PATH = /(^|\/)(docs?|documentation|adr|rfcs?)\/|\.(md|mdx|markdown|rst|txt|adoc)$/i;
const CHANGELOG_PATH = /(^|\/)(changelog|changes|history|news|releases?|release-notes)[^/]*$/i;
const EXAMPLE_PATH = /(^|\/)(examples?|samples?|demos?|benchmarks?|bench)\//i;
const GENERATED_PATH = /(\.min\.|\.generated\.|_pb2?\.|\.pb\.go$|(^|\/)(dist|build|gen|generated)\/|\.snap$|\.lock$)/i;
const CONFIG_PATH =
  /(^|\/)([^/]*(config|settings|options|env|environment|flags|schema|defaults)[^/]*|\.env[^/]*|[^/]*\.(toml|ini|cfg|conf|properties|ya?ml))$/i;
/** Lines that define or read a setting: environment variables, config keys, flags. */
const CONFIG_LINE = /process\.env|os\.environ|os\.getenv|getenv\(|env\.|ENV\[|viper\.|flag\.(String|Int|Bool|Duration)|add_argument\(|\bdefault\s*[:=]/;

/** File names that say nothing about their file: their directory names them. */
const GENERIC_FILE_NAMES = /^(index|main|mod|lib|init|__init__|__main__|package|types)\.[a-z0-9]+$/i;

/** What the file ranking needs to know about one file. */
export interface QuestionFileSignals {
  path: string;
  language: string | null;
  /** BM25 of the blob's content for the question (0 when it was not ranked). */
  content: number;
  /** Terms of the question the content holds. */
  contentTerms: ReadonlySet<string>;
}

/** How a file's path words match the question: a score, and the terms matched. */
export function pathScore(path: string, terms: readonly WeightedTerm[]): { score: number; matched: Set<string> } {
  const { dirs, name } = pathTerms(path);
  // A generic file name (index.ts, main.go, __init__.py) is named by its directory.
  const segments = path.split("/");
  const generic = GENERIC_FILE_NAMES.test(segments.at(-1) ?? "") && segments.length > 1;
  const nameSet = new Set(generic ? pathTerms(`${segments.at(-2)}`).name : name);
  const dirSet = new Set(dirs);
  let score = 0;
  const matched = new Set<string>();
  for (const t of terms) {
    if (nameSet.has(t.term)) {
      score += t.weight * 1.2;
      matched.add(t.term);
    } else if (dirSet.has(t.term)) {
      score += t.weight * 0.5;
      matched.add(t.term);
    }
  }
  return { score, matched };
}

/**
 * Score of a file for a question; higher first. BM25 of the content and the path's words
 * (the file name counts most), scaled by how much of the question the file covers; then the
 * hints (named language ×3, a settings file for a settings question ×1.6) and demotions
 * (tests ×0.4, changelogs ×0.3, docs ×0.6, examples and benchmarks ×0.6, generated ×0.3).
 */
export function scoreQuestionFile(file: QuestionFileSignals, terms: readonly WeightedTerm[], hints: QuestionHints): number {
  const path = pathScore(file.path, terms);
  // The share of the question's weight the file holds anywhere (content or path), at most 1.
  const total = terms.reduce((sum, t) => sum + (t.expansion ? 0 : t.weight), 0) || 1;
  const held = terms.reduce((sum, t) => sum + (file.contentTerms.has(t.term) || path.matched.has(t.term) ? t.weight : 0), 0);
  const covered = Math.min(1, held / total);
  let score = (file.content + path.score) * (0.5 + covered);
  if (hints.languages.length > 0 && file.language && hints.languages.includes(file.language)) score *= 3;
  if (hints.asksForConfig && CONFIG_PATH.test(file.path)) score *= 1.6;
  if (isTestPath(file.path)) score *= 0.4;
  if (CHANGELOG_PATH.test(file.path)) score *= 0.3;
  else if (DOC_PATH.test(file.path)) score *= 0.6;
  if (EXAMPLE_PATH.test(file.path)) score *= 0.6;
  if (GENERATED_PATH.test(file.path)) score *= 0.3;
  return score;
}

/**
 * Reciprocal rank fusion (k = 60) of ranked lists of keys: each key scores the sum of
 * 1 / (k + rank) over the lists it is in (rank from 1). Best first; ties keep the first list's order.
 */
export function fuseRankings(lists: readonly (readonly string[])[], k = 60): string[] {
  const scores = new Map<string, { score: number; first: number }>();
  lists.forEach((list, l) => {
    list.forEach((key, i) => {
      const entry = scores.get(key) ?? { score: 0, first: l * 1_000_000 + i };
      entry.score += 1 / (k + i + 1);
      scores.set(key, entry);
    });
  });
  return [...scores].sort((a, b) => b[1].score - a[1].score || a[1].first - b[1].first).map(([key]) => key);
}

/** A line picked for a question, with the ranges of the question's words on it. */
export interface QuestionLine {
  line: number;
  text: string;
  ranges: [number, number][];
}

/** Most lines shown per file for a question. */
export const QUESTION_LINES_PER_FILE = 4;
/** Longest line shown. */
const MAX_LINE_CHARS = 300;

/**
 * The lines where the question's terms concentrate: each line scores the weight of the
 * distinct terms it holds (a definition line counts half again, a comment a quarter). The
 * best `max`, in line order, with the ranges of the words that matched.
 */
export function bestLines(
  chunks: readonly { startLine: number; content: string }[],
  terms: readonly WeightedTerm[],
  definitionLines: ReadonlySet<number>,
  max = QUESTION_LINES_PER_FILE,
): QuestionLine[] {
  const weight = new Map(terms.map((t) => [t.term, t.weight]));
  const termsOf = new Map<string, string[]>();
  // A line can hold a term only if it holds the start of its stem: most lines are skipped here.
  const probe = new RegExp(
    terms.map((t) => t.term.slice(0, t.term.length <= 3 ? t.term.length : Math.max(3, t.term.length - 1)).replace(/[^\p{L}\p{N}]/gu, "")).join("|"),
    "iu",
  );
  const scored: { line: number; text: string; score: number; ranges: [number, number][] }[] = [];
  for (const chunk of chunks) {
    const lines = chunk.content.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i]!.replace(/\r$/, "").slice(0, MAX_LINE_CHARS);
      if (!probe.test(text)) continue;
      const hits = new Map<string, number>();
      const ranges: [number, number][] = [];
      for (const m of text.matchAll(/[\p{L}_$][\p{L}\p{N}_$]*/gu)) {
        let found = termsOf.get(m[0]);
        if (!found) {
          found = questionTerms(m[0]).terms.filter((t) => weight.has(t));
          termsOf.set(m[0], found);
        }
        if (found.length === 0) continue;
        for (const t of found) hits.set(t, weight.get(t)!);
        ranges.push([m.index, m.index + m[0].length]);
      }
      if (hits.size === 0) continue;
      const line = chunk.startLine + i;
      let score = [...hits.values()].reduce((a, b) => a + b, 0);
      if (definitionLines.has(line)) score *= 1.5;
      else if (/^\s*(\/\/|\/\*|\*|#|--|"""|''')/.test(text)) score *= 1.25;
      scored.push({ line, text, score, ranges });
    }
  }
  return scored
    .sort((a, b) => b.score - a.score || a.line - b.line)
    .slice(0, max)
    .sort((a, b) => a.line - b.line)
    .map(({ line, text, ranges }) => ({ line, text, ranges }));
}

/** True for lines that define or read a setting (for settings questions). */
export function isConfigLine(text: string): boolean {
  return CONFIG_LINE.test(text);
}
