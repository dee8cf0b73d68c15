/**
 * A ctxpipe search query (docs/search-syntax.md) translated into Russ Cox's codesearch
 * (`csearch`), the second baseline of `npm run bench:search`. Pure: no I/O.
 *
 * csearch takes one RE2 regexp (matched per line, `(?m)` on), `-i` for case-insensitive, and
 * one `-f` regexp over the file's absolute path. So:
 * - a literal becomes its escaped regexp, a /regex/ stays as written (ctxpipe's regexes are
 *   RE2 already, `\b` is ASCII in both); `-i` unless `case:yes`;
 * - patterns ANDed in a file run as one csearch each, and the file lists are intersected
 *   (negated patterns subtracted, `or` groups united), as ripgrep's baseline does;
 * - `file:RE` (case-insensitive, over the path from the repository root) becomes
 *   `(?i)^<root>/.*(?:RE)`, or `(?i)^<root>/(?:RE)` when RE starts with `^`;
 * - `lang:ID` becomes a path regexp of the language's extensions and file names.
 * What has no faithful translation (`sym:`, `repo:`, exclusions, several `file:`, `file:`
 * with `lang:`, a `^` inside a file regexp, documents) answers `{ na: reason }`.
 */
import { languageFileNames } from "../../server/src/indexing/languages/language-detect.js";
import { parseQuery, QueryError } from "../../server/src/search/query-parser.js";

/** One `or` group: every `patterns` regexp must occur in the file, no `negated` one may. */
export interface CsearchGroup {
  patterns: string[];
  negated: string[];
}

/** How csearch runs one benchmark query. */
export interface CsearchPlan {
  /** ORed groups (one csearch process per regexp). */
  groups: CsearchGroup[];
  ignoreCase: boolean;
  /** The `-f` regexp, over absolute paths. */
  fileRegexp: string | null;
  /** Where the translation may still differ from ctxpipe (e.g. languages found by shebang). */
  notes: string[];
}

/** A plan, or why the query has none. */
export type CsearchTranslation = { plan: CsearchPlan } | { na: string };

/** RE2's QuoteMeta: `a.b(c)` → `a\.b\(c\)`. */
export function quoteMeta(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
}

/** Offsets of the `^` and top-level `|` of a regexp (outside classes and escapes). */
function scanRegexp(source: string): { carets: number[]; topLevelBar: boolean } {
  const carets: number[] = [];
  let depth = 0;
  let topLevelBar = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      i++;
    } else if (c === "[") {
      // A class: `]` right after `[` or `[^` is a member; `[:alpha:]` holds no `]` of its own.
      i++;
      if (source[i] === "^") i++;
      if (source[i] === "]") i++;
      while (i < source.length && source[i] !== "]") {
        if (source[i] === "\\") i++;
        else if (source[i] === "[" && source[i + 1] === ":") {
          const end = source.indexOf(":]", i + 2);
          if (end > 0) i = end + 1;
        }
        i++;
      }
    } else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "^") carets.push(i);
    else if (c === "|" && depth === 0) topLevelBar = true;
  }
  return { carets, topLevelBar };
}

/**
 * `file:RE` as a csearch `-f` regexp over the absolute paths under `root` (the folder cindex
 * indexed): the match must start inside the repository path, as ctxpipe's does.
 */
export function fileRegexp(source: string, root: string): { regexp: string } | { na: string } {
  const prefix = `(?i)^${quoteMeta(root.replace(/\/+$/, ""))}/`;
  const { carets, topLevelBar } = scanRegexp(source);
  if (carets.length === 0) return { regexp: `${prefix}.*(?:${source})` };
  if (carets.length === 1 && carets[0] === 0 && !topLevelBar) return { regexp: `${prefix}(?:${source.slice(1)})` };
  return { na: `file:${source} has a ^ that csearch's absolute paths cannot anchor` };
}

