/**
 * Symbol extraction with tree-sitter (web-tree-sitter + the grammars of tree-sitter-wasms).
 *
 * For a supported language, parses the source, runs the language's definition query
 * (queries/*.query.ts) and returns the named definitions in document order, each with its
 * kind, nearest container (class, struct, impl type, module, namespace, Go receiver), 1-based
 * line range and a one-line signature. Grammars load on first use and stay cached; one parser
 * is reused and every tree is deleted after use. Bad input never throws: unparsable, oversized
 * or timed-out sources give [].
 */
import { createRequire } from "node:module";
import path from "node:path";
import { Language, Parser, Query, type Node, type QueryMatch, type Tree } from "web-tree-sitter";
import { CONTAINER_KINDS, LANGUAGE_SPECS, type LanguageSpec } from "./queries/language-specs.js";

/** What a symbol is. */
export type SymbolKind =
  | "function"
  | "method"
  | "class"
  | "interface"
  | "type"
  | "enum"
  | "struct"
  | "trait"
  | "module"
  | "constant"
  | "variable"
  | "field"
  | "property"
  | "namespace";

/** One named definition found in a source file. */
export interface ExtractedSymbol {
  name: string;
  kind: SymbolKind;
  /** Name of the nearest enclosing class/struct/impl type/module/namespace, or null at top level. */
  container: string | null;
  /** 1-based first line of the definition, including `export`, decorators and `template<>`. */
  startLine: number;
  /** 1-based last line of the definition. */
  endLine: number;
  /** The line on which the name appears, trimmed, at most 200 characters. */
  signature: string;
  /** 1-based number of that line (what the index stores; readers take the text from the chunk). */
  nameLine: number;
}

/** One match of a `capture` query: its pattern and captured nodes. */
export interface CapturedMatch {
  pattern: number;
  captures: { name: string; text: string; line: number; startIndex: number; endIndex: number }[];
}

/** Size guards for one file. */
export interface ExtractorLimits {
  /** Larger sources (UTF-8 bytes) give []. Default 1 MiB. */
  maxBytes: number;
  /** Sources with more lines give []. Default 50,000. */
  maxLines: number;
  /** At most this many symbols are returned (the first in document order). Default 5,000. */
  maxSymbols: number;
  /** A parse (or query run) taking longer than this is cancelled and gives []. Default 5,000 ms. */
  parseTimeoutMs: number;
}

/** The limits used unless `SymbolExtractor.create` is given others. */
export const DEFAULT_EXTRACTOR_LIMITS: Readonly<ExtractorLimits> = Object.freeze({
  maxBytes: 1024 * 1024,
  maxLines: 50_000,
  maxSymbols: 5_000,
  parseTimeoutMs: 5_000,
});

const MAX_SIGNATURE_LENGTH = 200;
const MAX_NAME_LENGTH = 200;
const GRAMMAR_DIR = path.join(path.dirname(createRequire(import.meta.url).resolve("tree-sitter-wasms/package.json")), "out");

let runtimeReady: Promise<void> | undefined;

/** A grammar with its compiled definition query. */
interface LoadedLanguage {
  language: Language;
  query: Query;
}

/** A definition found by the query, before containers are resolved. */
interface Candidate {
  kind: SymbolKind | "scope";
  name: string;
  nameNode: Node;
  definition: Node;
  receiver: Node | undefined;
  patternIndex: number;
}

/** Extracts symbols from source files. Create one per process (or worker) and reuse it. */
export class SymbolExtractor {
  private readonly loaded = new Map<string, Promise<LoadedLanguage>>();
  /** Queries compiled for `capture`, by language and text (null: the text does not compile). */
  private readonly adhoc = new Map<string, Query | null>();

  private constructor(
    private readonly parser: Parser,
    private readonly limits: ExtractorLimits,
  ) {}

  /** Initialises the tree-sitter runtime. Grammars are loaded later, when first needed. */
  static async create(limits: Partial<ExtractorLimits> = {}): Promise<SymbolExtractor> {
    runtimeReady ??= Parser.init().catch((error: unknown) => {
      runtimeReady = undefined;
      throw error;
    });
    await runtimeReady;
    return new SymbolExtractor(new Parser(), { ...DEFAULT_EXTRACTOR_LIMITS, ...limits });
  }

  /** True when `language` (an id from detectLanguage) has a grammar and query here. */
  supports(language: string): boolean {
    return LANGUAGE_SPECS.has(language);
  }

  /**
   * The symbols defined in `source`, in document order. Unsupported languages, sources over
   * the limits and parse failures give []. Rejects only when a grammar cannot be loaded.
   */
  async extract(language: string, source: string): Promise<ExtractedSymbol[]> {
    const spec = LANGUAGE_SPECS.get(language);
    if (!spec || typeof source !== "string" || this.exceedsLimits(source)) return [];
    const { language: grammar, query } = await this.load(language, spec);
    // Everything below is synchronous, so concurrent calls never share the parser mid-parse.
    const tree = this.parse(grammar, source);
    if (!tree) return [];
    try {
      const matches = query.matches(tree.rootNode, { timeoutMicros: this.limits.parseTimeoutMs * 1000 });
      return this.collect(matches, spec, source);
    } catch {
      return [];
    } finally {
      tree.delete();
    }
  }

