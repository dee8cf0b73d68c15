/**
 * The words of a topic ("FalkorDB graph database", "packages in the monorepo", "@acme/ui"),
 * for ranking what the organisation knows by them: identifiers split into their words
 * (camelCase, PascalCase, snake_case, kebab-case, @scope/name, digits), lowercased, stemmed
 * lightly and without English stop words. Pure and bounded. The same normalisation reads the
 * text a topic is matched against (`textTokens`), so a term matches a token that starts with it.
 *
 * The stemmer only strips suffixes (never appends), so a stem is a prefix of every form it
 * stands for ("packag" of package, packages, packaging): a stem can also be searched as a
 * literal substring (the document search does).
 *
 * TODO(#29): unify with the search capability's term module (part B) when both are merged.
 */

/** One word of a topic: the whole word, stemmed, and its identifier parts when it splits. */
export interface TopicWord {
  /** The word, lowercased and stemmed (`falkordb`, `packag`). */
  term: string;
  /** Its identifier parts, stemmed, when it has several (`FalkorDB`: falkor, db); else empty. */
  parts: string[];
}

/** Most words of a topic used (a sentence fits). */
export const MAX_TOPIC_WORDS = 12;

/** Words that say nothing about a topic: English function words and question filler. */
const STOP_WORDS = new Set(
  (
    "a about above after all also an and any are as at be been being between both but by can could did do does doing done each " +
    "for from had has have having he her here how i if in into is it its itself just me more most my no nor not of on once only " +
    "or other our ours out over own per same she should so some such than that the their them then there these they this those " +
    "through to too under until up very via was we were what when where which while who whom why will with would you your " +
    "explain find know show tell work works working get gets thing things stuff"
  ).split(" "),
);

/** Strips common English suffixes; the result is a prefix of the word. */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith("ies") && w.length > 4) w = w.slice(0, -3);
  else if (/(?:ss|sh|ch|x|z)es$/.test(w) && w.length > 4) w = w.slice(0, -2);
  else if (w.endsWith("s") && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith("ing") && w.length >= 6) w = w.slice(0, -3);
  else if (w.endsWith("ed") && w.length >= 5) w = w.slice(0, -2);
  else if (w.endsWith("ment") && w.length >= 8) w = w.slice(0, -4);
  else if (w.endsWith("ation") && w.length >= 8) w = w.slice(0, -5);
  if (w.endsWith("e") && w.length > 4) w = w.slice(0, -1);
  return w;
}

/** The identifier parts of a word: `parseHTTPRequest2` → parse, HTTP, Request, 2. */
function identifierParts(word: string): string[] {
  return word
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .replace(/([A-Za-z])(\d)/g, "$1 $2")
    .replace(/(\d)([A-Za-z])/g, "$1 $2")
    .split(" ")
    .filter(Boolean);
}

/** Words of a text: runs of letters and digits (`@acme/ui-kit` → acme, ui, kit; snake_case splits too). */
function rawWords(text: string): string[] {
  return text.match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * The words of a topic, in order, without stop words or repeats, at most MAX_TOPIC_WORDS.
 * A word of one letter is dropped; an identifier keeps its whole form and its parts.
 */
export function topicTerms(topic: string): TopicWord[] {
  const out: TopicWord[] = [];
  const seen = new Set<string>();
  for (const raw of rawWords(topic.slice(0, 1_000))) {
    const lower = raw.toLowerCase();
    if (lower.length < 2 || STOP_WORDS.has(lower)) continue;
    const term = stem(lower);
    if (seen.has(term)) continue;
    seen.add(term);
    const split = identifierParts(raw).map((p) => p.toLowerCase());
    const parts = split.length > 1 ? [...new Set(split.filter((p) => p.length >= 2 && !STOP_WORDS.has(p)).map(stem))] : [];
    out.push({ term, parts });
    if (out.length >= MAX_TOPIC_WORDS) break;
  }
  return out;
}

/** Every distinct term of `topicTerms`, whole words and parts, for a coarse filter. */
export function flatTerms(words: TopicWord[]): string[] {
  return [...new Set(words.flatMap((w) => [w.term, ...w.parts]))];
}

/** The tokens of a text to match a topic against: each word whole and its parts, stemmed. */
export function textTokens(text: string): Set<string> {
  const out = new Set<string>();
  for (const raw of rawWords(text.slice(0, 4_000))) {
    out.add(stem(raw.toLowerCase()));
    const split = identifierParts(raw);
    if (split.length > 1) for (const p of split) out.add(stem(p.toLowerCase()));
  }
  return out;
}

/**
 * Whether a term matches a set of tokens: a token equal to it, or (for a term of three
 * letters or more) a token that starts with it (`postgres` matches postgresql).
 */
export function termMatches(term: string, tokens: Set<string>): boolean {
  if (tokens.has(term)) return true;
  if (term.length < 3) return false;
  for (const t of tokens) if (t.startsWith(term)) return true;
  return false;
}

/** A field of a candidate and its weight (a name counts more than a detail, a detail more than a path). */
export interface WeightedField {
  tokens: Set<string>;
  weight: number;
}

/**
 * How well fields match a topic's words: `matched` is the number of the topic's words found
 * (a word whose whole form is absent counts the share of its parts found), `weight` the sum
 * of each word's best field weight times that share. Zero when nothing matches.
 */
export function scoreTopic(words: TopicWord[], fields: WeightedField[]): { matched: number; weight: number } {
  let matched = 0;
  let weight = 0;
  for (const word of words) {
    let share = 0;
    let best = 0;
    for (const field of fields) {
      const found = termMatches(word.term, field.tokens)
        ? 1
        : word.parts.length > 0
          ? word.parts.filter((p) => termMatches(p, field.tokens)).length / word.parts.length
          : 0;
      if (found > share || (found === share && found > 0 && field.weight > best)) {
        share = found;
        best = field.weight;
      }
    }
    matched += share;
    weight += share * best;
  }
  return { matched, weight };
}
