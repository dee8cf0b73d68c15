/**
 * Route declarations in code, read with tree-sitter (the indexer's grammars): Express, Hono,
 * Fastify and Koa-style `app.get("/path", …)` in TypeScript and JavaScript; Flask and FastAPI
 * decorators (`@app.get`, `@bp.route(…, methods=[…])`) in Python; net/http (`HandleFunc`,
 * Go 1.22 `"POST /path"` patterns), gin, echo, chi and fiber in Go; Spring's `@GetMapping`
 * and friends (with the class's `@RequestMapping` prefix) in Java. A file's routes become one
 * API node (`api:<repoId>:<path>`) with an `operation` per route, so the package around it
 * serves them like a described API. Test files are not read; calls from clients are not
 * recorded.
 */
import type { CapturedMatch } from "../../indexing/index.js";
import { tokenize } from "./code-tokens.js";
import { baseName, dirName, type Fact } from "./extractor.js";
import { localKey } from "./graph-keys.js";

/** Runs a tree-sitter query over a source (the indexer's SymbolExtractor.capture). */
export type Capture = (language: string, query: string, source: string) => Promise<CapturedMatch[]>;

/** Most routes kept per file. */
const MAX_ROUTES = 300;

const LANGUAGES: [RegExp, string][] = [
  [/\.(ts|mts|cts)$/, "typescript"],
  [/\.tsx$/, "tsx"],
  [/\.(js|mjs|cjs|jsx)$/, "javascript"],
  [/\.py$/, "python"],
  [/\.go$/, "go"],
  [/\.java$/, "java"],
];
const TEST_PATH = /(^|\/)(tests?|__tests__|spec|e2e|testdata|fixtures?)\/|\.(test|spec)\.[cm]?[jt]sx?$|_test\.go$|(^|\/)test_[^/]*\.py$|Tests?\.java$/;

/** The language whose route declarations `path` may hold, if any. */
export function routeLanguageOf(path: string): string | undefined {
  if (TEST_PATH.test(path) || path.endsWith(".d.ts")) return undefined;
  return LANGUAGES.find(([re]) => re.test(path))?.[1];
}

/**
 * A Postgres regular expression that every file with a route declaration matches on some
 * line; files that do not are never parsed.
 */
export const ROUTE_HINT =
  "(\\.(get|post|put|patch|delete|head|options|all|route|api_route|websocket|HandleFunc|Handle|GET|POST|PUT|PATCH|DELETE|Get|Post|Put|Patch|Delete)\\s*\\(\\s*[\"'`][A-Z]*\\s*/)|(Get|Post|Put|Patch|Delete|Request)Mapping";

const JS_QUERY = `(call_expression function: (member_expression object: (_) @object property: (property_identifier) @method) arguments: (arguments . [(string) (template_string)] @path))`;
const QUERIES: Record<string, string> = {
  typescript: JS_QUERY,
  tsx: JS_QUERY,
  javascript: JS_QUERY,
  python: `(decorator (call function: (attribute object: (_) @object attribute: (identifier) @method) arguments: (argument_list . (string) @path) @args))`,
  go: `(call_expression function: (selector_expression operand: (_) @object field: (field_identifier) @method) arguments: (argument_list . (interpreted_string_literal) @path))`,
  java: `(class_declaration (modifiers (annotation name: (identifier) @class_ann arguments: (annotation_argument_list) @class_args)) body: (class_body) @body)
(method_declaration (modifiers [(annotation name: (identifier) @ann arguments: (annotation_argument_list) @args) (marker_annotation name: (identifier) @ann)]))`,
};

const JS_METHODS = new Set(["get", "post", "put", "patch", "delete", "head", "options", "all"]);
/** Objects whose `.get("/x")` is a client call, not a route. */
const CLIENTS = /^(axios|http|https|got|ky|superagent|request|fetch|client|apiClient|this\.http|\$http|httpClient|instance|api)$/i;
const PY_METHODS = new Set(["get", "post", "put", "patch", "delete", "head", "options", "route", "api_route", "websocket"]);
const GO_METHODS: Record<string, string> = { HandleFunc: "ANY", Handle: "ANY", Any: "ANY" };
for (const m of ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]) {
  GO_METHODS[m] = m;
  GO_METHODS[m.charAt(0) + m.slice(1).toLowerCase()] = m;
}
const SPRING: Record<string, string> = {
  GetMapping: "GET",
  PostMapping: "POST",
  PutMapping: "PUT",
  PatchMapping: "PATCH",
  DeleteMapping: "DELETE",
  RequestMapping: "ANY",
};

