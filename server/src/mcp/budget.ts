/**
 * Output budgets of MCP tools: agents pay for every token, so each tool caps what it returns
 * and says how to get more (a cursor or a narrower call). Many clients hand the model both the
 * text and the structured content, so the budget counts both: the text carries the code, the
 * structured content only short fields (citations, line numbers, names), never a second copy
 * of the snippets.
 */

/** Most characters one tool call returns, text and structured content (JSON) together (about 6k tokens). */
export const MAX_TOOL_TEXT = 24_000;
/** Kept free of items for notes (cursor, partial, indexing) and the structured content's frame. */
const NOTES_RESERVE = 1_000;
/** Most characters of one line shown. */
export const MAX_LINE_TEXT = 300;

/** Appends lines until the budget is used; returns the text and whether lines were left out. */
export function fitLines(lines: string[], budget = MAX_TOOL_TEXT - NOTES_RESERVE): { text: string; truncated: boolean } {
  let used = 0;
  const out: string[] = [];
  for (const line of lines) {
    if (used + line.length + 1 > budget) return { text: out.join("\n"), truncated: true };
    out.push(line);
    used += line.length + 1;
  }
  return { text: out.join("\n"), truncated: false };
}

/** One result: its lines of text and its entry in the structured content. */
export interface BudgetItem<T> {
  text: string;
  data: T;
}

/**
 * The leading items that fit the budget, each counted as its text plus its JSON: the text
 * joined by newlines, the data to put in structured content, and whether items were left out.
 * `budget` defaults to the tool budget less a reserve for notes.
 */
export function fitItems<T>(items: BudgetItem<T>[], budget = MAX_TOOL_TEXT - NOTES_RESERVE): { text: string; data: T[]; truncated: boolean } {
  let used = 0;
  const texts: string[] = [];
  const data: T[] = [];
  for (const item of items) {
    const cost = item.text.length + 1 + JSON.stringify(item.data).length + 1;
    if (used + cost > budget) return { text: texts.join("\n"), data, truncated: true };
    texts.push(item.text);
    data.push(item.data);
    used += cost;
  }
  return { text: texts.join("\n"), data, truncated: false };
}

/** Characters of a tool answer as counted against the budget: text plus structured JSON. */
export function answerSize(answer: { text: string; structured: Record<string, unknown> }): number {
  return answer.text.length + JSON.stringify(answer.structured).length;
}

/** Cuts a line for display. */
export function clip(text: string, max = MAX_LINE_TEXT): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** `repo@commit12:path:line`, the citation agents quote back. */
export function cite(repo: string, commit: string, path: string, line?: number): string {
  return `${repo}@${commit.slice(0, 12)}:${path}${line !== undefined ? `:${line}` : ""}`;
}
