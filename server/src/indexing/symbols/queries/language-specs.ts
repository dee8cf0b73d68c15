/**
 * The languages the symbol extractor supports: grammar file, query and scoping rules.
 *
 * Query capture conventions (read by symbol-extractor.ts):
 * - `@definition.<kind>`: the whole definition; `<kind>` is a SymbolKind. One symbol per `@name`.
 * - `@name`: the symbol's name node. When several patterns capture the same name node, the
 *   earliest pattern in the query wins, so specific patterns come before general ones.
 * - `@scope` (with `@name`): a node that is a container but not itself a symbol (a Rust `impl`).
 * - `@receiver`: the container given explicitly (Go receivers, C++ `Type::method`).
 * - Captures starting with `_` only feed predicates.
 */
import { C_QUERY, CPP_QUERY } from "./c.query.js";
import { CSHARP_QUERY } from "./csharp.query.js";
import { GO_QUERY } from "./go.query.js";
import { JAVA_QUERY } from "./java.query.js";
import { JAVASCRIPT_QUERY, TYPESCRIPT_QUERY } from "./javascript.query.js";
import { KOTLIN_QUERY } from "./kotlin.query.js";
import { PHP_QUERY } from "./php.query.js";
import { PYTHON_QUERY } from "./python.query.js";
import { RUBY_QUERY } from "./ruby.query.js";
import { RUST_QUERY } from "./rust.query.js";

/** How to extract symbols for one language. */
export interface LanguageSpec {
  /** Grammar name: node_modules/tree-sitter-wasms/out/tree-sitter-<grammar>.wasm. */
  grammar: string;
  /** Tree-sitter query source following the capture conventions above. */
  query: string;
  /** Container kinds in which a `function` definition is reported as a `method`. */
  methodScopes: ReadonlySet<string>;
  /** Parent node types that belong to a definition's line range (`export`, decorators, templates). */
  rangeWrappers: ReadonlySet<string>;
}

/** Kinds (symbol kinds plus the `scope` pseudo-kind) that act as the container of nested symbols. */
export const CONTAINER_KINDS: ReadonlySet<string> = new Set(["class", "interface", "struct", "trait", "enum", "module", "namespace", "scope"]);

const TYPE_SCOPES = new Set(["class", "interface", "struct", "trait", "enum", "scope"]);
const NONE = new Set<string>();
const JS_WRAPPERS = new Set(["export_statement", "lexical_declaration", "variable_declaration", "ambient_declaration"]);

function spec(grammar: string, query: string, extra: Partial<LanguageSpec> = {}): LanguageSpec {
  return { grammar, query, methodScopes: TYPE_SCOPES, rangeWrappers: NONE, ...extra };
}

/** Language id (as returned by detectLanguage) → spec. */
export const LANGUAGE_SPECS: ReadonlyMap<string, LanguageSpec> = new Map([
  ["typescript", spec("typescript", TYPESCRIPT_QUERY, { rangeWrappers: JS_WRAPPERS })],
  ["tsx", spec("tsx", TYPESCRIPT_QUERY, { rangeWrappers: JS_WRAPPERS })],
  ["javascript", spec("javascript", JAVASCRIPT_QUERY, { rangeWrappers: JS_WRAPPERS })],
  ["python", spec("python", PYTHON_QUERY, { rangeWrappers: new Set(["decorated_definition"]) })],
  ["go", spec("go", GO_QUERY)],
  ["java", spec("java", JAVA_QUERY)],
  ["rust", spec("rust", RUST_QUERY)],
  ["ruby", spec("ruby", RUBY_QUERY, { methodScopes: new Set([...TYPE_SCOPES, "module"]) })],
  ["c", spec("c", C_QUERY)],
  ["cpp", spec("cpp", CPP_QUERY, { rangeWrappers: new Set(["template_declaration"]) })],
  ["csharp", spec("c_sharp", CSHARP_QUERY)],
  ["php", spec("php", PHP_QUERY)],
  ["kotlin", spec("kotlin", KOTLIN_QUERY)],
]);
