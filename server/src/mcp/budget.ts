/**
 * Output budgets of MCP tools: agents pay for every token, so each tool caps the text it
 * returns and says how to get more (a cursor or a narrower call).
 */

/** Most characters of text one tool call returns (about 6k tokens). */
export const MAX_TOOL_TEXT = 24_000;
/** Most characters of one line shown. */
export const MAX_LINE_TEXT = 300;

/** Appends lines until the budget is used; returns the text and whether lines were left out. */
export function fitLines(lines: string[], budget = MAX_TOOL_TEXT): { text: string; truncated: boolean } {
  let used = 0;
  const out: string[] = [];
  for (const line of lines) {
    if (used + line.length + 1 > budget) return { text: out.join("\n"), truncated: true };
    out.push(line);
    used += line.length + 1;
  }
  return { text: out.join("\n"), truncated: false };
}

/** Cuts a line for display. */
export function clip(text: string, max = MAX_LINE_TEXT): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** `repo@commit12:path:line`, the citation agents quote back. */
export function cite(repo: string, commit: string, path: string, line?: number): string {
  return `${repo}@${commit.slice(0, 12)}:${path}${line !== undefined ? `:${line}` : ""}`;
}
