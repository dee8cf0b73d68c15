/**
 * The rules of the question set of `npm run bench:nl`, enforced rather than promised: every
 * answer path exists at the repository's pinned commit, and no question contains an identifier
 * of its answer files (a camelCase, PascalCase or snake_case token of 4+ characters that occurs
 * verbatim in one of them). The bench runs it before measuring; a unit test
 * (server/test/bench/bench-nl-questions.test.ts) runs it against the mirrors when present.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { NlQuestion, NlRepo } from "./questions.js";

const run = promisify(execFile);

/** Where mirrors live unless `BENCH_NL_MIRRORS` says otherwise (the layout of the `fetch` tool). */
export const DEFAULT_MIRRORS = "/work/.mirror";

/**
 * Names of protocols and products, written as their owners write them, which are not the
 * repositories' own identifiers even when a file mentions them.
 */
export const PROPER_NAMES: ReadonlySet<string> = new Set(["GitHub", "GitLab", "WebSocket", "WebSockets", "JavaScript", "TypeScript"]);

/**
 * The identifier-shaped tokens of a text: 4+ characters with an inner lower-to-upper step
 * (camelCase, PascalCase), an upper-upper-lower step (HTTPServer) or an underscore between
 * word characters (snake_case, SCREAMING_CASE). Plain words (any case) are not identifiers.
 */
export function identifierTokens(text: string): string[] {
  const out = new Set<string>();
  for (const tok of text.match(/[A-Za-z0-9_]+/g) ?? []) {
    const t = tok.replace(/^_+|_+$/g, "");
    if (t.length < 4 || PROPER_NAMES.has(t)) continue;
    if (/[a-z0-9][A-Z]/.test(t) || /[A-Z]{2}[a-z]/.test(t) || /[A-Za-z0-9]_[A-Za-z0-9]/.test(t)) out.add(t);
  }
  return [...out];
}

/** The bare git directory of a repository's mirror under `mirrors` (`<owner>+<name>/repo`), or null. */
export function mirrorDir(mirrors: string, repo: NlRepo): string | null {
  const dir = path.join(mirrors, repo.github.replace("/", "+"), "repo");
  return existsSync(dir) ? dir : null;
}

/** Reads a file of a git directory at a commit; null when it is not there. */
export async function readAt(gitDir: string, commit: string, file: string): Promise<string | null> {
  try {
    const { stdout } = await run("git", ["--git-dir", gitDir, "show", `${commit}:${file}`], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch {
    return null;
  }
}

/** The result of checking the question set. */
export interface CheckResult {
  /** Human-readable rule violations; empty when every checked rule holds. */
  problems: string[];
  /** Repositories whose mirror was absent (their answers were not checked). */
  unchecked: string[];
  /** Answer files read. */
  filesChecked: number;
}

/**
 * Checks the static shape of the set (ids unique, repos known, answers present and relative)
 * and, for every repository with a mirror, that each answer file exists at the pinned commit
 * and that the question names none of its identifiers.
 */
export async function checkQuestions(repos: readonly NlRepo[], questions: readonly NlQuestion[], mirrors: string): Promise<CheckResult> {
  const problems: string[] = [];
  const unchecked: string[] = [];
  const ids = new Set<string>();
  const byId = new Map(repos.map((r) => [r.id, r]));
  for (const q of questions) {
    if (ids.has(q.id)) problems.push(`${q.id}: duplicate id`);
    ids.add(q.id);
    if (!byId.has(q.repo)) problems.push(`${q.id}: unknown repository ${q.repo}`);
    if (q.answers.length === 0) problems.push(`${q.id}: no answer files`);
    for (const a of q.answers) if (a.startsWith("/") || a.includes("..")) problems.push(`${q.id}: answer path ${a} is not repo-relative`);
    if (!q.why.trim()) problems.push(`${q.id}: no why`);
  }
  let filesChecked = 0;
  for (const repo of repos) {
    const dir = mirrorDir(mirrors, repo);
    if (!dir) {
      unchecked.push(repo.id);
      continue;
    }
    const cache = new Map<string, string | null>();
    for (const q of questions.filter((x) => x.repo === repo.id)) {
      const tokens = identifierTokens(q.q);
      for (const a of q.answers) {
        if (!cache.has(a)) cache.set(a, await readAt(dir, repo.commit, a));
        const text = cache.get(a);
        filesChecked++;
        if (text == null) {
          problems.push(`${q.id}: ${a} does not exist at ${repo.github}@${repo.commit.slice(0, 12)}`);
          continue;
        }
        for (const t of tokens) if (text.includes(t)) problems.push(`${q.id}: the question names "${t}", which occurs in ${a}`);
      }
    }
  }
  return { problems, unchecked, filesChecked };
}
