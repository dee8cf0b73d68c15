/**
 * Glob patterns for file lists: `*` (within a path segment), `**` (any depth), `?`, and
 * `{a,b}` alternatives. Converted to an anchored regular expression.
 */

/** Longest glob accepted. */
export const MAX_GLOB_LENGTH = 300;

/**
 * Converts `glob` to a RegExp source (anchored). A glob without "/" matches the file name
 * at any depth, as in .gitignore.
 * @throws Error for unbalanced braces or an over-long glob.
 */
export function globToRegexSource(glob: string): string {
  if (glob.length > MAX_GLOB_LENGTH) throw new Error(`glob longer than ${MAX_GLOB_LENGTH} characters`);
  let out = "";
  let depth = 0;
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === "*") {
      if (glob[i + 1] === "*") {
        const slash = glob[i + 2] === "/";
        out += slash ? "(?:.*/)?" : ".*";
        i += slash ? 2 : 1;
      } else out += "[^/]*";
    } else if (ch === "?") out += "[^/]";
    else if (ch === "{") {
      depth++;
      out += "(?:";
    } else if (ch === "}" && depth > 0) {
      depth--;
      out += ")";
    } else if (ch === "," && depth > 0) out += "|";
    else out += ch.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
  }
  if (depth !== 0) throw new Error("unbalanced { } in glob");
  return glob.includes("/") ? `^${out}$` : `(^|/)${out}$`;
}
