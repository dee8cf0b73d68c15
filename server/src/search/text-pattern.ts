/**
 * User-supplied patterns, run in linear time. A /regex/ is compiled by re2js (RE2 semantics:
 * no backtracking, so no input makes it slow beyond its size) and refused when it uses what
 * RE2 or Postgres cannot run the same way; a literal is escaped and matched by V8, which cannot
 * backtrack on a pattern without quantifiers. Nothing here compiles user text with `RegExp`.
 *
 * The database runs the same pattern (scan.sql.ts toPostgresRegex) to pick chunks; this
 * decides lines and ranges, so both must accept the same dialect.
 */
import { RE2JS } from "re2js";
import type { Pattern } from "./query-parser.js";

/**
 * Largest compiled program accepted (re2js instructions). Matching costs about the program size
 * times the text length: at 200, the worst pattern takes about 50 ms over a 16 KB chunk on
 * the benchmark machine (docs/design/search-index.md), and ordinary regexes are under 50.
 */
export const MAX_PROGRAM_SIZE = 200;

/** A pattern ready to find its matches in text. */
export interface TextPattern {
  /** The pattern as typed, for messages. */
  readonly source: string;
  /**
   * Calls `each(start, end)` for up to `max` matches of the pattern in `text`, left to right;
   * [start, end) in UTF-16 code units. `^` and `$` match at line ends inside `text`.
   */
  scan(text: string, max: number, each: (start: number, end: number) => void): void;
}

/** A regex the engine cannot run: the message, and where in the pattern (0-based). */
export interface RegexProblem {
  message: string;
  index: number;
}

/** Escapes `text` for use inside a V8 RegExp. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

/** Escapes that mean the same in RE2 and in Postgres' regex dialect. */
const PORTABLE_ESCAPES = new Set([..."dDwWsSbBtnrfv"]);

/**
 * The first construct of `source` that RE2 and Postgres would not both run the same way:
 * lookaround, backreferences, named groups, inline flags, \p classes, \Q…\E, \A, \z and other
 * letter escapes, or a program over MAX_PROGRAM_SIZE. Undefined when the regex is fine.
 */
export function regexProblem(source: string): RegexProblem | undefined {
  if (source.length === 0) return { message: "empty /regex/", index: 0 };
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === "\\") {
      const next = source[i + 1] ?? "";
      if (/[1-9]/.test(next)) return { message: "backreferences (\\1) are not supported", index: i };
      if (next === "p" || next === "P") return { message: "Unicode property classes (\\p{...}) are not supported", index: i };
      if (next === "x" && source[i + 2] === "{") return { message: "\\x{...} is not supported; write \\xHH", index: i };
      if (/[A-Za-z0]/.test(next) && next !== "x" && !PORTABLE_ESCAPES.has(next)) {
        return { message: `the escape \\${next} is not supported (supported: \\d \\w \\s \\b and their capitals, \\t \\n \\r \\f \\v, \\xHH)`, index: i };
      }
      i++;
    } else if (ch === "(" && source[i + 1] === "?") {
      const rest = source.slice(i + 2);
      if (/^<?[=!]/.test(rest)) return { message: "lookaround (?= (?! (?<= (?<! is not supported", index: i };
      if (/^P?<[A-Za-z]/.test(rest)) return { message: "named groups (?<name>...) are not supported; use (...)", index: i };
      if (!rest.startsWith(":")) return { message: "inline flags such as (?i) are not supported; use case:yes or case:no", index: i };
    } else if (ch === "[") {
      // Skip a bracket expression: its "(" and "\" mean nothing special there (but \] escapes).
      let j = i + 1;
      if (source[j] === "^") j++;
      if (source[j] === "]") j++;
      while (j < source.length && source[j] !== "]") j += source[j] === "\\" || (source[j] === "[" && source[j + 1] === ":") ? 2 : 1;
      i = j;
    }
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source, RE2JS.MULTILINE);
  } catch (err) {
    const message = (err as Error).message.replace(/^error parsing regexp: /, "");
    const snippet = /`([^`]*)`/.exec(message)?.[1];
    const at = snippet ? source.indexOf(snippet) : -1;
    return { message: `invalid regex: ${message}`, index: Math.max(0, at) };
  }
  const size = compiled.matcher("").programSize();
  if (size > MAX_PROGRAM_SIZE) {
    return { message: `the regex is too large to run (program size ${size}, at most ${MAX_PROGRAM_SIZE}): use fewer or smaller {n,m} repetitions`, index: 0 };
  }
  return undefined;
}

/** A literal through V8: an escaped string has no quantifier, so it cannot backtrack. */
class LiteralPattern implements TextPattern {
  private readonly re: RegExp;
  constructor(
    readonly source: string,
    caseSensitive: boolean,
  ) {
    this.re = new RegExp(escapeRegex(source), `g${caseSensitive ? "" : "i"}u`);
  }

  scan(text: string, max: number, each: (start: number, end: number) => void): void {
    const re = this.re;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    for (let n = 0; n < max && (m = re.exec(text)) !== null; n++) each(m.index, m.index + m[0].length);
  }
}

/** A regex through re2js, multi-line (^ and $ at line ends), as in the database. */
class Re2Pattern implements TextPattern {
  private readonly re: RE2JS;
  constructor(
    readonly source: string,
    caseSensitive: boolean,
  ) {
    this.re = RE2JS.compile(source, RE2JS.MULTILINE | (caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE));
  }

  scan(text: string, max: number, each: (start: number, end: number) => void): void {
    // The DFA answers "no match" fastest; only then are positions worth the slower search.
    if (!this.re.test(text)) return;
    const m = this.re.matcher(text);
    for (let n = 0; n < max && m.find(); n++) each(m.start(), m.end());
  }
}

/**
 * Compiles one query pattern.
 * @throws Error when a regex is not valid (the query parser refuses those first, with an offset).
 */
export function compileTextPattern(pattern: Pick<Pattern, "kind" | "value">, caseSensitive: boolean): TextPattern {
  return pattern.kind === "regex" ? new Re2Pattern(pattern.value, caseSensitive) : new LiteralPattern(pattern.value, caseSensitive);
}

/** A whole-word, case-sensitive match of an identifier (references). */
export function identifierPattern(name: string): TextPattern {
  const re = new RegExp(`(?<![\\p{L}\\p{N}_$])${escapeRegex(name)}(?![\\p{L}\\p{N}_$])`, "gu");
  return {
    source: name,
    scan(text, max, each) {
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      for (let n = 0; n < max && (m = re.exec(text)) !== null; n++) each(m.index, m.index + m[0].length);
    },
  };
}
