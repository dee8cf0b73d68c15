/**
 * Finds the lines of a chunk that match a query's patterns, with match ranges for
 * highlighting. Runs in JavaScript on the few chunks the database returned; the database
 * decides which chunks, this decides which lines and where.
 */
import type { Pattern } from "./query-parser.js";

/** A matching line. Ranges are [start, end) in UTF-16 code units of `text`. */
export interface LineMatch {
  line: number;
  text: string;
  ranges: [number, number][];
}

/** Longest line text returned; longer lines are cut (ranges beyond are dropped). */
export const MAX_LINE_CHARS = 500;

/** Escapes `text` for use inside a RegExp. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

/** A global RegExp for one pattern. */
export function compilePattern(pattern: Pattern, caseSensitive: boolean): RegExp {
  const source = pattern.kind === "regex" ? pattern.value : escapeRegex(pattern.value);
  return new RegExp(source, `g${caseSensitive ? "" : "i"}u`);
}

/** Match ranges of `matchers` in one line, merged and sorted. */
export function rangesIn(text: string, matchers: RegExp[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (const re of matchers) {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    let guard = 0;
    while ((m = re.exec(text)) !== null && guard++ < 100) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      ranges.push([m.index, m.index + m[0].length]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/** The line's match, or undefined: ranges over the whole line, text and ranges cut at MAX_LINE_CHARS. */
function matchLine(full: string, line: number, matchers: RegExp[]): LineMatch | undefined {
  const ranges = rangesIn(full, matchers);
  if (ranges.length === 0) return undefined;
  const text = full.length > MAX_LINE_CHARS ? full.slice(0, MAX_LINE_CHARS) : full;
  return { line, text, ranges: ranges.filter((r) => r[0] < text.length).map((r) => [r[0], Math.min(r[1], text.length)]) };
}

const multilineVariants = new WeakMap<RegExp, RegExp>();

/** `re` with the m flag, so ^ and $ match at line boundaries of a whole chunk. */
function multiline(re: RegExp): RegExp {
  let variant = multilineVariants.get(re);
  if (!variant) {
    variant = re.flags.includes("m") ? re : new RegExp(re.source, `${re.flags}m`);
    multilineVariants.set(re, variant);
  }
  return variant;
}

/** Most matches looked at per matcher when sweeping one chunk. */
const MAX_SWEEP_MATCHES = 20_000;

/**
 * The lines of a chunk that match any of `matchers`. Each matcher sweeps the whole chunk once
 * to find the lines where it matches (start to end of each match); only those lines are then
 * matched one by one, which gives the same lines and ranges as matching every line.
 * Chunks with carriage returns are matched line by line ($ would not see line ends there).
 */
export function matchLines(content: string, startLine: number, matchers: RegExp[]): LineMatch[] {
  const lines = content.split("\n");
  if (content.includes("\r")) return matchEachLine(lines, startLine, matchers);
  const lineStarts: number[] = [0];
  for (let i = content.indexOf("\n"); i !== -1; i = content.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  const lineOf = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const marked = new Set<number>();
  for (const re of matchers) {
    const sweep = multiline(re);
    sweep.lastIndex = 0;
    let m: RegExpExecArray | null;
    for (let n = 0; (m = sweep.exec(content)) !== null && n < MAX_SWEEP_MATCHES; n++) {
      const first = lineOf(m.index);
      const last = m[0].length > 0 ? lineOf(m.index + m[0].length - 1) : first;
      for (let l = first; l <= last; l++) marked.add(l);
      if (m[0].length === 0) sweep.lastIndex++;
    }
  }
  const out: LineMatch[] = [];
  for (const i of [...marked].sort((a, b) => a - b)) {
    const match = matchLine(lines[i]!, startLine + i, matchers);
    if (match) out.push(match);
  }
  return out;
}

function matchEachLine(lines: string[], startLine: number, matchers: RegExp[]): LineMatch[] {
  const out: LineMatch[] = [];
  for (let i = 0; i < lines.length; i++) {
    const match = matchLine(lines[i]!.replace(/\r$/, ""), startLine + i, matchers);
    if (match) out.push(match);
  }
  return out;
}
