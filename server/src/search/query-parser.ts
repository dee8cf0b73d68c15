/**
 * The search query language (docs/search-syntax.md), parsed into a small AST:
 *
 *   query   := group ("or" group)*
 *   group   := item+                       items of a group are ANDed
 *   item    := ["-"] (filter | pattern)
 *   filter  := ("repo"|"file"|"lang"|"sym"|"case"|"type"|"space") ":" value
 *   pattern := word | "quoted phrase" | /regex/
 *
 * Patterns are literal text unless written as /regex/. Filters apply to the whole query.
 * `type:doc` (or any `space:`) searches documents (Confluence pages) instead of code.
 * Errors carry the character offset so the API can point at the problem. Text with NUL
 * characters is refused: the database cannot store or compare it.
 */
import { closeNames, LANGUAGE_IDS, languageFromName } from "../indexing/index.js";
import { regexProblem } from "./text-pattern.js";

/** One content pattern. */
export interface Pattern {
  kind: "literal" | "regex";
  value: string;
  negated: boolean;
}

/** A parsed query. `groups` are ORed; the patterns inside a group are ANDed. */
export interface SearchQuery {
  groups: Pattern[][];
  repos: string[];
  excludeRepos: string[];
  files: string[];
  excludeFiles: string[];
  langs: string[];
  excludeLangs: string[];
  /** Symbol-name patterns (sym:): results are definitions, not lines. */
  symbols: string[];
  caseSensitive: boolean;
  /** What to search: code (the default) or documents (`type:doc`, or implied by `space:`). */
  type: "code" | "doc";
  /** Confluence space keys (space:), of document searches. */
  spaces: string[];
  excludeSpaces: string[];
}

/** A query that cannot be parsed; `offset` is where in the input. */
export class QueryError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = "QueryError";
  }
}

/** Longest query accepted, and the most patterns/filters in one query. */
export const MAX_QUERY_LENGTH = 1000;
export const MAX_TERMS = 20;

const FILTERS = new Set(["repo", "file", "path", "lang", "language", "sym", "case", "r", "f", "l", "type", "space"]);
/** A Confluence space key: letters and digits (personal spaces start with "~"). */
const SPACE_KEY = /^~?[A-Za-z0-9_]{1,255}$/;

interface Token {
  text: string;
  kind: "word" | "quoted" | "regex";
  negated: boolean;
  offset: number;
  /** Where the value starts (after "-", "filter:" and an opening quote or slash). */
  valueOffset: number;
  /** For filter tokens: the filter name. */
  filter?: string;
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    while (i < input.length && /\s/.test(input[i]!)) i++;
    if (i >= input.length) break;
    const start = i;
    let negated = false;
    if (input[i] === "-" && i + 1 < input.length && !/\s/.test(input[i + 1]!)) {
      negated = true;
      i++;
    }
    // filter:value (value may be quoted or a regex)
    const filterMatch = /^([a-z]+):/.exec(input.slice(i));
    let filter: string | undefined;
    if (filterMatch && FILTERS.has(filterMatch[1]!)) {
      filter = filterMatch[1];
      i += filterMatch[0].length;
    }
    const ch = input[i];
    const valueOffset = ch === '"' || (ch === "/" && !filter) ? i + 1 : i;
    if (ch === '"') {
      let value = "";
      i++;
      while (i < input.length && input[i] !== '"') {
        if (input[i] === "\\" && i + 1 < input.length) {
          value += input[i + 1];
          i += 2;
        } else value += input[i++];
      }
      if (i >= input.length) throw new QueryError('unterminated quoted phrase: add the closing "', start);
      i++;
      tokens.push({ text: value, kind: "quoted", negated, offset: start, valueOffset, filter });
    } else if (ch === "/" && !filter) {
      let value = "";
      i++;
      while (i < input.length && input[i] !== "/") {
        if (input[i] === "\\" && i + 1 < input.length) {
          value += input[i]! + input[i + 1]!;
          i += 2;
        } else value += input[i++];
      }
      if (i >= input.length) throw new QueryError("unterminated /regex/: add the closing /", start);
      i++;
      tokens.push({ text: value, kind: "regex", negated, offset: start, valueOffset, filter });
    } else {
      let value = "";
      while (i < input.length && !/\s/.test(input[i]!)) value += input[i++];
      tokens.push({ text: value, kind: "word", negated, offset: start, valueOffset, filter });
    }
  }
  return tokens;
}

/**
 * Checks that `source` is a regex that runs in linear time here (RE2) and the same way in the
 * database: text-pattern.ts lists what is refused. `offset` is where the regex starts in the
 * query; the error points at the offending construct.
 * @throws QueryError
 */
export function assertValidRegex(source: string, offset: number): void {
  const problem = regexProblem(source);
  if (problem) throw new QueryError(problem.message, offset + problem.index);
}

