/**
 * What an index run has to look at. A full run lists the commit's whole tree and compares it
 * with every live file row. An incremental run diffs the new commit against the indexed one
 * and looks only at the paths that changed, so its cost follows the change, not the
 * repository; the skip counts of the files it does not look at carry over. A run is full when
 * there is no indexed commit, when it or one of its blobs is not in the clone cache, when a
 * `.gitattributes` changed (it can reclassify any file), or when the settings that classify
 * files changed (size limit, rules version).
 */
import type { Queryable } from "../platform/db/tenant.js";
import { isBinary, isVendoredPath } from "./languages/language-detect.js";

/** Why a file was left out of the index. */
export type SkipReason = "too_large" | "vendored" | "generated" | "binary" | "symlink";

/** A file of a commit's tree. */
export interface SourceEntry {
  path: string;
  mode: string;
  oid: string;
  size: number;
}

/** A file that differs between two commits: before (none when added) and after (none when deleted). */
export interface SourceChange {
  path: string;
  before?: SourceEntry;
  after?: SourceEntry;
}

/** What an index run reads from git (implemented by the repositories capability's clone cache). */
export interface IndexSource {
  listTree(commit: string): Promise<SourceEntry[]>;
  readBlobs(oids: string[]): AsyncIterable<{ oid: string; content: Buffer }>;
  readAttributes(commit: string, paths: string[]): Promise<{ path: string; generated?: boolean; vendored?: boolean }[]>;
  /** Undefined when either commit or a blob is not available (a full run follows). */
  changesBetween?(fromCommit: string, toCommit: string): Promise<SourceChange[] | undefined>;
}

/**
 * Version of the rules that decide which files are indexed and their language. Bump it when
 * they change: the next run of every repository is then a full one. 2: the term index (a full
 * run gives the known blobs that have no terms yet theirs).
 */
export const INDEX_RULES_VERSION = 2;

/** The settings a run classified files with (stored as repositories.indexed_settings). */
export interface IndexSettings {
  maxFileBytes: number;
  rules: number;
}

/** The repository's published state that planning starts from. */
export interface PreviousRun {
  indexedCommit: string | null;
  settings: IndexSettings | null;
  skipped: Partial<Record<SkipReason, number>>;
}

/** A file the run keeps (not skipped by path, mode, size or attributes). */
export interface Candidate {
  path: string;
  oid: string;
  size: number;
}

/** What a run writes against. */
export interface RunPlan {
  kind: "full" | "incremental";
  /** Files to keep, among the paths the run looks at. */
  wanted: Candidate[];
  /** path → blob of the live rows among the paths the run looks at (all of them when full). */
  live: Map<string, string>;
  /** Skip counts so far: of the whole tree (full), or carried over and adjusted (incremental). */
  skipped: Partial<Record<SkipReason, number>>;
}

/** Counts one more file skipped for `reason`. */
export function countSkip(skipped: RunPlan["skipped"], reason: SkipReason): void {
  skipped[reason] = (skipped[reason] ?? 0) + 1;
}

/** Plans the run of `repositoryId` at `commit`, inside the run's transaction. */
export async function planRun(
  tx: Queryable,
  input: { repositoryId: string; commit: string; source: IndexSource; settings: IndexSettings; previous: PreviousRun },
): Promise<RunPlan> {
  const incremental = await planIncremental(tx, input);
  if (incremental) return incremental;
  const skipped: RunPlan["skipped"] = {};
  const tree = await input.source.listTree(input.commit);
  const wanted = await keep(input.source, input.commit, tree, input.settings.maxFileBytes, skipped);
  return { kind: "full", wanted, live: await liveFiles(tx, input.repositoryId), skipped };
}

async function planIncremental(
  tx: Queryable,
  input: { repositoryId: string; commit: string; source: IndexSource; settings: IndexSettings; previous: PreviousRun },
): Promise<RunPlan | undefined> {
  const { previous, source, settings } = input;
  if (!previous.indexedCommit || !source.changesBetween || !sameSettings(previous.settings, settings)) return undefined;
  const changes = await source.changesBetween(previous.indexedCommit, input.commit);
  if (!changes || changes.some((c) => c.path === ".gitattributes" || c.path.endsWith("/.gitattributes"))) return undefined;

  const live = await liveFiles(
    tx,
    input.repositoryId,
    changes.map((c) => c.path),
  );
  // Take back the skip counts of the files that changed or left: why each old version was
  // skipped, by the same rules, with the old commit's attributes; one that passed those
  // rules but is not live was rejected for its content (binary, else generated).
  const skipped: RunPlan["skipped"] = { ...previous.skipped };
  const removed: RunPlan["skipped"] = {};
  const oldSkipped = changes.map((c) => c.before).filter((e): e is SourceEntry => e !== undefined && !live.has(e.path));
  const passed = await keep(source, previous.indexedCommit, oldSkipped, settings.maxFileBytes, removed);
  if (passed.length > 0) {
    for await (const blob of source.readBlobs([...new Set(passed.map((c) => c.oid))])) {
      const reason: SkipReason = isBinary(blob.content) ? "binary" : "generated";
      for (const c of passed) if (c.oid === blob.oid) countSkip(removed, reason);
    }
  }
  for (const [reason, n] of Object.entries(removed) as [SkipReason, number][]) {
    skipped[reason] = Math.max(0, (skipped[reason] ?? 0) - n);
    if (skipped[reason] === 0) delete skipped[reason];
  }
  const after = changes.map((c) => c.after).filter((e): e is SourceEntry => e !== undefined);
  const wanted = await keep(source, input.commit, after, settings.maxFileBytes, skipped);
  return { kind: "incremental", wanted, live, skipped };
}

/**
 * The entries that pass the rules that need no content (symlink, vendored path, size,
 * linguist attributes as of `commit`), counting the others in `skipped`.
 */
async function keep(source: IndexSource, commit: string, entries: SourceEntry[], maxFileBytes: number, skipped: RunPlan["skipped"]): Promise<Candidate[]> {
  const skip = (reason: SkipReason) => countSkip(skipped, reason);
  const candidates: Candidate[] = [];
  for (const entry of entries) {
    if (entry.mode === "120000") skip("symlink");
    else if (isVendoredPath(entry.path)) skip("vendored");
    else if (entry.size > maxFileBytes) skip("too_large");
    else candidates.push({ path: entry.path, oid: entry.oid, size: entry.size });
  }
  if (candidates.length === 0) return [];
  const attributes = await source.readAttributes(
    commit,
    candidates.map((c) => c.path),
  );
  const excluded = new Map(attributes.filter((a) => a.generated || a.vendored).map((a) => [a.path, a.generated ? "generated" : "vendored"] as const));
  return candidates.filter((c) => {
    const reason = excluded.get(c.path);
    if (reason) skip(reason);
    return !reason;
  });
}

function sameSettings(a: IndexSettings | null, b: IndexSettings): boolean {
  return a !== null && a.maxFileBytes === b.maxFileBytes && a.rules === b.rules;
}

/** path → blob of the files live in the newest staged generation (only `paths`, when given). */
async function liveFiles(tx: Queryable, repositoryId: string, paths?: string[]): Promise<Map<string, string>> {
  const { rows } = await tx.query<{ path: string; blob_oid: string }>(
    paths
      ? "select path, blob_oid from index_files where repository_id = $1 and valid_to is null and path = any($2::text[])"
      : "select path, blob_oid from index_files where repository_id = $1 and valid_to is null",
    paths ? [repositoryId, paths] : [repositoryId],
  );
  return new Map(rows.map((r) => [r.path, r.blob_oid]));
}
