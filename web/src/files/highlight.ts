/**
 * Syntax highlighting for the file view with the lezer parsers CodeMirror 6 uses, turned into
 * class names (`tok-keyword`, `tok-string`, … from @lezer/highlight's classHighlighter) line by
 * line, so the page keeps its own numbered lines and anchors. Each language's parser loads
 * only when a file of that language is opened. Unknown languages stay plain.
 */
import { classHighlighter, highlightCode } from "@lezer/highlight";
import type { Parser } from "@lezer/common";

/** The parser of each indexed language id (language-detect.ts) that has one. */
const PARSERS: Record<string, () => Promise<Parser>> = {
  typescript: () => import("@lezer/javascript").then((m) => m.parser.configure({ dialect: "ts" })),
  tsx: () => import("@lezer/javascript").then((m) => m.parser.configure({ dialect: "ts jsx" })),
  javascript: () => import("@lezer/javascript").then((m) => m.parser.configure({ dialect: "jsx" })),
  python: () => import("@lezer/python").then((m) => m.parser),
  go: () => import("@lezer/go").then((m) => m.parser),
  rust: () => import("@lezer/rust").then((m) => m.parser),
  java: () => import("@lezer/java").then((m) => m.parser),
  c: () => import("@lezer/cpp").then((m) => m.parser),
  cpp: () => import("@lezer/cpp").then((m) => m.parser),
  json: () => import("@lezer/json").then((m) => m.parser),
  css: () => import("@lezer/css").then((m) => m.parser),
  html: () => import("@lezer/html").then((m) => m.parser),
  markdown: () => import("@lezer/markdown").then((m) => m.parser),
  yaml: () => import("@lezer/yaml").then((m) => m.parser),
};

/** One run of text and its highlight classes ("" for none). */
export interface Token {
  text: string;
  classes: string;
}

/** Most characters highlighted: past this a file stays plain (parsing is not free). */
const MAX_HIGHLIGHT_CHARS = 500_000;

/** The lines of `lines` as highlighted tokens, or null when the language has no parser. */
export async function highlightLines(lines: string[], language: string | null): Promise<Token[][] | null> {
  const load = language ? PARSERS[language] : undefined;
  const code = lines.join("\n");
  if (!load || code.length > MAX_HIGHLIGHT_CHARS) return null;
  const parser = await load();
  const out: Token[][] = [[]];
  highlightCode(
    code,
    parser.parse(code),
    classHighlighter,
    (text, classes) => out[out.length - 1]!.push({ text, classes }),
    () => out.push([]),
  );
  return out;
}