/** `lang:` ids as one path regexp (extensions case-insensitive, file names as written); null when they have neither. */
export function languageRegexp(languages: readonly string[]): string | null {
  const extensions = new Set<string>();
  const names = new Set<string>();
  for (const language of languages) {
    const known = languageFileNames(language);
    for (const e of known.extensions) extensions.add(e);
    for (const n of known.names) names.add(n);
  }
  const parts: string[] = [];
  if (extensions.size > 0) parts.push(`/[^/]+\\.(?i:${[...extensions].map(quoteMeta).join("|")})$`);
  if (names.size > 0) parts.push(`/(?:${[...names].map(quoteMeta).join("|")})$`);
  if (languages.includes("dockerfile")) parts.push("/Dockerfile\\.[^/]*$");
  if (parts.length === 0) return null;
  return parts.length === 1 ? parts[0]! : `(?:${parts.join("|")})`;
}

/**
 * Translates ctxpipe query `q` for csearch over an index of the files under `root`.
 * @returns the plan, or `{ na }` with the reason there is no faithful translation.
 */
export function translateToCsearch(q: string, root: string): CsearchTranslation {
  let query: ReturnType<typeof parseQuery>;
  try {
    query = parseQuery(q);
  } catch (err) {
    if (err instanceof QueryError) return { na: `not a valid query: ${err.message}` };
    throw err;
  }
  if (query.type === "doc") return { na: "documents are not code: csearch indexes files" };
  if (query.symbols.length > 0) return { na: "sym: needs a symbol index; csearch has only trigrams" };
  if (query.repos.length + query.excludeRepos.length > 0) return { na: "repo: filters repositories; csearch's index has only paths" };
  if (query.excludeFiles.length > 0 || query.excludeLangs.length > 0) return { na: "-file: and -lang: exclude; csearch's -f can only include" };
  if (query.groups.length === 0) return { na: "no content pattern: csearch searches content" };
  if (query.files.length > 1) return { na: "several file: filters are ANDed; csearch takes one -f regexp" };
  if (query.files.length > 0 && query.langs.length > 0) return { na: "file: with lang: would need two -f regexps; csearch takes one" };

  const notes: string[] = [];
  let fileRe: string | null = null;
  if (query.files.length === 1) {
    const translated = fileRegexp(query.files[0]!, root);
    if ("na" in translated) return translated;
    fileRe = translated.regexp;
  } else if (query.langs.length > 0) {
    fileRe = languageRegexp(query.langs);
    if (!fileRe) return { na: `lang:${query.langs.join(",")} has no file names or extensions to match` };
    notes.push("lang: as file names and extensions; files whose language comes from a shebang line are not matched");
  }
  const groups = query.groups.map((group) => {
    const out: CsearchGroup = { patterns: [], negated: [] };
    for (const p of group) (p.negated ? out.negated : out.patterns).push(p.kind === "literal" ? quoteMeta(p.value) : p.value);
    return out;
  });
  return { plan: { groups, ignoreCase: !query.caseSensitive, fileRegexp: fileRe, notes } };
}

/** csearch's arguments for one regexp of a plan: `count` prints `path: N`, `list` the paths. */
export function csearchArgs(plan: CsearchPlan, regexp: string, mode: "count" | "list"): string[] {
  const args = [mode === "count" ? "-c" : "-l"];
  if (plan.ignoreCase) args.push("-i");
  if (plan.fileRegexp) args.push("-f", plan.fileRegexp);
  // Go's flag parsing stops at the first non-flag, or after "--": a regexp starting with "-" stays one.
  args.push("--", regexp);
  return args;
}

/** The plan as shell commands, for the report (root shown as `$ROOT`). */
export function csearchCommand(plan: CsearchPlan, root: string): string {
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const one = (regexp: string, mode: "count" | "list") => {
    const args = csearchArgs(plan, regexp, mode);
    const shown = args.map((a, i) => (i < args.length - 1 && a.startsWith("-") ? a : quote(a)));
    return `csearch ${shown.join(" ")}`.replaceAll(quoteMeta(root.replace(/\/+$/, "")), "$ROOT");
  };
  const groups = plan.groups.map((g) => {
    const steps = [...g.patterns.slice(0, -1).map((r) => one(r, "list")), one(g.patterns.at(-1)!, "count"), ...g.negated.map((r) => `not: ${one(r, "list")}`)];
    return steps.length === 1 ? steps[0]! : `files of all of [${steps.join("; ")}]`;
  });
  return groups.join(" OR ");
}
