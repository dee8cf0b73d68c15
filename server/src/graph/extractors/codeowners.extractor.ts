/**
 * CODEOWNERS (at the root, in `.github/` or in `docs/`; GitHub uses the first it finds in
 * `.github/`, the root, `docs/`). Each rule is kept in order (`owner_rule`: the pattern with
 * its owners; the last matching rule wins, see codeowners-match.ts) and each owner becomes a
 * node that `owns` the repository, with the patterns it holds.
 */
import type { Extractor, Fact } from "./extractor.js";
import { ownerKey, repoKey } from "./graph-keys.js";

/** Where GitHub looks, in its order. */
export const CODEOWNERS_PATHS = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/** Most rules read per file. */
const MAX_RULES = 1_000;

/** The rules of a CODEOWNERS text: pattern, owners, line. */
export function parseCodeowners(text: string): { pattern: string; owners: string[]; line: number }[] {
  const rules: { pattern: string; owners: string[]; line: number }[] = [];
  text.split("\n").forEach((raw, i) => {
    if (rules.length >= MAX_RULES) return;
    // A `#` starts a comment unless escaped; `\ ` keeps a space in a pattern.
    let line = "";
    for (let c = 0; c < raw.length; c++) {
      if (raw[c] === "\\" && c + 1 < raw.length) {
        line += raw[c + 1] === " " ? "\u0000" : raw[c + 1];
        c++;
      } else if (raw[c] === "#") break;
      else line += raw[c];
    }
    const words = line.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) return;
    const owners = words.slice(1).filter((w) => w.startsWith("@") || w.includes("@"));
    rules.push({ pattern: words[0]!.replace(/\u0000/g, " "), owners, line: i + 1 });
  });
  return rules;
}

/** The extractor. */
export const codeownersExtractor: Extractor = {
  name: "codeowners",
  matches: (path) => CODEOWNERS_PATHS.includes(path),
  extract({ repositoryId, text }) {
    const rules = parseCodeowners(text);
    const facts: Fact[] = [];
    const repo = repoKey(repositoryId);
    const owned = new Map<string, { line: number; handle: string; patterns: string[] }>();
    rules.forEach((rule, order) => {
      facts.push({ line: rule.line, subject: repo, predicate: "owner_rule", object: rule.pattern.slice(0, 500), props: { order, owners: rule.owners } });
      for (const handle of rule.owners) {
        const entry = owned.get(handle.toLowerCase()) ?? { line: rule.line, handle, patterns: [] };
        if (entry.patterns.length < 100) entry.patterns.push(rule.pattern);
        owned.set(handle.toLowerCase(), entry);
      }
    });
    for (const { line, handle, patterns } of owned.values()) {
      facts.push({ line, subject: ownerKey(handle), predicate: "is", object: "owner", props: { name: handle } });
      facts.push({ line, subject: ownerKey(handle), predicate: "owns", object: repo, props: { patterns } });
    }
    return facts;
  },
};