/** The value of a string literal as written (quotes, backticks, Python prefixes removed). */
function literal(text: string): string | undefined {
  const m = /^[rRbBuUfF]{0,2}(["'`])([\s\S]*)\1$/.exec(text.trim());
  if (!m || m[2]!.includes("${")) return undefined;
  return m[2];
}

/** The strings of an argument list's text, and the HTTP methods named after `method(s) =`. */
function argumentStrings(args: string): { strings: string[]; methods: string[] } {
  const tokens = tokenize(args);
  const strings: string[] = [];
  const methods: string[] = [];
  let inMethods = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const assigned = t.type === "ident" && tokens[i + 1]?.text === "=";
    if (assigned) {
      inMethods = t.text === "methods" || t.text === "method";
      continue;
    }
    if (inMethods && (t.type === "string" || t.type === "ident")) {
      const word = t.text.replace(/^RequestMethod\./, "").toUpperCase();
      if (/^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$/.test(word)) methods.push(word);
    } else if (t.type === "string") strings.push(t.text);
  }
  return { strings, methods };
}

/** One route found. */
interface Route {
  method: string;
  path: string;
  line: number;
}

function joinRoute(prefix: string, path: string): string {
  const joined = `${prefix.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
  return joined.length > 1 ? joined.replace(/\/+$/, "") || "/" : "/";
}

function routesOf(language: string, matches: CapturedMatch[]): Route[] {
  const routes: Route[] = [];
  const get = (m: CapturedMatch, name: string) => m.captures.find((c) => c.name === name);
  if (language === "java") {
    const classes = matches
      .filter((m) => get(m, "class_ann")?.text === "RequestMapping")
      .map((m) => ({ prefix: argumentStrings(get(m, "class_args")!.text).strings[0] ?? "", start: get(m, "body")!.startIndex, end: get(m, "body")!.endIndex }));
    for (const m of matches) {
      const ann = get(m, "ann");
      if (!ann || !SPRING[ann.text]) continue;
      const args = get(m, "args");
      const parsed = args ? argumentStrings(args.text) : { strings: [], methods: [] };
      const owner = classes.filter((c) => c.start <= ann.startIndex && ann.endIndex <= c.end).sort((a, b) => b.start - a.start)[0];
      const method = ann.text === "RequestMapping" ? (parsed.methods[0] ?? "ANY") : SPRING[ann.text]!;
      routes.push({ method, path: joinRoute(owner?.prefix ?? "", parsed.strings[0] ?? ""), line: ann.line });
    }
    return routes;
  }
  for (const m of matches) {
    const method = get(m, "method")?.text ?? "";
    const object = get(m, "object")?.text ?? "";
    const pathNode = get(m, "path");
    const raw = pathNode ? literal(pathNode.text) : undefined;
    if (raw === undefined || !pathNode) continue;
    if (language === "python") {
      if (!PY_METHODS.has(method) || !raw.startsWith("/")) continue;
      const parsed = argumentStrings(get(m, "args")?.text ?? "");
      const methods =
        method === "route" || method === "api_route"
          ? parsed.methods.length
            ? parsed.methods
            : ["GET"]
          : [method === "websocket" ? "WEBSOCKET" : method.toUpperCase()];
      for (const verb of methods) routes.push({ method: verb, path: raw, line: pathNode.line });
    } else if (language === "go") {
      const verb = GO_METHODS[method];
      if (!verb) continue;
      const pattern = /^(?:([A-Z]+)\s+)?(\/\S*)$/.exec(raw);
      if (!pattern) continue;
      routes.push({ method: pattern[1] ?? verb, path: pattern[2]!, line: pathNode.line });
    } else {
      if (!JS_METHODS.has(method) || CLIENTS.test(object) || !raw.startsWith("/")) continue;
      routes.push({ method: method === "all" ? "ANY" : method.toUpperCase(), path: raw, line: pathNode.line });
    }
  }
  return routes;
}

/** The facts of a code file's route declarations ([] without any). */
export async function extractRoutes(capture: Capture, input: { repositoryId: string; path: string; text: string }): Promise<Fact[]> {
  const language = routeLanguageOf(input.path);
  const query = language ? QUERIES[language] : undefined;
  if (!language || !query) return [];
  const routes = routesOf(language, await capture(language, query, input.text)).slice(0, MAX_ROUTES);
  if (routes.length === 0) return [];
  const subject = localKey("api", input.repositoryId, input.path);
  const seen = new Set<string>();
  const operations: Fact[] = [];
  for (const r of routes) {
    const label = `${r.method} ${r.path}`.slice(0, 500);
    if (seen.has(label)) continue;
    seen.add(label);
    operations.push({ line: r.line, subject, predicate: "operation", object: label });
  }
  return [
    {
      line: routes[0]!.line,
      subject,
      predicate: "is",
      object: "api",
      props: {
        name: `${baseName(input.path)} routes`,
        spec: `routes in ${language}`,
        path: input.path,
        folder: dirName(input.path),
        operations: operations.length,
      },
    },
    ...operations,
  ];
}
