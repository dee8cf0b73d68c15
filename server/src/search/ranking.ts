/**
 * Ranks matching files. Signals, strongest first: the file defines a symbol named like the
 * query (for sym:, an exact name beats a longer one), the file name or path contains it, then
 * match quality (exact-case, whole-word, how many lines match). When the query's letters
 * carry case (`TODO`, `HttpClient`), case is meaningful even in a case-insensitive search: a
 * definition that matches only ignoring case is a weak signal, and exact-case text beats any
 * number of other-case lines. Test and fixture paths rank lower. Ties break on repository name
 * and path, so the order is deterministic.
 */

/** What ranking needs to know about one candidate file. */
export interface RankSignals {
  repoName: string;
  path: string;
  /** Defines a symbol named as the query, in the query's case (or the query is all lower case). */
  definesQuerySymbol: boolean;
  /** Defines a symbol named as the query only when case is ignored (`todo` for `TODO`). */
  definesQuerySymbolIgnoringCase: boolean;
  symbolFilterMatch: boolean;
  /** A sym: hit whose name equals the sym: value (ignoring case). */
  symbolExactMatch: boolean;
  fileNameMatch: boolean;
  pathMatch: boolean;
  matchingLines: number;
  wordMatches: number;
  exactCaseMatches: number;
  /** The search ignores case but the query has upper-case letters: exact case is then a strong signal. */
  caseMeaningful: boolean;
}

const TEST_PATH = /(^|\/)(tests?|__tests__|spec|specs|fixtures?|testdata|examples?)(\/|$)|[._-](test|spec)\.[a-z0-9]+$/i;

/** Score of one file; higher ranks first. */
export function scoreFile(s: RankSignals): number {
  let score = 0;
  if (s.definesQuerySymbol) score += 1000;
  else if (s.definesQuerySymbolIgnoringCase) score += 20;
  if (s.symbolFilterMatch) score += 300;
  if (s.symbolExactMatch) score += 150;
  if (s.fileNameMatch) score += 200;
  else if (s.pathMatch) score += 80;
  score += Math.min(s.matchingLines, 50) * 2;
  if (s.wordMatches > 0) score += 40;
  if (s.exactCaseMatches > 0) score += s.caseMeaningful ? 150 : 10;
  if (isTestPath(s.path)) score -= 60;
  score -= s.path.split("/").length;
  return score;
}

/** True for test and fixture paths (`test/`, `__tests__/`, `*.test.ts`, `*_spec.rb`, …). */
export function isTestPath(path: string): boolean {
  return TEST_PATH.test(path);
}

/** What ranking a file of references needs to know (find_references). */
export interface ReferenceFileSignals {
  path: string;
  /** The file holds a definition of the name. */
  holdsDefinition: boolean;
  /** The file sits in the same directory as a definition (of the same repository). */
  besideDefinition: boolean;
  /** The file's language is a definition's language (code that can call it, not prose). */
  definitionLanguage: boolean;
  /** Lines in the file that use the name. */
  references: number;
}

/**
 * Score of one file of references; higher first. Code near a definition first (its own file,
 * then its directory), code in the definition's language next, prose after; test and fixture
 * paths below non-test code whatever their place; more uses and shallower paths break the
 * rest.
 */
export function scoreReferenceFile(s: ReferenceFileSignals): number {
  let score = 0;
  if (s.holdsDefinition) score += 200;
  else if (s.besideDefinition) score += 100;
  if (s.definitionLanguage) score += 50;
  if (isTestPath(s.path)) score -= 400;
  score += Math.min(s.references, 10) * 2;
  score -= s.path.split("/").length;
  return score;
}

/** Sorts candidates by score (desc), then repository name and path. */
export function rank<T extends { score: number; repoName: string; path: string }>(items: T[]): T[] {
  return items.sort((a, b) => b.score - a.score || a.repoName.localeCompare(b.repoName) || a.path.localeCompare(b.path));
}
