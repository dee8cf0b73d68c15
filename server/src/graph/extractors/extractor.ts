/**
 * The shape every extractor takes: which paths it reads, and the facts it finds in one file's
 * text. Extractors are pure (no I/O, no clock): the same text always gives the same facts, so
 * a file's facts can be replaced whenever its content changes and compared against golden
 * files in tests.
 */

/** One fact, as an extractor finds it in a file (the file and repository are the caller's). */
export interface Fact {
  /** 1-based line of the file the fact was read from. */
  line: number;
  /** A node key (see graph-keys.ts). */
  subject: string;
  /** `is` declares the subject (object: its kind); any other predicate is an edge. */
  predicate: string;
  /** The node kind (`is`) or the other node's key. */
  object: string;
  /** Attributes: small JSON values only (names, versions, globs, a clipped text). */
  props?: Record<string, unknown>;
}

/** What an extractor reads. */
export interface ExtractInput {
  repositoryId: string;
  /** Repository-relative path with forward slashes. */
  path: string;
  text: string;
}

/** A deterministic reader of one kind of file. */
export interface Extractor {
  /** Stable name, stored with each source it read. */
  name: string;
  /** Whether the file at `path` is one this extractor reads (no I/O, path only). */
  matches(path: string): boolean;
  /**
   * Imports what `extract` needs that the process should not load at start (a parser few
   * repositories use); awaited before the first `extract`.
   */
  load?(): Promise<void>;
  /**
   * The file's facts.
   * @throws ExtractionProblem when the file cannot be read as its format (recorded on the source, no facts).
   */
  extract(input: ExtractInput): Fact[];
}

/** A file the extractor recognised but could not read (bad syntax, wrong shape). */
export class ExtractionProblem extends Error {}

/** Most facts one file gives; the rest are dropped and the source says so. */
export const MAX_FACTS_PER_FILE = 2_000;
/** Longest text kept in a fact's props (a rule, a decision's summary). */
export const MAX_PROP_TEXT = 600;

/** Cuts a text to `max` characters on a word boundary, with an ellipsis. */
export function clipText(text: string, max = MAX_PROP_TEXT): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  const space = cut.lastIndexOf(" ");
  return `${space > max * 0.6 ? cut.slice(0, space) : cut}…`;
}

/** Whether a parsed value is a plain mapping (not null, not an array). */
export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The file name of a path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The folder of a path ("" at the repository's root). */
export function dirName(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

/** Joins a folder and a relative path, resolving `.` and `..` (never above the root). */
export function joinPath(dir: string, relative: string): string {
  const parts = dir === "" ? [] : dir.split("/");
  for (const part of relative.replace(/\\/g, "/").split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return parts.join("/");
}
