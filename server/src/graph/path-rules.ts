/**
 * Which rules apply to a path: CODEOWNERS patterns (gitignore-like, as GitHub documents them:
 * a pattern with a leading or inner `/` is anchored at the root, otherwise it matches at any
 * depth; a folder matches everything below it, but `docs/*` only the files directly in
 * docs/) and instruction globs (Cursor's `globs`, Copilot's `applyTo`), relative to the folder
 * of the rule. Patterns come from repositories, so they run on re2js, in linear time.
 */
import { RE2JS } from "re2js";
import { globToRegexSource } from "../search/index.js";

/** Most compiled patterns kept. */
const CACHE_SIZE = 2_000;
const cache = new Map<string, RE2JS | null>();

function compiled(source: string): RE2JS | null {
  let re = cache.get(source);
  if (re === undefined) {
    try {
      re = RE2JS.compile(source);
    } catch {
      re = null;
    }
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(source, re);
  }
  return re;
}

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

/** A CODEOWNERS pattern as an anchored regular expression over repository paths. */
export function codeownersRegexSource(pattern: string): string {
  if (pattern === "*" || pattern === "/*" || pattern === "**" || pattern === "/**") return "^.*$";
  let p = pattern;
  const dirOnly = p.endsWith("/");
  if (dirOnly) p = p.slice(0, -1);
  const anchored = p.startsWith("/") || p.includes("/");
  if (p.startsWith("/")) p = p.slice(1);
  let core = "";
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === "*" && p[i + 1] === "*") {
      if (p[i + 2] === "/") {
        core += "(?:.*/)?";
        i += 2;
      } else {
        core += ".*";
        i += 1;
      }
    } else if (ch === "*") core += "[^/]*";
    else if (ch === "?") core += "[^/]";
    else core += escapeRegex(ch);
  }
  const last = p.slice(p.lastIndexOf("/") + 1);
  // A folder (or a name that may be one) covers what is below it; `dir/*` only its own files.
  const below = dirOnly ? "/.*" : last.includes("*") && last !== "**" ? "" : "(?:/.*)?";
  return `^${anchored ? "" : "(?:.*/)?"}${core}${below}$`;
}

/** Whether a CODEOWNERS pattern matches `path`. */
export function codeownersMatches(pattern: string, path: string): boolean {
  return compiled(codeownersRegexSource(pattern))?.matches(path) ?? false;
}

/**
 * The owners of `path` under CODEOWNERS `rules` (in file order): the last matching rule wins;
 * a matching rule without owners leaves the path unowned.
 */
export function ownersOf<R extends { pattern: string; owners: string[] }>(rules: R[], path: string): R | undefined {
  for (let i = rules.length - 1; i >= 0; i--) if (codeownersMatches(rules[i]!.pattern, path)) return rules[i];
  return undefined;
}

/**
 * Whether `path` falls under an instruction glob written relative to `folder` ("" for the
 * root). A glob without `/` matches a file name at any depth below the folder.
 */
export function globMatches(glob: string, folder: string, path: string): boolean {
  if (folder !== "" && !path.startsWith(`${folder}/`)) return false;
  const relative = folder === "" ? path : path.slice(folder.length + 1);
  let source: string;
  try {
    source = globToRegexSource(glob.trim().replace(/^\.?\//, ""));
  } catch {
    return false;
  }
  const re = compiled(source);
  return re?.matcher(relative).find() ?? false;
}

/** How many literal folder segments a glob names: more is more specific. */
export function globSpecificity(glob: string): number {
  return glob.split("/").filter((segment) => segment !== "" && !/[*?{]/.test(segment)).length;
}
