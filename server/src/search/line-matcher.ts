/**
 * Finds the lines of a chunk that match a query's patterns, with match ranges for
 * highlighting. Runs in JavaScript on the few chunks the database returned; the database
 * decides which chunks, this decides which lines and where. Patterns run in linear time
 * (text-pattern.ts), and every loop here is capped.
 */
import type { TextPattern } from "./text-pattern.js";

/** A matching line. Ranges are [start, end) in UTF-16 code units of `text`. */
export interface LineMatch {
  line: number;
  text: string;
  ranges: [number, number][];
}

/** Longest line text returned; longer lines are cut (ranges beyond are dropped). */
export const MAX_LINE_CHARS = 500;

/**
 * Characters of a line that patterns are matched against; the rest of a longer line is not
 * searched. Chunks hold up to 16 KB, except that one line longer than that is a chunk of its
 * own: the cut keeps the cost of matching a chunk bounded (minified files are not indexed).
 */
export const MAX_MATCHED_LINE_CHARS = 4000;

/** `content` with every line cut to MAX_MATCHED_LINE_CHARS (the same string when none is longer). */
function cutLongLines(content: string): string {
  let out: string[] | undefined;
  let start = 0;
  for (;;) {
    const end = content.indexOf("\n", start);
    const stop = end === -1 ? content.length : end;
    if (stop - start > MAX_MATCHED_LINE_CHARS && !out) out = [content.slice(0, start)];
    if (out) out.push(content.slice(start, Math.min(stop, start + MAX_MATCHED_LINE_CHARS)) + (end === -1 ? "" : "\n"));
    if (end === -1) break;
    start = end + 1;
  }
  return out ? out.join("") : content;
}

/** Most matches of one pattern looked at in one line. */
const MAX_LINE_MATCHES = 100;

/** Match ranges of `patterns` in one line, merged and sorted. */
export function rangesIn(text: string, patterns: TextPattern[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (const p of patterns) {
    p.scan(text, MAX_LINE_MATCHES, (start, end) => {
      if (end > start) ranges.push([start, end]);
    });
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
function matchLine(full: string, line: number, matchers: TextPattern[]): LineMatch | undefined {
  const ranges = rangesIn(full, matchers);
  if (ranges.length === 0) return undefined;
  const text = full.length > MAX_LINE_CHARS ? full.slice(0, MAX_LINE_CHARS) : full;
  return { line, text, ranges: ranges.filter((r) => r[0] < text.length).map((r) => [r[0], Math.min(r[1], text.length)]) };
}

/** Most matches looked at per matcher when sweeping one chunk. */
const MAX_SWEEP_MATCHES = 20_000;

/**
 * The lines of a chunk that match any of `matchers`. Each matcher sweeps the whole chunk once
 * to find the lines where it matches (start to end of each match); only those lines are then
 * matched one by one, which gives the same lines and ranges as matching every line.
 * Chunks with carriage returns are matched line by line ($ would not see line ends there).
 */
export function matchLines(chunk: string, startLine: number, matchers: TextPattern[]): LineMatch[] {
  const content = cutLongLines(chunk);
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
  for (const p of matchers) {
    p.scan(content, MAX_SWEEP_MATCHES, (start, end) => {
      const first = lineOf(start);
      const last = end > start ? lineOf(end - 1) : first;
      for (let l = first; l <= last; l++) marked.add(l);
    });
  }
  const out: LineMatch[] = [];
  for (const i of [...marked].sort((a, b) => a - b)) {
    const match = matchLine(lines[i]!, startLine + i, matchers);
    if (match) out.push(match);
  }
  return out;
}

function matchEachLine(lines: string[], startLine: number, matchers: TextPattern[]): LineMatch[] {
  const out: LineMatch[] = [];
  for (let i = 0; i < lines.length; i++) {
    const match = matchLine(lines[i]!.replace(/\r$/, ""), startLine + i, matchers);
    if (match) out.push(match);
  }
  return out;
}