  /**
   * Runs a tree-sitter `query` (its source text; compiled once per language) over `source`
   * and returns each match's captures (name, text, 1-based line, offsets), in document
   * order. Same limits as `extract`: unsupported languages, sources over the limits, bad
   * queries and parse failures give [].
   */
  async capture(language: string, query: string, source: string): Promise<CapturedMatch[]> {
    const spec = LANGUAGE_SPECS.get(language);
    if (!spec || typeof source !== "string" || this.exceedsLimits(source)) return [];
    const { language: grammar } = await this.load(language, spec);
    const key = `${language}\u0000${query}`;
    let compiled = this.adhoc.get(key);
    if (compiled === undefined) {
      try {
        compiled = new Query(grammar, query);
      } catch {
        compiled = null;
      }
      this.adhoc.set(key, compiled);
    }
    if (!compiled) return [];
    const tree = this.parse(grammar, source);
    if (!tree) return [];
    try {
      return compiled.matches(tree.rootNode, { timeoutMicros: this.limits.parseTimeoutMs * 1000 }).map((m) => ({
        pattern: m.patternIndex,
        captures: m.captures.map((c) => ({
          name: c.name,
          text: c.node.text.slice(0, 2000),
          line: c.node.startPosition.row + 1,
          startIndex: c.node.startIndex,
          endIndex: c.node.endIndex,
        })),
      }));
    } catch {
      return [];
    } finally {
      tree.delete();
    }
  }

  /** Frees the parser and compiled queries. The extractor must not be used afterwards. */
  async dispose(): Promise<void> {
    for (const loading of this.loaded.values()) {
      await loading.then(
        (loaded) => loaded.query.delete(),
        () => undefined,
      );
    }
    this.loaded.clear();
    for (const query of this.adhoc.values()) query?.delete();
    this.adhoc.clear();
    this.parser.delete();
  }

  /** Parses `source` within the time limit; undefined (the parser reset) when it fails or runs out of time. */
  private parse(grammar: Language, source: string): Tree | undefined {
    const deadline = performance.now() + this.limits.parseTimeoutMs;
    try {
      this.parser.setLanguage(grammar);
      const tree = this.parser.parse(source, null, { progressCallback: () => performance.now() >= deadline });
      if (tree) return tree;
    } catch {
      // an unparsable source gives no tree
    }
    this.parser.reset();
    return undefined;
  }

  private exceedsLimits(source: string): boolean {
    const { maxBytes, maxLines } = this.limits;
    if (source.length > maxBytes || Buffer.byteLength(source, "utf8") > maxBytes) return true;
    let lines = 1;
    for (let at = source.indexOf("\n"); at !== -1; at = source.indexOf("\n", at + 1)) {
      if (++lines > maxLines) return true;
    }
    return false;
  }

  private load(id: string, spec: LanguageSpec): Promise<LoadedLanguage> {
    let loading = this.loaded.get(id);
    if (!loading) {
      loading = Language.load(path.join(GRAMMAR_DIR, `tree-sitter-${spec.grammar}.wasm`)).then((language) => ({
        language,
        query: new Query(language, spec.query),
      }));
      loading.catch(() => this.loaded.delete(id));
      this.loaded.set(id, loading);
    }
    return loading;
  }

  /** Turns query matches into symbols: dedupe by name node, resolve containers, shape output. */
  private collect(matches: QueryMatch[], spec: LanguageSpec, source: string): ExtractedSymbol[] {
    const byName = new Map<number, Candidate>();
    for (const match of matches) {
      const candidate = toCandidate(match);
      if (!candidate) continue;
      const existing = byName.get(candidate.nameNode.id);
      if (!existing || candidate.patternIndex < existing.patternIndex) byName.set(candidate.nameNode.id, candidate);
    }
    const candidates = [...byName.values()].sort((a, b) => a.nameNode.startIndex - b.nameNode.startIndex);
    const byDefinition = new Map<number, Candidate>();
    for (const candidate of candidates) {
      if (!byDefinition.has(candidate.definition.id)) byDefinition.set(candidate.definition.id, candidate);
    }

    const enclosing = enclosingDefinitions([...byDefinition.values()]);
    const symbols: ExtractedSymbol[] = [];
    for (const candidate of candidates) {
      if (candidate.kind === "scope") continue;
      const symbol = this.resolve(candidate, enclosing ?? parentWalk(byDefinition), spec, source);
      if (symbol) symbols.push(symbol);
      if (symbols.length >= this.limits.maxSymbols) break;
    }
    return symbols;
  }

