/**
 * What a content pattern needs from the trigram lists: the literal runs every match must
 * contain, and their byte trigrams (indexing/trigram-postings.ts). Pure. A chunk can match
 * only if it holds every trigram returned, so the lists' intersection is a superset of the
 * matching chunks; the scan rechecks each with the pattern itself.
 */
import { trigramCodes } from "../indexing/index.js";
import type { Pattern } from "./query-parser.js";

/** Regex characters with a meaning of their own. */
const META = new Set([..."\\^$.|?*+()[]{}"]);

/**
 * The runs of literal text that every match of `pattern` contains. A literal is one run. For a
 * regex, only the top level counts (a group, a class, `.` and anchors end a run and are skipped
 * whole), a character under `?`, `*` or `{0,…}` is dropped, one under `+` or `{n,…}` ends its
 * run, and an alternation at the top level gives no run at all (its branches need not share
 * one). Escaped punctuation is literal; other escapes (`\w`, `\b`, `\t`, …) end a run.
 */
export function requiredRuns(pattern: Pattern): string[] {
  if (pattern.kind === "literal") return [pattern.value];
  const src = pattern.value;
  const runs: string[] = [];
  let run = "";
  /** Whether the last atom was a character now at the end of `run`. */
  let lastWasChar = false;
  const end = () => {
    if (run) runs.push(run);
    run = "";
    lastWasChar = false;
  };
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (ch === "|") return [];
    if (ch === "?" || ch === "*" || ch === "+" || ch === "{") {
      let optional = ch !== "+";
      if (ch === "{") {
        const close = src.indexOf("}", i);
        if (close < 0) return [];
        optional = !/^[1-9]/.test(src.slice(i + 1, close).trim());
        i = close;
      }
      // A lazy or possessive suffix belongs to the quantifier.
      if (src[i + 1] === "?" || src[i + 1] === "+") i++;
      if (lastWasChar && optional) run = run.slice(0, -1);
      end();
      continue;
    }
    if (ch === "\\") {
      const next = src[i + 1];
      if (next === undefined) return [];
      i++;
      if (/[A-Za-z0-9]/.test(next)) {
        // \xHH names one character: its digits are not literal text.
        if (next === "x") i += 2;
        end();
        continue;
      }
      run += next;
      lastWasChar = true;
      continue;
    }
    if (ch === "[") {
      const close = classEnd(src, i);
      if (close < 0) return [];
      i = close;
      end();
      continue;
    }
    if (ch === "(") {
      const close = groupEnd(src, i);
      if (close < 0) return [];
      i = close;
      end();
      continue;
    }
    if (META.has(ch)) {
      end();
      continue;
    }
    run += ch;
    lastWasChar = true;
  }
  end();
  return runs;
}

/** Index of the `]` closing the class opened at `open`, or -1. */
function classEnd(src: string, open: number): number {
  let i = open + 1;
  if (src[i] === "^") i++;
  if (src[i] === "]") i++;
  for (; i < src.length; i++) {
    if (src[i] === "\\") i++;
    else if (src[i] === "[" && src[i + 1] === ":") {
      const close = src.indexOf(":]", i + 2);
      if (close < 0) return -1;
      i = close + 1;
    } else if (src[i] === "]") return i;
  }
  return -1;
}

/** Index of the `)` closing the group opened at `open`, or -1. */
function groupEnd(src: string, open: number): number {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const ch = src[i]!;
    if (ch === "\\") i++;
    else if (ch === "[") {
      i = classEnd(src, i);
      if (i < 0) return -1;
    } else if (ch === "(") depth++;
    else if (ch === ")" && --depth === 0) return i;
  }
  return -1;
}

/**
 * The trigram codes a chunk must hold to match `pattern`, ascending; undefined when the
 * pattern has none (a run shorter than 3 bytes, a regex without a run): such a pattern cannot
 * use the lists. A case-insensitive search leaves out trigrams with non-ASCII bytes, whose
 * case the lists do not fold.
 */
export function patternTrigrams(pattern: Pattern, caseSensitive: boolean): number[] | undefined {
  const codes = new Set<number>();
  for (const run of requiredRuns(pattern)) for (const code of trigramCodes(run, !caseSensitive)) codes.add(code);
  return codes.size > 0 ? [...codes].sort((a, b) => a - b) : undefined;
}
