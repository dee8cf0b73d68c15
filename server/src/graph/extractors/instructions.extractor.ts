/**
 * Instructions for agents and contributors, each rule with the scope it applies to:
 * AGENTS.md and CLAUDE.md (their folder and below), `.cursorrules` (its folder),
 * `.cursor/rules/**\/*.mdc` (front matter `globs`, `alwaysApply`, `description`; globs are
 * relative to the folder that holds `.cursor`), `.github/copilot-instructions.md` (the whole
 * repository), `.github/instructions/*.instructions.md` (front matter `applyTo`) and
 * CONTRIBUTING.md (the whole repository). A rule is a list item or paragraph; its strength
 * (must, must not, should, should not) is read from its words where it says so. Agent files are
 * written as rules: only chatter (questions, thanks, reassurance) is left out. CONTRIBUTING.md
 * is written for people: only its imperative sentences are rules (imperative-rules.ts).
 */
import { baseName, clipText, dirName, type Extractor, ExtractionProblem, type Fact } from "./extractor.js";
import { instructionKey } from "./graph-keys.js";
import { isChatter, rulesOf } from "./imperative-rules.js";
import { markdownBlocks } from "./markdown-blocks.js";
import { splitFrontMatter } from "./structured-text.js";

/** How a rule applies: always (in its folder), to paths matching its globs, or when an agent asks for it. */
export type InstructionMode = "always" | "globs" | "requested";

/** Most rules read per file. */
const MAX_RULES = 300;

interface Source {
  source: "agents" | "claude" | "cursor" | "copilot" | "contributing";
  /** The folder the rule's scope (and globs) are relative to. */
  folder: string;
  frontMatter: boolean;
}

/** What kind of instruction file `path` is, if any. */
function sourceOf(path: string): Source | undefined {
  const name = baseName(path);
  const dir = dirName(path);
  if (name === "AGENTS.md" || name === "AGENT.md") return { source: "agents", folder: dir, frontMatter: false };
  if (name === "CLAUDE.md") return { source: "claude", folder: dir, frontMatter: false };
  if (name === ".cursorrules") return { source: "cursor", folder: dir, frontMatter: false };
  const cursor = /^(?:(.*)\/)?\.cursor\/rules\/(?:.+\/)?[^/]+\.mdc?$/.exec(path);
  if (cursor) return { source: "cursor", folder: cursor[1] ?? "", frontMatter: true };
  if (path === ".github/copilot-instructions.md") return { source: "copilot", folder: "", frontMatter: false };
  if (/^\.github\/instructions\/(?:.+\/)?[^/]+\.instructions\.md$/.test(path)) return { source: "copilot", folder: "", frontMatter: true };
  if (/^(?:\.github\/|docs\/)?CONTRIBUTING\.md$/i.test(path)) return { source: "contributing", folder: "", frontMatter: false };
  return undefined;
}

/** The strength a rule's words give it, if they give one. */
export function strengthOf(text: string): "must not" | "must" | "should not" | "should" | undefined {
  const t = text.toLowerCase();
  if (/\b(must not|mustn't|shall not|never|do not|don't|forbidden|not allowed)\b/.test(t)) return "must not";
  if (/\b(should not|shouldn't|avoid)\b/.test(t)) return "should not";
  if (/\b(must|always|required|shall|need to|have to)\b/.test(t)) return "must";
  if (/\b(should|prefer|recommended|try to)\b/.test(t)) return "should";
  return undefined;
}

/**
 * Cursor writes `globs: **\/*.ts, *.tsx` unquoted, which YAML reads as an alias or refuses:
 * the values of `globs:` and `applyTo:` lines in the front matter are quoted first, as the
 * tools themselves read them (raw text).
 */
function quoteGlobValues(text: string): string {
  if (!text.startsWith("---")) return text;
  const lines = text.split("\n");
  for (let i = 1; i < lines.length && lines[i]!.trim() !== "---"; i++) {
    const line = lines[i]!;
    const key = line.startsWith("globs:") ? "globs" : line.startsWith("applyTo:") ? "applyTo" : undefined;
    if (!key) continue;
    const value = line.slice(key.length + 1).trim();
    if (value !== "" && !/^["'[\-|>]/.test(value)) lines[i] = `${key}: ${JSON.stringify(value)}`;
  }
  return lines.join("\n");
}

/** A comma-separated glob list, split only at commas outside `{…}`. */
function splitGlobs(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    if (value[i] === "{") depth++;
    else if (value[i] === "}" && depth > 0) depth--;
    else if (value[i] === "," && depth === 0) {
      out.push(value.slice(start, i));
      start = i + 1;
    }
  }
  out.push(value.slice(start));
  return out;
}

/** Globs from a front matter value: an array, or one comma-separated string. */
function globsOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === "string" ? splitGlobs(value) : [];
  return list
    .filter((g): g is string => typeof g === "string")
    .map((g) => g.trim())
    .filter((g) => g.length > 0 && g.length <= 300)
    .slice(0, 50);
}

/** The extractor. */
export const instructionsExtractor: Extractor = {
  name: "instructions",
  matches: (path) => sourceOf(path) !== undefined,
  extract({ repositoryId, path, text }) {
    const source = sourceOf(path)!;
    const front = source.frontMatter ? splitFrontMatter(quoteGlobValues(text)) : { data: {} as Record<string, unknown>, body: text, bodyLine: 1 };
    const data = front.data;
    const globs = globsOf(data.globs ?? data.applyTo);
    const always = data.alwaysApply === true || (!source.frontMatter && globs.length === 0) || (source.source === "copilot" && globs.includes("**"));
    const mode: InstructionMode = always ? "always" : globs.length > 0 ? "globs" : "requested";
    if (typeof data.globs !== "undefined" && typeof data.globs !== "string" && !Array.isArray(data.globs) && data.globs !== null) {
      throw new ExtractionProblem("front matter `globs` is neither a string nor a list");
    }
    const description = typeof data.description === "string" ? clipText(data.description, 300) : undefined;
    const facts: Fact[] = [];
    let section: string | undefined;
    for (const block of markdownBlocks(front.body, front.bodyLine)) {
      if (block.type === "heading") {
        section = clipText(block.text, 120);
        continue;
      }
      if (facts.length >= MAX_RULES) break;
      const rule = source.source === "contributing" ? rulesOf(block.text, block.type) : isChatter(block.text) ? undefined : block.text;
      if (rule === undefined) continue;
      facts.push({
        line: block.line,
        subject: instructionKey(repositoryId, path, block.line),
        predicate: "is",
        object: "instruction",
        props: {
          text: clipText(rule),
          section,
          strength: strengthOf(rule),
          source: source.source,
          scope: source.folder,
          mode,
          globs: mode === "globs" ? globs : undefined,
          description,
        },
      });
    }
    return facts;
  },
};
