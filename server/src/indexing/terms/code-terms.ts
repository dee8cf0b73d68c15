/**
 * Terms built for code, shared by the index run (what a blob holds) and question search (what
 * a question asks): identifiers split into their words (camelCase, PascalCase, snake_case,
 * kebab-case, SCREAMING_CASE, digits), lowercased, stemmed (Porter, the `stemmer` package),
 * English stop words and question filler removed. A definition's whole name is kept as a term
 * too (lowercased, not stemmed), so an exact name still scores. Terms are stored as 32-bit
 * hashes with a weight level (`termId`, `termKey`). Pure functions, no I/O.
 */
import { stemmer } from "stemmer";

/** Splits an identifier into its words: `parseHTTPRequest2` → parse, HTTP, Request, 2. */
export function splitIdentifier(identifier: string): string[] {
  const words: string[] = [];
  for (const part of identifier.split(/[^\p{L}\p{N}]+/u)) {
    if (!part) continue;
    // Lower→Upper boundaries, acronym→word boundaries (HTTPRequest: HTTP | Request), letters↔digits.
    const pieces = part.match(/\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?\p{Ll}+|\p{Lu}+|\p{N}+|\p{L}+/gu);
    if (pieces) words.push(...pieces);
  }
  return words;
}

/** English stop words: no signal in a question or in code comments. */
const STOP_WORDS = new Set(
  (
    "a about above after again against all am an and any are aren't as at be because been before being below between both but by can cannot " +
    "could did do does doing don't down during each few for from further had has have having he her here hers herself him himself his how " +
    "i if in into is isn't it it's its itself let's me more most my myself no nor not of off on once only or other ought our ours ourselves " +
    "out over own same she should so some such than that the their theirs them themselves then there these they this those through to too " +
    "under until up very was we were what when where which while who whom why will with would you your yours yourself yourselves " +
    "also get got just may might must shall us via etc e.g i.e"
  ).split(" "),
);

/**
 * Words a question uses to ask, not to say what about: dropped from questions only (code and
 * comments keep them: `implemented` in a doc comment is rare enough to be harmless there).
 */
const QUESTION_FILLER = new Set(
  (
    "where what which how why when who whose does do did is are was were implemented implement implementation implements handled handle handles " +
    "happens happen work works working done defined define definition located location find found code codebase repository repo file files " +
    "function functions logic place part responsible decide decides decided determine determines determined controls control controlled " +
    "setting settings option options configure configured configuration config variable variables flag flags parameter parameters env environment " +
    "knob knobs set sets use used uses using way ways kind thing things explain show tell look looks something anything someone please want need " +
    "gets make makes made actually exactly there's whats what's"
  ).split(" "),
);

/** Keywords of common languages: in every file, so they carry no signal and only take room. */
const KEYWORDS = new Set(
  (
    "const var function return if else for while import export from def class self this new true false null nil none undefined void int " +
    "public private protected static final async await try catch except finally throw throws raise elif pass break continue switch case default " +
    "package func go chan struct interface type enum impl fn mut pub use mod crate extends implements lambda yield with as in is not and or " +
    "end begin then do done fi esac local echo string bool boolean float double long char byte err nullptr auto typeof instanceof"
  ).split(" "),
);

/** Config cues: a question with one of these asks which setting controls something. */
const CONFIG_WORDS = new Set(
  "setting settings option options configure configured configuration config variable variables env environment flag flags parameter parameters knob knobs tunable".split(
    " ",
  ),
);

const stems = new Map<string, string>();
/** The stem of a lower-case word (cached: a run stems the same words millions of times). */
export function stem(word: string): string {
  let s = stems.get(word);
  if (s === undefined) {
    s = word.length <= 3 || /\d/.test(word) ? word : stemmer(word);
    if (stems.size > 200_000) stems.clear();
    stems.set(word, s);
  }
  return s;
}

/** True for words that say nothing about the code (stop words, keywords, one letter). */
function isNoise(word: string): boolean {
  return word.length < 2 || STOP_WORDS.has(word) || KEYWORDS.has(word);
}

/** Identifiers, words and numbers of a text, in order. */
const TOKEN = /[\p{L}_$][\p{L}\p{N}_$]*|\p{N}+/gu;

const tokenTerms = new Map<string, string[]>();
/** identifierTerms of a token of code (cached: tokens repeat across a run's blobs). */
function codeTokenTerms(token: string): string[] {
  let terms = tokenTerms.get(token);
  if (terms === undefined) {
    terms = identifierTerms(token, { whole: false });
    if (tokenTerms.size > 200_000) tokenTerms.clear();
    tokenTerms.set(token, terms);
  }
  return terms;
}

/** The terms of one identifier or word: its words' stems, and, when it has several, the whole lowercased name. */
export function identifierTerms(identifier: string, options: { whole: boolean }): string[] {
  const words = splitIdentifier(identifier).map((w) => w.toLowerCase());
  const terms = words.filter((w) => !isNoise(w) && !/^\d{5,}$/.test(w)).map(stem);
  if (options.whole && words.length > 1) terms.push(words.join(""));
  return terms;
}

