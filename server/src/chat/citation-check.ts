/**
 * Checked citations: every `repo@commit:path:line` (or `:line-line`) a model writes is looked
 * up in the index before the answer is shown. A citation is verified when the repository is
 * the organisation's, the commit is a prefix of its indexed commit, the file is indexed and
 * the lines exist; otherwise it is marked unverified with the reason. Citations are found
 * with re2js (linear time on any model output) and at most MAX_CHECKED are looked up.
 */
import { RE2JS } from "re2js";
import type { TenantScope } from "../platform/db/tenant.js";
import { isAppError } from "../platform/errors.js";
import type { Search } from "../search/index.js";

/** Reads a range of an indexed file: the search capability's `readFile`. */
export type FileReader = Search["readFile"];

/** One citation of an answer and what the index says of it. */
export interface CheckedCitation {
  citation: string;
  repo: string;
  commit: string;
  path: string;
  startLine: number;
  endLine: number;
  verified: boolean;
  /** Why it is not verified. */
  reason?: string;
  /** The first cited line's text, when verified (for a preview). */
  text?: string;
}

/** Most citations of one answer looked up. */
export const MAX_CHECKED = 50;

const CITATION = RE2JS.compile("([A-Za-z0-9_.][A-Za-z0-9_./-]{0,199})@([0-9a-f]{7,40}):([^\\s:`'\")\\]]{1,1000}):([0-9]{1,9})(?:-L?([0-9]{1,9}))?");

/** The citations written in `text`, in order, each once. */
export function findCitations(text: string): Omit<CheckedCitation, "verified" | "reason" | "text">[] {
  const out: Omit<CheckedCitation, "verified" | "reason" | "text">[] = [];
  const seen = new Set<string>();
  const matcher = CITATION.matcher(text);
  while (matcher.find() && out.length < MAX_CHECKED) {
    const citation = matcher.group(0)!;
    if (seen.has(citation)) continue;
    seen.add(citation);
    const startLine = Number(matcher.group(4));
    const end = matcher.group(5);
    out.push({
      citation,
      repo: matcher.group(1)!,
      commit: matcher.group(2)!,
      path: matcher.group(3)!,
      startLine,
      endLine: end ? Math.max(startLine, Number(end)) : startLine,
    });
  }
  return out;
}

/** Checks every citation of `text` against the organisation's index. */
export async function checkCitations(readFile: FileReader, scope: TenantScope, text: string): Promise<CheckedCitation[]> {
  const checked: CheckedCitation[] = [];
  for (const c of findCitations(text)) {
    try {
      const file = await readFile(scope, { repository: c.repo, path: c.path, startLine: c.startLine, endLine: c.startLine });
      if (!file.repository.commit.startsWith(c.commit)) {
        checked.push({ ...c, verified: false, reason: `the index holds ${c.repo} at ${file.repository.commit.slice(0, 12)}, not ${c.commit}` });
      } else if (c.endLine > file.totalLines || c.startLine < 1) {
        checked.push({ ...c, verified: false, reason: `${c.path} has ${file.totalLines} lines` });
      } else {
        checked.push({ ...c, verified: true, text: file.lines[0]?.text.slice(0, 300) });
      }
    } catch (err) {
      if (!isAppError(err) || err.status >= 500) throw err;
      const reason = err.code === "not_indexed" ? `${c.repo} has no index yet` : err.status === 404 ? `no indexed file ${c.repo}:${c.path}` : err.message;
      checked.push({ ...c, verified: false, reason });
    }
  }
  return checked;
}
