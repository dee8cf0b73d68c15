/**
 * The answer without a model, written for the person who asked: one ranked, deduplicated list
 * of files, each with its best lines, in about 3,000 characters of markdown. First the question
 * as a whole goes to search's question mode (files ranked for the question's terms, built for
 * code; a repository named in the question scopes it). When that finds nothing (an index built
 * before the term index, a question without content words), the question's content words are
 * searched one by one and all together, and the files found ranked by how many distinct
 * question words they contain, with a boost for words in their path. No agent-only hints
 * (cursors, tool names): the same text serves the web chat and ctx_advisor.
 */
import { z } from "zod";
import type { AgentAnswer, AgentTool, AgentToolCall } from "./agent-loop.js";

/** The most characters of the answer's text: about 3,000 with ctx_advisor's follow-up line. */
export const EVIDENCE_MAX_CHARS = 2_880;
/** Most question words searched. */
const MAX_WORDS = 6;
/** Files asked of each search. */
const FILES_PER_SEARCH = 20;
/** Most files listed, and lines shown per file. */
const MAX_FILES = 8;
const LINES_PER_FILE = 3;
/** Most characters of one code line shown. */
const MAX_LINE = 160;
/** Most sources kept per answer (as the agent loop). */
const MAX_SOURCES = 50;

/** Words that carry no content in a question about code. */
const STOP_WORDS = new Set(
  (
    "a about above after again all also am an and any are as at be been before being below between both but by can " +
    "could did do does doing done down during each either else ever every few find for from further get gets got had has have " +
    "having he her here hers him his how i if in into is it its itself just know let like look made make makes many me " +
    "might more most much must my need needs no nor not now of off on once one only or other our ours out over own please " +
    "same shall she should show so some such tell than that the their theirs them then there these they thing things this " +
    "those through to too under until up upon us use used uses using very want was way we were what when where whether which " +
    "while who whom whose why will with within without would you your yours " +
    // Words about code that any file of a repository could answer to.
    "code codebase function functions method methods defined define defines implemented implement implementation called " +
    "call calls located handled handle happens work works working file files repo repos repository repositories project " +
    "anything something everything somewhere explain see"
  ).split(" "),
);

/** A file the searches found, with what it matched. */
interface Found {
  /** repo@commit:path */
  header: string;
  repo: string;
  path: string;
  /** Line number → text, as search_code listed them. */
  lines: Map<number, string>;
  /** Question words (lower case) the file contains. */
  words: Set<string>;
  /** Question words in its path. */
  pathWords: Set<string>;
  /** Order first seen, for stable ties. */
  seen: number;
}

/**
 * The content words of a question: identifiers and words, without stop words, without
 * punctuation (the trailing `?`), a plural's `s` removed, each once (case-insensitive), in
 * the order asked.
 */
export function questionWords(prompt: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of prompt.slice(0, 8_000).match(/[A-Za-z_][A-Za-z0-9_]*(?:[.-][A-Za-z0-9_]+)*/g) ?? []) {
    if (raw.length < 3 || raw.length > 80 || STOP_WORDS.has(raw.toLowerCase())) continue;
    // "discounts" finds "discount" (a literal matches inside longer text); "class" stays.
    const word = /^[a-z]{4,}s$/.test(raw) && !raw.endsWith("ss") ? raw.slice(0, -1) : raw;
    const key = word.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(word);
  }
  return out;
}

/** The organisation's repositories a question names: a word equal to a repository's name or its last segment. */
export function repositoriesNamed(prompt: string, names: string[]): string[] {
  const words = new Set((prompt.toLowerCase().match(/[a-z0-9_][a-z0-9_./-]*[a-z0-9_]/g) ?? []).map((w) => w.replace(/\.$/, "")));
  return names.filter((name) => {
    const lower = name.toLowerCase();
    return words.has(lower) || words.has(lower.split("/").pop()!);
  });
}

/** The files of a search_code text: `repo@commit:path` headers, each followed by `  N: text` lines. */
function filesIn(text: string): { header: string; repo: string; path: string; lines: [number, string][] }[] {
  const out: { header: string; repo: string; path: string; lines: [number, string][] }[] = [];
  for (const line of text.split("\n")) {
    const header = /^([^\s@]+)@([0-9a-f]{7,40}):(\S+?)(?:\s{2}\(path match\))?$/.exec(line);
    if (header) {
      out.push({ header: `${header[1]}@${header[2]}:${header[3]}`, repo: header[1]!, path: header[3]!, lines: [] });
      continue;
    }
    const listed = /^ {2}(\d{1,9}): (.*)$/.exec(line);
    if (listed && out.length > 0) out[out.length - 1]!.lines.push([Number(listed[1]), listed[2]!]);
  }
  return out;
}

