/**
 * Which mode a search runs in: the query language (`query`) or a question in words
 * (`question`). `auto` reads the text: a question (a question word first or a trailing "?") with
 * no operator of the query language (filters, quotes, /regex/, -negation) is a question;
 * anything else is a query, exactly as before. Several plain words with a function word among
 * them ("retry logic for the outgoing webhook calls") read as prose but may also be a search for
 * all of them: they stay a query, and search answers them as a question only when no file holds
 * them all (`readsAsProse`, search/index.ts). Pure, no I/O.
 */

/** The mode a caller asks for. */
export type SearchMode = "auto" | "query" | "question";

/** Words that open a question. */
const QUESTION_WORDS = new Set([
  "how",
  "where",
  "which",
  "what",
  "why",
  "when",
  "who",
  "whose",
  "does",
  "do",
  "did",
  "is",
  "are",
  "can",
  "could",
  "should",
  "would",
  "will",
  "was",
  "were",
  "has",
  "have",
  "explain",
  "show",
  "find",
  "list",
]);

/** Function words that make a run of plain words read as prose. */
const FUNCTION_WORDS = new Set([
  "the",
  "a",
  "an",
  "of",
  "to",
  "in",
  "for",
  "on",
  "with",
  "by",
  "from",
  "into",
  "is",
  "are",
  "does",
  "and",
  "when",
  "that",
  "this",
]);

/** A filter of the query language (`repo:x`, `-file:y`, `case:yes`, ...). */
const FILTER = /(^|\s)-?(repo|r|file|path|f|lang|language|l|sym|case|type|space):\S/;
/** A plain word: letters (with inner apostrophes, hyphens, dots or slashes), digits, or an identifier. */
const PLAIN_WORD = /^[\p{L}\p{N}_$][\p{L}\p{N}_$'’./+#-]*[?!.,;:]?$/u;

/** The words of `text`, lower case without trailing punctuation, when it is plain words with no operator of the query language. */
function plainWords(text: string): string[] | undefined {
  const trimmed = text.trim();
  if (FILTER.test(trimmed) || trimmed.includes('"')) return undefined;
  const words = trimmed.split(/\s+/).filter(Boolean);
  // A regex (/…/) or a negation (-word) is the query language.
  if (words.some((w) => w.startsWith("/") || (w.startsWith("-") && w.length > 1))) return undefined;
  if (!words.every((w) => PLAIN_WORD.test(w))) return undefined;
  return words.map((w) => w.toLowerCase().replace(/[?!.,;:]+$/, ""));
}

/** True when `text` reads as a question in words rather than a query of the query language. */
export function looksLikeQuestion(text: string): boolean {
  const lower = plainWords(text);
  if (!lower) return false;
  if (text.trim().endsWith("?") && lower.length >= 2) return true;
  return lower.length >= 3 && QUESTION_WORDS.has(lower[0]!);
}

/**
 * True when `text` is several plain words with a function word among them (and no `or`, the
 * query language's operator): prose that is no explicit question.
 */
export function readsAsProse(text: string): boolean {
  const lower = plainWords(text);
  return lower !== undefined && lower.length >= 4 && !lower.includes("or") && lower.some((w) => FUNCTION_WORDS.has(w));
}

/** The mode a search runs in for `mode` and `text`. */
export function resolveMode(mode: SearchMode | undefined, text: string): "query" | "question" {
  if (mode === "query" || mode === "question") return mode;
  return looksLikeQuestion(text) ? "question" : "query";
}