/**
 * The id of a term: a 32-bit hash (FNV-1a over its UTF-16 units) with its two low bits
 * cleared, for the weight level `termKey` adds. Never 0, so keys 0–3 never occur and ids 0
 * and 1 of `index_term_stats` can hold the totals. Two terms may share an id (about one pair
 * in 2^30): a rare, harmless overlap in scoring.
 */
export function termId(term: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < term.length; i++) h = Math.imul(h ^ term.charCodeAt(i), 0x01000193);
  const base = h & ~3;
  return base === 0 ? 4 : base;
}

/**
 * The level of a term's weighted frequency in a blob: 0 for 1, 1 for 2–4 (a comment, a
 * definition's name), 2 for 5–15, 3 for 16 and more. The index stores each of a blob's terms once, as
 * `termKey` (id and level), so a question reads a term's weight from the GIN index alone.
 */
export function weightLevel(weight: number): number {
  return weight >= 16 ? 3 : weight >= 5 ? 2 : weight >= 2 ? 1 : 0;
}

/** The frequency BM25 counts for each level (about the middle of its range). */
export const LEVEL_TF: readonly number[] = [1, 3, 8, 24];

/** A term's key in the index: its id with its weight level in the two low bits. */
export function termKey(id: number, weight: number): number {
  return id | weightLevel(weight);
}

/** Reserved ids of `index_term_stats`: the number of blobs with terms, and the sum of their lengths. */
export const TERM_STATS = { blobs: 0, length: 1 } as const;

/** Weight of one occurrence in a field (BM25 with field boosts: a name counts four times). */
export const FIELD_WEIGHTS = { name: 4, doc: 2, code: 1 } as const;

/** Most terms stored per blob (names and comments first, then code by weight). */
export const MAX_TERMS_PER_BLOB = 400;
/** Weights are counted up to here. */
const MAX_WEIGHT = 255;

/** The terms of a blob, ready to store. */
export interface BlobTerms {
  /** Term ids, the most weighted first. */
  ids: number[];
  /** Weighted frequency per id (1–255), in the same order. */
  weights: number[];
  /** Weighted count of every term occurrence (BM25's document length). */
  length: number;
}

/** The keys stored for a blob's terms (`termKey`), in the same order. */
export function blobTermKeys(terms: BlobTerms): number[] {
  return terms.ids.map((id, i) => termKey(id, terms.weights[i]!));
}