const repositoryList = z.object({ repositories: z.array(z.object({ name: z.string() })) });

/** A regex that matches exactly one of `names` (for search's repo: filter). */
function repoFilter(names: string[]): string {
  const escaped = names.map((n) => n.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&"));
  return `repo:^(${escaped.join("|")})$`;
}

/** A fence longer than any run of backticks in `code`. */
function fenceFor(code: string): string {
  const longest = Math.max(0, ...(code.match(/`+/g) ?? []).map((run) => run.length));
  return "`".repeat(Math.max(3, longest + 1));
}

/** `text` as one inline code span (CommonMark: a longer backtick run, padded when it starts or ends with one). */
function codeSpan(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${ticks}${pad}${text}${pad}${ticks}`;
}

const clipLine = (text: string) => {
  const trimmed = text.trim();
  return trimmed.length > MAX_LINE ? `${trimmed.slice(0, MAX_LINE)}…` : trimmed;
};

/** Most characters of the question given to search's question mode (its query's limit is 1,000). */
const QUESTION_CHARS = 1_000;

/** The question cut to what search takes, at a word boundary. */
function clipQuestion(prompt: string): string {
  const text = prompt.trim();
  if (text.length <= QUESTION_CHARS) return text;
  const cut = text.slice(0, QUESTION_CHARS);
  return cut.slice(0, Math.max(cut.lastIndexOf(" "), 1));
}

/**
 * The numbered items of an answer within EVIDENCE_MAX_CHARS (after `used` characters of
 * introduction), each file's best lines in file order (the first of `best` cited), and the
 * sources: the items' citations, then the other files' first lines, at most MAX_SOURCES.
 */
function present(
  used: number,
  ranked: Found[],
  headOf: (file: Found, cited: string) => string,
  best: (file: Found) => [number, string][],
): { items: string[]; sources: string[] } {
  const items: string[] = [];
  const sources: string[] = [];
  for (const file of ranked.slice(0, MAX_FILES)) {
    const lines = best(file);
    const cited = lines[0] ? `${file.header}:${lines[0][0]}` : file.header;
    const head = `${items.length + 1}. ${headOf(file, cited)}`;
    let item = head;
    if (lines.length > 0) {
      const code = [...lines]
        .sort((a, b) => a[0] - b[0])
        .map(([n, text]) => `${n}: ${clipLine(text)}`)
        .join("\n");
      const fence = fenceFor(code);
      item += `\n\n${[fence, ...code.split("\n"), fence].map((l) => `   ${l}`).join("\n")}`;
    }
    if (used + item.length + 2 > EVIDENCE_MAX_CHARS) {
      if (used + head.length + 2 > EVIDENCE_MAX_CHARS) break;
      item = head;
    }
    items.push(item);
    used += item.length + 2;
    sources.push(cited);
  }
  for (const file of ranked) {
    if (sources.length >= MAX_SOURCES) break;
    const first = [...file.lines.keys()].sort((a, b) => a - b)[0];
    const cited = first === undefined ? file.header : `${file.header}:${first}`;
    if (!sources.some((s) => s.startsWith(`${file.header}:`) || s === file.header)) sources.push(cited);
  }
  return { items, sources };
}

/**
 * The answer without a model: the evidence the search finds for the question as a whole,
 * ranked and deduplicated, with a pointer to configuring a model (docs/chat.md).
 */
export async function evidenceAnswer(input: { tools: AgentTool[]; prompt: string }): Promise<AgentAnswer> {
  const search = input.tools.find((t) => t.name === "search_code");
  const list = input.tools.find((t) => t.name === "list_repositories");
  const toolCalls: AgentToolCall[] = [];
  const run = async (tool: AgentTool, args: Record<string, unknown>) => {
    try {
      const result = await tool.run(args);
      toolCalls.push({ name: tool.name, input: args, ok: true });
      return result;
    } catch {
      toolCalls.push({ name: tool.name, input: args, ok: false });
      return undefined;
    }
  };

  // The question as a whole, ranked by search's question mode.
  if (search) {
    const asked = await run(search, { query: clipQuestion(input.prompt), mode: "question", limit: MAX_FILES });
    const files = filesIn(asked?.text ?? "");
    if (files.length > 0) {
      const scopedTo = /^Note: scoped to (.+)\.$/m.exec(asked?.text ?? "")?.[1];
      const intro = [
        "No model is configured, so here is the evidence from the index without a summary: the files that best match the question",
        scopedTo ? ` in ${scopedTo.split(", ").map(codeSpan).join(", ")}` : "",
        ", best first, with their best lines. For written answers, an administrator can configure a model provider (docs/chat.md).",
      ].join("");
      const lower = questionWords(input.prompt).map((w) => w.toLowerCase());
      const promptWords = (text: string) => lower.filter((w) => text.toLowerCase().includes(w)).length;
      const listed = files.map((f, i) => ({ ...f, lines: new Map(f.lines), words: new Set<string>(), pathWords: new Set<string>(), seen: i }));
      const { items, sources } = present(
        intro.length,
        listed,
        (_file, cited) => codeSpan(cited),
        // Of the lines search chose, those with the most question words (the best one cited first).
        (file) => [...file.lines.entries()].sort((a, b) => promptWords(b[1]) - promptWords(a[1]) || a[0] - b[0]).slice(0, LINES_PER_FILE),
      );
      return { text: [intro, ...items].join("\n\n"), citations: [], sources, toolCalls, steps: 0 };
    }
  }

  let words = questionWords(input.prompt);
  let scope: string[] = [];
  if (list && words.length > 0) {
    const listed = repositoryList.safeParse((await run(list, {}))?.structured);
    const names = listed.success ? listed.data.repositories.map((r) => r.name) : [];
    scope = repositoriesNamed(input.prompt, names);
    // A word that only names the repository is the scope, not something to search for.
    const named = new Set(scope.flatMap((n) => [n.toLowerCase(), n.toLowerCase().split("/").pop()!]));
    const content = words.filter((w) => !named.has(w.toLowerCase()));
    if (content.length > 0) words = content;
  }
  words = words.slice(0, MAX_WORDS);

  const found = new Map<string, Found>();
  const searchAll = async (filter: string) => {
    const queries = words.length > 1 ? [words, ...words.map((w) => [w])] : words.map((w) => [w]);
    for (const query of queries) {
      const args = { query: [...query, filter].filter(Boolean).join(" "), limit: FILES_PER_SEARCH };
      const result = search ? await run(search, args) : undefined;
      for (const file of filesIn(result?.text ?? "")) {
        let entry = found.get(file.header);
        if (!entry) {
          entry = { ...file, lines: new Map(), words: new Set(), pathWords: new Set(), seen: found.size };
          found.set(file.header, entry);
        }
        // A file a query returned contains all of that query's words.
        for (const w of query) entry.words.add(w.toLowerCase());
        for (const [n, text] of file.lines) entry.lines.set(n, text);
      }
    }
  };
  if (words.length > 0) {
    await searchAll(scope.length > 0 ? repoFilter(scope) : "");
    // Nothing in the named repository: the whole organisation, rather than nothing.
    if (found.size === 0 && scope.length > 0) {
      scope = [];
      await searchAll("");
    }
  }

  // Which question words each file holds, in its lines and in its path.
  const lowerWords = words.map((w) => w.toLowerCase());
  for (const file of found.values()) {
    const path = file.path.toLowerCase();
    for (const w of lowerWords) {
      if (path.includes(w)) {
        file.pathWords.add(w);
        file.words.add(w);
      }
      for (const text of file.lines.values()) if (text.toLowerCase().includes(w)) file.words.add(w);
    }
  }
  const wordsOfLine = (text: string) => lowerWords.filter((w) => text.toLowerCase().includes(w)).length;
  const ranked = [...found.values()].sort(
    (a, b) => b.words.size + b.pathWords.size / 2 - (a.words.size + a.pathWords.size / 2) || b.lines.size - a.lines.size || a.seen - b.seen,
  );

  const wordList = words.map(codeSpan).join(", ");
  const intro = [
    "No model is configured, so here is the evidence from the index without a summary: the files that contain the most of the question's words",
    words.length > 0 ? ` (${wordList})` : "",
    scope.length > 0 ? ` in ${scope.map(codeSpan).join(", ")}` : "",
    ", best first. For written answers, an administrator can configure a model provider (docs/chat.md).",
  ].join("");
  const { items, sources } = present(
    intro.length,
    ranked,
    (file, cited) => {
      const matched = lowerWords.filter((w) => file.words.has(w));
      return `${codeSpan(cited)}: ${matched.length} of ${lowerWords.length} words (${matched.join(", ")})${file.pathWords.size > 0 ? ", in the path" : ""}`;
    },
    // The lines with the most question words (the best one cited first).
    (file) => [...file.lines.entries()].sort((a, b) => wordsOfLine(b[1]) - wordsOfLine(a[1]) || a[0] - b[0]).slice(0, LINES_PER_FILE),
  );
  const nothing =
    words.length === 0
      ? "The question has no words to search for; ask with a name from the code (a function, a file, a package)."
      : `Nothing in the index contains ${words.length > 1 ? "these words" : "this word"}${scope.length > 0 ? " there" : ""}; try a name from the code (a function, a file, a package).`;
  return {
    text: [intro, ...(items.length > 0 ? items : [nothing])].join("\n\n"),
    citations: [],
    sources,
    toolCalls,
    steps: 0,
  };
}
