/**
 * Parsing structured files with their line numbers: YAML and JSON through the `yaml` parser
 * (JSON is YAML 1.2 flow syntax; its source ranges give each key's line), TOML through
 * `smol-toml` (values) with the line of a table's key found by reading the lines of that
 * table, and front matter (a leading YAML block between `---` lines) of Markdown files.
 */
import { parse as parseToml } from "smol-toml";
import { CST, isMap, isScalar, Lexer, LineCounter, parseDocument, type Document } from "yaml";
import { ExtractionProblem } from "./extractor.js";

/** A parsed YAML or JSON document: its value and the lines of its keys. */
export interface LocatedDocument {
  /** The document as plain JS values. */
  value: unknown;
  /** 1-based line of the key at `path` (or of its nearest parent found), 1 when unknown. */
  lineOf(path: (string | number)[]): number;
}

/** Largest document read (characters); bigger files are refused, not parsed. */
const MAX_DOCUMENT_CHARS = 2 * 1024 * 1024;
/**
 * Deepest nesting read (flow `[` and `{`, block indentation and `- - -` on one line): the
 * parser recurses and keeps every level, and very deep input can take the process down (a
 * stack overflow, or the heap: 900,000 `- ` on one line, 1.8 MB, fill a 128 MB heap).
 */
const MAX_NESTING = 200;

/**
 * Refuses text nested deeper than the parser may safely read, before it parses: the count of
 * brackets (an upper bound, brackets inside strings counted too) and the nesting the YAML
 * lexer sees (block and flow). Both are linear and keep no tree.
 * @throws ExtractionProblem
 */
export function checkNesting(text: string): void {
  if (bracketDepth(text) > MAX_NESTING || yamlDepth(text) > MAX_NESTING) throw new ExtractionProblem(`nested more than ${MAX_NESTING} levels deep`);
}

/**
 * The deepest nesting of YAML `text` as the `yaml` lexer reads it (a flat stream of tokens, so
 * strings and comments are told apart from syntax; it builds no tree and cannot run deep):
 * in block context, the open indentation levels plus the line's `-`, `?` and `:` indicators
 * (`- - - x`, `a: a: x` and `? - x` nest on one line); in flow context, the open `[` and `{`.
 * Stops reading once past the limit.
 */
function yamlDepth(text: string): number {
  const open: number[] = [];
  let flow = 0;
  let indicators = 0;
  let indent = 0;
  let lineStart = true;
  let max = 0;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type === "newline") {
      lineStart = true;
      indent = 0;
      indicators = 0;
      continue;
    }
    if (type === "space" || type === "comment") {
      if (lineStart && type === "space") indent = token.length;
      continue;
    }
    if (lineStart && flow === 0) {
      while (open.length > 0 && open[open.length - 1]! >= indent) open.pop();
      open.push(indent);
    }
    lineStart = false;
    if (type === "flow-map-start" || type === "flow-seq-start") flow++;
    else if ((type === "flow-map-end" || type === "flow-seq-end") && flow > 0) flow--;
    else if (flow === 0 && (type === "seq-item-ind" || type === "explicit-key-ind" || type === "map-value-ind")) indicators++;
    max = Math.max(max, open.length + indicators + flow);
    if (max > MAX_NESTING) return max;
  }
  return max;
}

/** The deepest nesting of brackets in `text` (brackets inside strings counted too: an upper bound). */
function bracketDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 || c === 123) max = Math.max(max, ++depth);
    else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return max;
}

/**
 * Parses YAML (or JSON) text. Aliases are not expanded beyond a small budget, so an alias
 * bomb cannot take the process.
 * @throws ExtractionProblem when the text is not valid.
 */
export function parseYaml(text: string, lineOffset = 0): LocatedDocument {
  if (text.length > MAX_DOCUMENT_CHARS) throw new ExtractionProblem("file too large to read");
  checkNesting(text);
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: false, prettyErrors: false, merge: true });
  if (doc.errors.length > 0) throw new ExtractionProblem(`not valid YAML/JSON: ${doc.errors[0]!.message.split("\n")[0]}`);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ExtractionProblem(`not readable: ${(err as Error).message.split("\n")[0]}`);
  }
  return { value, lineOf: (path) => lineOffset + keyLine(doc, counter, path) };
}