const COMMENT_START = /^\s*(\/\/|\/\*|\*|#(?![[!]|include|define|if|endif|else|pragma|import)|--|;|<!--|"""|''')/;
const PROSE_LANGUAGES = new Set(["markdown", "text", "rst", "asciidoc"]);

/**
 * The weighted terms of a blob: definition names (from the symbol extractor) weigh
 * FIELD_WEIGHTS.name, comment and docstring lines (and prose files) `doc`, other code `code`.
 * At most MAX_TERMS_PER_BLOB terms are kept, the most weighted first.
 */
export function blobTerms(text: string, language: string | undefined, definitions: readonly { name: string }[]): BlobTerms {
  const weights = new Map<string, number>();
  let length = 0;
  const add = (term: string, weight: number) => {
    weights.set(term, (weights.get(term) ?? 0) + weight);
    length += weight;
  };
  for (const d of definitions) for (const t of identifierTerms(d.name, { whole: true })) add(t, FIELD_WEIGHTS.name);
  const prose = language !== undefined && PROSE_LANGUAGES.has(language);
  let inDocstring = false;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    // Lines past 1,000 characters are data (minified, base64, tables): their first 1,000 count.
    const line = text.slice(start, Math.min(end, start + 1000));
    start = end + 1;
    const quotes = (line.match(/"""|'''/g) ?? []).length;
    const comment = prose || inDocstring || COMMENT_START.test(line);
    if (quotes % 2 === 1) inDocstring = !inDocstring;
    const weight = comment ? FIELD_WEIGHTS.doc : FIELD_WEIGHTS.code;
    for (const token of line.match(TOKEN) ?? []) {
      if (token.length > 64) continue;
      for (const t of codeTokenTerms(token)) add(t, weight);
    }
  }
  const ranked = [...weights].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_TERMS_PER_BLOB);
  const ids: number[] = [];
  const out: number[] = [];
  const seen = new Set<number>();
  for (const [term, weight] of ranked) {
    const id = termId(term);
    if (seen.has(id)) continue;
    seen.add(id);
    ids.push(id);
    out.push(Math.min(MAX_WEIGHT, weight));
  }
  return { ids, weights: out, length: Math.min(length, 2 ** 31 - 1) };
}

/** A question's parts: its search terms and the hints it gives. */
export interface QuestionTerms {
  /** Distinct search terms (stems, and whole names the question typed), in question order. */
  terms: string[];
  /** The question asks which setting, option, flag or variable controls something. */
  asksForConfig: boolean;
  /** The words of the question (lower case), for repository and language hints. */
  words: string[];
  /** Per term, the text a path holding it contains (the common prefix of the stem and its word). */
  prefixes: Map<string, string>;
}

/**
 * The terms of a question: identifiers it types are split (and kept whole), prose words are
 * stemmed, stop words and question filler dropped. With nothing left (a question of filler
 * only), the filler words themselves are the terms.
 */
export function questionTerms(question: string): QuestionTerms {
  const tokens = question.match(TOKEN) ?? [];
  const words = tokens.map((t) => t.toLowerCase());
  const asksForConfig = words.some((w) => CONFIG_WORDS.has(w));
  const terms: string[] = [];
  const prefixes = new Map<string, string>();
  for (const token of tokens) {
    const lower = token.toLowerCase();
    if (QUESTION_FILLER.has(lower)) continue;
    const parts = splitIdentifier(token).map((w) => w.toLowerCase());
    for (const t of identifierTerms(token, { whole: true })) {
      if (QUESTION_FILLER.has(t)) continue;
      terms.push(t);
      const word = parts.find((p) => stem(p) === t) ?? t;
      if (!prefixes.has(t)) prefixes.set(t, commonPrefix(t, word));
    }
  }
  if (terms.length === 0) {
    for (const w of words) {
      if (STOP_WORDS.has(w) || w.length <= 1) continue;
      terms.push(stem(w));
      prefixes.set(stem(w), commonPrefix(stem(w), w));
    }
  }
  return { terms: [...new Set(terms)], asksForConfig, words, prefixes };
}

/**
 * Words code usually abbreviates, and the abbreviation: a question says "maximum", the code
 * `max`. Keys are lower-case words as a question writes them.
 */
const ABBREVIATIONS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    maximum: "max",
    largest: "max",
    biggest: "max",
    minimum: "min",
    smallest: "min",
    configuration: "config",
    directory: "dir",
    directories: "dir",
    environment: "env",
    message: "msg",
    messages: "msg",
    number: "num",
    authentication: "auth",
    authenticate: "auth",
    authorization: "auth",
    authorisation: "auth",
    parameter: "param",
    parameters: "params",
    argument: "arg",
    arguments: "args",
    request: "req",
    requests: "req",
    response: "res",
    responses: "res",
    database: "db",
    initialize: "init",
    initialise: "init",
    initialization: "init",
    temporary: "tmp",
    length: "len",
    reference: "ref",
    references: "refs",
    context: "ctx",
    connection: "conn",
    connections: "conn",
    address: "addr",
    information: "info",
    specification: "spec",
    repository: "repo",
    repositories: "repos",
    application: "app",
    certificate: "cert",
    certificates: "certs",
    attribute: "attr",
    attributes: "attrs",
    administrator: "admin",
    previous: "prev",
    utility: "util",
    utilities: "utils",
    identifier: "id",
    statistics: "stats",
    synchronize: "sync",
    synchronise: "sync",
    asynchronous: "async",
    description: "desc",
    document: "doc",
    documents: "docs",
    expression: "expr",
    source: "src",
    destination: "dst",
    error: "err",
    errors: "errs",
    password: "pwd",
    milliseconds: "ms",
    seconds: "sec",
    timeout: "timeout",
  }),
);

/**
 * More terms for a question, each with how much it counts: the abbreviations code uses for
 * its words (`maximum`: max) and the acronyms of three or four words in a row (`JSON web
 * tokens`: jwt, `server-sent events`: sse).
 */
export function questionExpansions(question: string): { term: string; factor: number }[] {
  const words = (question.match(TOKEN) ?? []).flatMap((t) => splitIdentifier(t)).map((w) => w.toLowerCase());
  const out = new Map<string, number>();
  for (const w of words) {
    const abbreviation = ABBREVIATIONS.get(w);
    if (abbreviation && abbreviation !== w) out.set(abbreviation, 0.7);
  }
  const content = words.filter((w) => !STOP_WORDS.has(w) && !QUESTION_FILLER.has(w) && /^\p{L}/u.test(w));
  for (const n of [3, 4]) {
    for (let i = 0; i + n <= content.length; i++) {
      const acronym = content
        .slice(i, i + n)
        .map((w) => w[0])
        .join("");
      if (!out.has(acronym)) out.set(acronym, 0.8);
    }
  }
  return [...out].map(([term, factor]) => ({ term, factor }));
}

/** The longest common prefix of a stem and its word (`bodi`, `body`: `bod`), what a path holds. */
function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return a.slice(0, i);
}

/** The words of a path, as terms (directories and the file name, extension dropped). */
export function pathTerms(path: string): { dirs: string[]; name: string[] } {
  const segments = path.split("/");
  const file = segments.pop() ?? "";
  const base = file.includes(".") && !file.startsWith(".") ? file.slice(0, file.lastIndexOf(".")) : file;
  const words = (s: string) => (s.match(TOKEN) ?? []).flatMap((t) => identifierTerms(t, { whole: true }));
  return { dirs: segments.flatMap(words), name: words(base) };
}
