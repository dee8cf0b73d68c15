/**
 * Architecture decision records: Markdown files in an ADR folder (`adr`, `adrs`, `decisions`,
 * `decision-records`, `docs/architecture/decisions`, `.ai/memory/decisions`, …; not README,
 * index or template files). Reads the title (first heading), the status and date (a
 * `Status:` / `Date:` line, a `## Status` section, or MADR front matter) and what it decides
 * (the `## Decision` section's first paragraph, else the first paragraph).
 */
import { baseName, clipText, dirName, type Extractor, type Fact } from "./extractor.js";
import { localKey } from "./graph-keys.js";
import { markdownBlocks } from "./markdown-blocks.js";
import { splitFrontMatter } from "./structured-text.js";

const ADR_FOLDERS = new Set(["adr", "adrs", "decisions", "decision-records", "decision-log"]);
const NOT_RECORDS = /^(readme|index|template|adr-template|0000-template|_template|toc)\b/i;

/** Whether `path` is a decision record by its folder and name. */
export function isDecisionRecord(path: string): boolean {
  if (!/\.(md|markdown)$/i.test(path) || NOT_RECORDS.test(baseName(path))) return false;
  const folder = baseName(dirName(path)).toLowerCase();
  return ADR_FOLDERS.has(folder);
}

const STATUS_WORDS = /\b(proposed|accepted|rejected|deprecated|superseded|draft|approved|amended|withdrawn)\b/i;

/** The extractor. */
export const decisionsExtractor: Extractor = {
  name: "decisions",
  matches: isDecisionRecord,
  extract({ repositoryId, path, text }) {
    const front = splitFrontMatter(text);
    const blocks = markdownBlocks(front.body, front.bodyLine);
    const title = blocks.find((b) => b.type === "heading")?.text ?? (typeof front.data.title === "string" ? front.data.title : baseName(path));
    let status = typeof front.data.status === "string" ? front.data.status : undefined;
    let date = front.data.date instanceof Date ? front.data.date.toISOString().slice(0, 10) : typeof front.data.date === "string" ? front.data.date : undefined;
    let decision: string | undefined;
    let section = "";
    for (const block of blocks) {
      if (block.type === "heading") {
        section = block.text.toLowerCase();
        continue;
      }
      const labelled = /^\**(status|date)\**\s*:\s*\**\s*(.+)$/i.exec(block.text);
      if (labelled) {
        if (labelled[1]!.toLowerCase() === "status") status ??= labelled[2]!.replace(/\*+/g, "").trim();
        else date ??= labelled[2]!.replace(/\*+/g, "").trim();
        continue;
      }
      if (section === "status" && !status) status = block.text;
      else if (/^(decision|decision outcome)\b/.test(section) && !decision) decision = block.text;
      else if (section === "date" && !date) date = block.text;
    }
    const firstProse = blocks.find((b) => b.type !== "heading" && !/^\**(status|date)\**\s*:/i.test(b.text));
    const statusWord = status ? (STATUS_WORDS.exec(status)?.[1]?.toLowerCase() ?? clipText(status, 40)) : undefined;
    const facts: Fact[] = [
      {
        line: blocks.find((b) => b.type === "heading")?.line ?? 1,
        subject: localKey("decision", repositoryId, path),
        predicate: "is",
        object: "decision",
        props: {
          name: clipText(title, 200),
          status: statusWord,
          date: date ? clipText(date, 40) : undefined,
          decides: clipText(decision ?? firstProse?.text ?? "", 400) || undefined,
          path,
        },
      },
    ];
    return facts;
  },
};