function keyLine(doc: Document, counter: LineCounter, path: (string | number)[]): number {
  for (let depth = path.length; depth > 0; depth--) {
    const parent = depth === 1 ? doc.contents : doc.getIn(path.slice(0, depth - 1), true);
    const key = path[depth - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
      const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
      if (range) return counter.linePos(range[0]).line;
    }
    const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return counter.linePos(node.range[0]).line;
  }
  return 1;
}

/** A parsed TOML document and the lines of its keys. */
export interface LocatedToml {
  value: Record<string, unknown>;
  /** Line of `key` inside table `table` (dotted, e.g. "project.optional-dependencies"), else the table's header, else 1. */
  lineOf(table: string, key?: string): number;
}

/**
 * Parses TOML text.
 * @throws ExtractionProblem when the text is not valid TOML.
 */
export function parseTomlDocument(text: string): LocatedToml {
  if (text.length > MAX_DOCUMENT_CHARS) throw new ExtractionProblem("file too large to read");
  let value: Record<string, unknown>;
  try {
    value = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw new ExtractionProblem(`not valid TOML: ${(err as Error).message.split("\n")[0]}`);
  }
  const lines = text.split("\n");
  const headers = new Map<string, number>();
  lines.forEach((line, i) => {
    const name = tableHeader(line);
    if (name !== undefined && !headers.has(name)) headers.set(name, i);
  });
  return {
    value,
    lineOf(table, key) {
      // A key may have a table of its own: [dependencies.serde].
      const own = key === undefined ? undefined : headers.get(`${table}.${key}`);
      if (own !== undefined) return own + 1;
      const start = headers.get(table);
      if (start === undefined) return 1;
      if (key === undefined) return start + 1;
      for (let i = start + 1; i < lines.length; i++) {
        const line = lines[i]!.trim();
        if (line.startsWith("[")) break;
        const name = /^("([^"]+)"|'([^']+)'|([A-Za-z0-9_.-]+))\s*[=.]/.exec(line);
        if (name && (name[2] ?? name[3] ?? name[4]) === key) return i + 1;
      }
      return start + 1;
    },
  };
}

/** The table a `[table]` or `[[array]]` header line names, read without backtracking. */
function tableHeader(line: string): string | undefined {
  const text = line.trim();
  if (!text.startsWith("[")) return undefined;
  const double = text.startsWith("[[");
  const close = text.indexOf(double ? "]]" : "]");
  if (close < 0) return undefined;
  const rest = text.slice(close + (double ? 2 : 1)).trim();
  if (rest !== "" && !rest.startsWith("#")) return undefined;
  const name = text.slice(double ? 2 : 1, close).trim();
  return name === "" ? undefined : normaliseTable(name);
}

/** A table name as written in a header, without quotes and spaces around dots. */
function normaliseTable(name: string): string {
  return name
    .split(".")
    .map((part) => part.trim().replace(/^["']|["']$/g, ""))
    .join(".");
}

/** A Markdown file's front matter (YAML between `---` lines at the top) and the rest. */
export interface FrontMatter {
  data: Record<string, unknown>;
  /** The body after the front matter. */
  body: string;
  /** Lines the front matter took (the body's first line is this + 1). */
  bodyLine: number;
  lineOf(path: (string | number)[]): number;
}

/**
 * Splits front matter from a Markdown text. A text without it has empty data.
 * @throws ExtractionProblem when the front matter is not valid YAML or not a mapping.
 */
export function splitFrontMatter(text: string): FrontMatter {
  const none: FrontMatter = { data: {}, body: text, bodyLine: 1, lineOf: () => 1 };
  if (!/^---\r?\n/.test(text)) return none;
  const end = /\r?\n---[ \t]*(\r?\n|$)/.exec(text.slice(3));
  if (!end) return none;
  const yamlText = text.slice(text.indexOf("\n") + 1, 3 + end.index + 1);
  const doc = parseYaml(yamlText, 1);
  const data = doc.value ?? {};
  if (typeof data !== "object" || Array.isArray(data)) throw new ExtractionProblem("front matter is not a mapping");
  const consumed = text.slice(0, 3 + end.index + end[0].length);
  const bodyLine = consumed.split("\n").length - (consumed.endsWith("\n") ? 1 : 0) + 1;
  return { data: data as Record<string, unknown>, body: text.slice(consumed.length), bodyLine, lineOf: doc.lineOf };
}