/** A query with no pattern and no filter (code navigation builds on it). */
export function emptyQuery(): SearchQuery {
  return {
    groups: [],
    repos: [],
    excludeRepos: [],
    files: [],
    excludeFiles: [],
    langs: [],
    excludeLangs: [],
    symbols: [],
    caseSensitive: false,
    type: "code",
    spaces: [],
    excludeSpaces: [],
  };
}

/**
 * Parses a query string.
 * @throws QueryError with the offset of the problem.
 */
export function parseQuery(input: string): SearchQuery {
  if (input.length > MAX_QUERY_LENGTH) throw new QueryError(`query longer than ${MAX_QUERY_LENGTH} characters`, MAX_QUERY_LENGTH);
  const nul = input.indexOf("\u0000");
  if (nul !== -1) throw new QueryError("the query contains a NUL character", nul);
  const query: SearchQuery = { ...emptyQuery(), groups: [[]] };
  let terms = 0;
  let explicitType: "code" | "doc" | undefined;
  for (const token of tokenize(input)) {
    if (++terms > MAX_TERMS) throw new QueryError(`more than ${MAX_TERMS} terms`, token.offset);
    if (token.filter) {
      const value = token.text;
      if (!value) throw new QueryError(`${token.filter}: needs a value`, token.offset);
      switch (token.filter) {
        case "repo":
        case "r":
          assertValidRegex(value, token.valueOffset);
          (token.negated ? query.excludeRepos : query.repos).push(value);
          break;
        case "file":
        case "path":
        case "f":
          assertValidRegex(value, token.valueOffset);
          (token.negated ? query.excludeFiles : query.files).push(value);
          break;
        case "lang":
        case "language":
        case "l":
          {
            const language = languageFromName(value);
            if (!language) {
              const close = closeNames(value, LANGUAGE_IDS);
              throw new QueryError(`unknown language "${value}"${close.length ? `; did you mean ${close.join(", ")}?` : ""}`, token.valueOffset);
            }
            (token.negated ? query.excludeLangs : query.langs).push(language);
          }
          break;
        case "sym":
          if (token.negated) throw new QueryError("-sym: is not supported", token.offset);
          query.symbols.push(value);
          break;
        case "case":
          if (token.negated) throw new QueryError("-case: is not supported; use case:yes or case:no", token.offset);
          if (!["yes", "no"].includes(value)) throw new QueryError('case: takes "yes" or "no"', token.offset);
          query.caseSensitive = value === "yes";
          break;
        case "type":
          if (token.negated) throw new QueryError("-type: is not supported; use type:code or type:doc", token.offset);
          if (value !== "code" && value !== "doc") throw new QueryError('type: takes "code" or "doc"', token.valueOffset);
          if (explicitType && explicitType !== value) throw new QueryError("a query searches code or documents, not both", token.offset);
          explicitType = value;
          break;
        case "space":
          if (!SPACE_KEY.test(value)) throw new QueryError("space: takes a Confluence space key (letters and digits)", token.valueOffset);
          (token.negated ? query.excludeSpaces : query.spaces).push(value);
          break;
      }
      continue;
    }
    if (token.kind === "word" && token.text === "or" && !token.negated) {
      if (query.groups.at(-1)!.length === 0) throw new QueryError('"or" needs a pattern on both sides', token.offset);
      query.groups.push([]);
      continue;
    }
    if (token.kind === "regex") assertValidRegex(token.text, token.valueOffset);
    if (token.kind === "quoted" && token.text.length === 0) throw new QueryError("empty quoted phrase", token.offset);
    query.groups.at(-1)!.push({ kind: token.kind === "regex" ? "regex" : "literal", value: token.text, negated: token.negated });
  }
  if (query.groups.length > 1 && query.groups.at(-1)!.length === 0) throw new QueryError('"or" needs a pattern on both sides', input.length);
  query.groups = query.groups.filter((g) => g.length > 0);
  for (const group of query.groups) {
    if (group.every((p) => p.negated)) throw new QueryError("a query needs at least one pattern that is not negated", 0);
  }
  query.type = explicitType ?? (query.spaces.length + query.excludeSpaces.length > 0 ? "doc" : "code");
  if (explicitType === "code" && query.spaces.length + query.excludeSpaces.length > 0) throw new QueryError("space: filters documents: drop type:code", 0);
  if (query.type === "doc") {
    const codeOnly = [query.repos, query.excludeRepos, query.files, query.excludeFiles, query.langs, query.excludeLangs, query.symbols].some(
      (f) => f.length > 0,
    );
    if (codeOnly) throw new QueryError("repo:, file:, lang: and sym: filter code, not documents", 0);
    if (query.groups.length === 0) throw new QueryError("the query has no pattern: type some text or a /regex/", 0);
    return query;
  }
  if (query.groups.length === 0 && query.symbols.length === 0 && query.files.length === 0) {
    throw new QueryError("the query has no pattern: type some text, a /regex/, file: or sym:", 0);
  }
  return query;
}