  private resolve(
    candidate: Candidate,
    enclosingOf: (candidate: Candidate) => Candidate | undefined,
    spec: LanguageSpec,
    source: string,
  ): ExtractedSymbol | undefined {
    let kind = candidate.kind as SymbolKind;
    const nearest = enclosingOf(candidate);
    let container: string | null = null;
    for (let enclosing = nearest; enclosing; enclosing = enclosingOf(enclosing)) {
      if (CONTAINER_KINDS.has(enclosing.kind)) {
        container = enclosing.name;
        break;
      }
    }
    const insideFunction = nearest?.kind === "function" || nearest?.kind === "method";
    if ((kind === "variable" || kind === "constant") && insideFunction) return undefined;
    if (kind === "function" && nearest && spec.methodScopes.has(nearest.kind)) kind = "method";
    if (candidate.receiver) container = typeName(candidate.receiver.text) || container;

    let start = candidate.definition;
    for (let parent = wrapperParent(start, spec); parent; parent = wrapperParent(parent, spec)) start = parent;
    const line = lineAround(source, candidate.nameNode.startIndex);
    return {
      name: candidate.name,
      kind,
      container,
      startLine: start.startPosition.row + 1,
      endLine: lastLine(candidate.definition),
      signature: line.trim().slice(0, MAX_SIGNATURE_LENGTH),
      nameLine: candidate.nameNode.startPosition.row + 1,
    };
  }
}

/** The parent of `node` when it belongs to the definition's line range (`export`, ...). */
function wrapperParent(node: Node, spec: LanguageSpec): Node | undefined {
  if (spec.rangeWrappers.size === 0) return undefined;
  const parent = node.parent;
  return parent && spec.rangeWrappers.has(parent.type) ? parent : undefined;
}

/**
 * The nearest enclosing definition of each definition (the first of the candidates sharing
 * it), from byte ranges: tree-sitter ranges nest like the tree, and asking tree-sitter for a
 * node's parent walks down from the root each time. Undefined when two definitions span the
 * same range (then only the tree tells which encloses the other): use `parentWalk`.
 */
function enclosingDefinitions(definitions: Candidate[]): ((candidate: Candidate) => Candidate | undefined) | undefined {
  const spans = definitions
    .map((candidate) => ({ candidate, start: candidate.definition.startIndex, end: candidate.definition.endIndex }))
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const parentOf = new Map<number, Candidate | undefined>();
  const open: typeof spans = [];
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    const previous = spans[i - 1];
    if (span.end <= span.start || (previous && previous.start === span.start && previous.end === span.end)) return undefined;
    while (open.length > 0 && open.at(-1)!.end < span.end) open.pop();
    parentOf.set(span.candidate.definition.id, open.at(-1)?.candidate);
    open.push(span);
  }
  return (candidate) => parentOf.get(candidate.definition.id);
}

/** The nearest enclosing definition, found by walking up the tree (slow: see enclosingDefinitions). */
function parentWalk(byDefinition: Map<number, Candidate>): (candidate: Candidate) => Candidate | undefined {
  return (candidate) => {
    for (let node = candidate.definition.parent; node; node = node.parent) {
      const enclosing = byDefinition.get(node.id);
      if (enclosing) return enclosing;
    }
    return undefined;
  };
}

/** Reads the captures of one match following the conventions of language-specs.ts. */
function toCandidate(match: QueryMatch): Candidate | undefined {
  let kind: Candidate["kind"] | undefined;
  let definition: Node | undefined;
  let nameNode: Node | undefined;
  let receiver: Node | undefined;
  for (const capture of match.captures) {
    if (capture.name === "name") nameNode = capture.node;
    else if (capture.name === "receiver") receiver = capture.node;
    else if (capture.name === "scope") [kind, definition] = ["scope", capture.node];
    else if (capture.name.startsWith("definition.")) {
      [kind, definition] = [capture.name.slice("definition.".length) as SymbolKind, capture.node];
    }
  }
  if (!kind || !definition || !nameNode) return undefined;
  const name = kind === "scope" ? typeName(nameNode.text) : nameNode.text.replace(/\s+/g, " ");
  if (name === "") return undefined;
  return { kind, name: name.slice(0, MAX_NAME_LENGTH), nameNode, definition, receiver, patternIndex: match.patternIndex };
}

/**
 * The line of `source` holding the character at `index` (tree-sitter indexes are UTF-16 code
 * units here, like JavaScript's), without splitting the whole source into lines.
 */
function lineAround(source: string, index: number): string {
  const start = index > 0 ? source.lastIndexOf("\n", index - 1) + 1 : 0;
  const end = source.indexOf("\n", index);
  return source.slice(start, end < 0 ? source.length : end);
}

/** 1-based last line of a node, not counting a trailing newline it includes (`#define`). */
function lastLine(node: Node): number {
  const { row, column } = node.endPosition;
  return column === 0 && row > node.startPosition.row ? row : row + 1;
}

/** `*Stack[T]` → `Stack`, `crate::geo::Point<T>` → `Point`, `&mut dyn Trait` → `Trait`. */
function typeName(text: string): string {
  const bare = text
    .replace(/^(?:[\s&*]|mut\s|dyn\s|impl\s)+/, "")
    .split(/[<[(]/, 1)[0]!
    .trim();
  return bare
    .split(/::|\.|\\/)
    .pop()!
    .trim()
    .slice(0, MAX_NAME_LENGTH);
}
