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

/** The lines of a chunk that match any of `matchers`. */
export function matchLines(content: string, startLine: number, matchers: RegExp[]): LineMatch[] {
  const out: LineMatch[] = [];
  const lines = content.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const full = lines[i]!.replace(/\r$/, "");
    const ranges = rangesIn(full, matchers);
    if (ranges.length === 0) continue;
    const text = full.length > MAX_LINE_CHARS ? full.slice(0, MAX_LINE_CHARS) : full;
    out.push({ line: startLine + i, text, ranges: ranges.filter((r) => r[0] < text.length).map((r) => [r[0], Math.min(r[1], text.length)]) });
  }
  return out;
}
