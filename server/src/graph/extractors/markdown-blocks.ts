/**
 * The blocks of a Markdown text that carry prose: headings, list items (with their
 * continuation lines) and paragraphs, each with its first line. Fenced code, HTML comments and
 * tables are skipped: rules and decisions are written in prose.
 */

/** One block. */
export interface MarkdownBlock {
  type: "heading" | "item" | "paragraph";
  /** Heading level (1–6); 0 for other blocks. */
  level: number;
  text: string;
  /** 1-based line in the whole file. */
  line: number;
}

/** Most blocks read from one file. */
const MAX_BLOCKS = 2_000;

/** An ATX heading (`## Title ##`), read without backtracking. */
function headingOf(trimmed: string): { level: number; text: string } | undefined {
  let level = 0;
  while (level < trimmed.length && trimmed[level] === "#") level++;
  if (level < 1 || level > 6 || (trimmed.length > level && trimmed[level] !== " " && trimmed[level] !== "\t")) return undefined;
  let text = trimmed.slice(level).trim();
  let end = text.length;
  while (end > 0 && text[end - 1] === "#") end--;
  if (end < text.length && (end === 0 || text[end - 1] === " " || text[end - 1] === "\t")) text = text.slice(0, end).trim();
  return { level, text };
}

/** Splits `body` (which starts at line `firstLine` of its file) into blocks. */
export function markdownBlocks(body: string, firstLine = 1): MarkdownBlock[] {
  const blocks: MarkdownBlock[] = [];
  let current: MarkdownBlock | undefined;
  let fence: string | undefined;
  let comment = false;
  const close = () => {
    if (current && current.text.trim() !== "" && blocks.length < MAX_BLOCKS) blocks.push({ ...current, text: current.text.trim() });
    current = undefined;
  };
  body.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    const lineNo = firstLine + i;
    const trimmed = line.trim();
    if (fence !== undefined) {
      if (trimmed.startsWith(fence)) fence = undefined;
      return;
    }
    if (comment) {
      if (trimmed.includes("-->")) comment = false;
      return;
    }
    const fenceOpen = /^(```+|~~~+)/.exec(trimmed);
    if (fenceOpen) {
      close();
      fence = fenceOpen[1];
      return;
    }
    if (trimmed.startsWith("<!--")) {
      close();
      comment = !trimmed.includes("-->");
      return;
    }
    if (trimmed === "" || trimmed.startsWith("|") || /^(-{3,}|\*{3,}|_{3,})$/.test(trimmed)) {
      close();
      return;
    }
    const heading = headingOf(trimmed);
    if (heading) {
      close();
      if (blocks.length < MAX_BLOCKS) blocks.push({ type: "heading", level: heading.level, text: heading.text, line: lineNo });
      return;
    }
    const item = /^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+(.*)$/.exec(line);
    if (item) {
      close();
      current = { type: "item", level: 0, text: item[1]!, line: lineNo };
      return;
    }
    if (current) current.text += ` ${trimmed}`;
    else current = { type: "paragraph", level: 0, text: trimmed, line: lineNo };
  });
  close();
  return blocks;
}
