/**
 * Which matching lines of a file a result shows first: the lines that match most of the query.
 * REST, the web app and the MCP search_code tool all get their lines through result-page.ts,
 * which orders them here, so they agree.
 */
import type { LineMatch } from "./line-matcher.js";
import type { TextPattern } from "./text-pattern.js";

/** Most matches of one term looked for in one line (any match is enough). */
const MAX_TERM_MATCHES = 1;

/**
 * Orders a file's matching lines, best first:
 * 1. the number of distinct query terms on the line (a line with every term beats lines with one);
 * 2. a definition of a searched name (a line in `definitionLines`) first;
 * 3. among lines equal on both, a line that shows a term no earlier line shows yet, so one term
 *    on many lines does not hide the lines of another;
 * 4. the line number.
 * `terms` are the query's positive patterns, compiled as the search matches them. Returns a new
 * array; `lines` is not changed.
 */
export function orderMatchLines(lines: LineMatch[], terms: TextPattern[], definitionLines: ReadonlySet<number>): LineMatch[] {
  const scored = lines.map((line) => {
    const has: number[] = [];
    terms.forEach((term, i) => {
      let found = false;
      term.scan(line.text, MAX_TERM_MATCHES, (start, end) => {
        if (end > start) found = true;
      });
      if (found) has.push(i);
    });
    return { line, has, definition: definitionLines.has(line.line) };
  });
  scored.sort((a, b) => b.has.length - a.has.length || Number(b.definition) - Number(a.definition) || a.line.line - b.line.line);
  const covered = new Set<number>();
  const out: LineMatch[] = [];
  for (let start = 0; start < scored.length; ) {
    let end = start;
    const first = scored[start]!;
    while (end < scored.length && scored[end]!.has.length === first.has.length && scored[end]!.definition === first.definition) end++;
    const tier = scored.slice(start, end);
    const later: typeof tier = [];
    for (const s of tier) {
      if (s.has.some((t) => !covered.has(t))) {
        out.push(s.line);
        for (const t of s.has) covered.add(t);
      } else later.push(s);
    }
    out.push(...later.map((s) => s.line));
    start = end;
  }
  return out;
}

/**
 * Groups the shown lines of a result into hunks: each chosen match with the context lines
 * around it, a hunk per match unless their context windows overlap (then one hunk in line
 * order). Hunks come in the order of their best match in `ordered`. `contextLine` gives the
 * context line of a line number, when its text is held.
 */
export function hunksInOrder<T extends { line: number }>(ordered: T[], context: number, contextLine: (n: number) => T | undefined): T[] {
  const rank = new Map(ordered.map((m, i) => [m.line, i]));
  const byLine = [...ordered].sort((a, b) => a.line - b.line);
  const hunks: { best: number; lines: T[] }[] = [];
  let current: { best: number; lines: T[]; last: number } | undefined;
  for (const m of byLine) {
    if (!current || m.line - context > current.last + context) {
      current = { best: rank.get(m.line)!, lines: [], last: m.line };
      hunks.push(current);
    }
    current.best = Math.min(current.best, rank.get(m.line)!);
    current.last = m.line;
    current.lines.push(m);
  }
  const shown = new Set(ordered.map((m) => m.line));
  const out: T[] = [];
  for (const hunk of hunks.sort((a, b) => a.best - b.best)) {
    const first = hunk.lines[0]!.line - context;
    const last = hunk.lines.at(-1)!.line + context;
    const byNumber = new Map(hunk.lines.map((m) => [m.line, m]));
    for (let n = first; n <= last; n++) {
      const line = byNumber.get(n) ?? (shown.has(n) ? undefined : contextLine(n));
      if (line) out.push(line);
    }
  }
  return out;
}
