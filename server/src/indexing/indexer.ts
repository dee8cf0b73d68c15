/**
 * One index run of a repository at a commit. run-plan.ts decides what to look at: the paths
 * that changed since the indexed commit (incremental), or the whole tree (full). Only added,
 * changed, renamed and deleted paths are written (and a blob indexed before, under any path
 * or repository of the org, is never re-read).
 * New blobs are streamed from git, checked (binary, generated), chunked and parsed for
 * symbols, then the next generation is staged and published in the same transaction:
 * searches see the previous complete state until the commit.
 */
import type { Database } from "../platform/db/database.js";
import { withTenant, type Queryable } from "../platform/db/tenant.js";
import { chunkText, sanitizeText } from "./chunker.js";
import {
  addTermStats,
  collectGarbage,
  existingBlobs,
  extractedSymbolBlobs,
  generationFiles,
  generationTotals,
  insertSymbols,
  lockOrgIndex,
  stageFiles,
  type BlobSymbols,
  type FileRow,
  useBulkMergeMemory,
} from "./index-writer.js";
import { ContentWriter } from "./content-writer.js";
import { detectLanguage, isBinary, isLikelyGenerated } from "./languages/language-detect.js";
import { spreadOrder } from "./spread-order.js";
import { blobTerms } from "./terms/code-terms.js";
import {
  countSkip,
  INDEX_RULES_VERSION,
  planRun,
  type Candidate,
  type IndexSettings,
  type IndexSource,
  type PreviousRun,
  type SkipReason,
} from "./run-plan.js";
import type { SymbolExtractor } from "./symbols/symbol-extractor.js";

/** Progress of a run, for the repository's status. */
export interface IndexProgress {
  key: "list" | "content" | "publish";
  label: string;
  done?: number;
  of?: number;
}

/** The repository's published index, as its owner records it. */
export interface PublishedIndex {
  /** The published generation (0 before the first run). */
  generation: number;
  previous: PreviousRun;
}

/** What a finished run publishes on the repository. */
export interface IndexRunSummary {
  generation: number;
  commit: string;
  branch: string;
  files: number;
  bytes: number;
  languages: Record<string, number>;
  skipped: Partial<Record<SkipReason, number>>;
  settings: IndexSettings;
  lastRun: { kind: "full" | "incremental"; added: number; updated: number; removed: number; blobsRead: number; bytesRead: number };
}

/** What a run needs. */
export interface IndexRunInput {
  db: Database;
  orgId: string;
  repositoryId: string;
  source: IndexSource;
  commit: string;
  branch: string;
  extractor: SymbolExtractor;
  maxFileBytes: number;
  /** Reads the repository's published index, in the run's transaction (the repositories capability owns that row). */
  readPublished: (tx: Queryable) => Promise<PublishedIndex>;
  /** Publishes the run on the repository, in the run's transaction, so files and summary appear together. */
  publish: (tx: Queryable, summary: IndexRunSummary) => Promise<void>;
  onProgress?: (progress: IndexProgress) => Promise<void> | void;
  /**
   * Work on the staged generation before it is published, in the run's transaction (the
   * knowledge graph's extraction): whatever it writes appears together with the index.
   */
  beforePublish?: (tx: Queryable, staged: StagedRun) => Promise<void>;
}

/** The next generation as staged, for `beforePublish`. */
export interface StagedRun {
  orgId: string;
  repositoryId: string;
  commit: string;
  kind: "full" | "incremental";
  /** Paths added, changed, renamed or removed by this run. */
  changedPaths: string[];
  /** Files of the staged generation (all, or those among `paths`). */
  listFiles(paths?: string[]): Promise<{ path: string; blobOid: string }[]>;
  /** The text of stored blobs. */
  readTexts(oids: string[]): Promise<Map<string, string>>;
  /** Of `oids`, the blobs with a line matching `regex` (a Postgres regular expression). */
  blobsMatching(oids: string[], regex: string): Promise<Set<string>>;
  /** Runs a tree-sitter query over a source (SymbolExtractor.capture). */
  capture: SymbolExtractor["capture"];
}

/** What a run did. */
export interface IndexRunResult {
  /** Incremental: only the paths changed since the indexed commit were looked at. */
  kind: "full" | "incremental";
  generation: number;
  files: number;
  bytes: number;
  languages: Record<string, number>;
  skipped: Partial<Record<SkipReason, number>>;
  changed: { added: number; updated: number; removed: number; blobsRead: number; bytesRead: number };
  /** Time spent in `beforePublish`, in ms (0 without it). */
  beforePublishMs: number;
}

/**
 * Send a batch of chunks and symbols at about this many characters of chunk text. A few
 * batches are written while the next is built, and each is held a few times over while it is
 * sent (rows, parameter arrays, the serialised statement), so this bounds the run's memory.
 */
const INSERT_BATCH_CHARS = 1024 * 1024;
/** Batches queued for Postgres while the next is built. */
const BATCHES_IN_FLIGHT = 3;
/** A run reading at least this many new blobs merges index entries with more memory. */
const BULK_RUN_BLOBS = 1000;
/** Longest first line kept for language detection. */
const MAX_SHEBANG_CHARS = 256;
/** Known blobs given their terms per statement when a full run backfills them. */
const TERM_BACKFILL_BATCH = 200;
/** Let I/O (the statement in flight, git's output) through at least this often. */
const BREATHE_EVERY_MS = 20;

/**
 * Runs the index for `commit` and publishes it as the repository's next generation, through
 * `input.publish` in the same transaction.
 * @throws whatever git or the database throws; nothing is published then.
 */
export async function runIndex(input: IndexRunInput): Promise<IndexRunResult> {
  const { db, orgId, repositoryId, source, commit } = input;
  const settings: IndexSettings = { maxFileBytes: input.maxFileBytes, rules: INDEX_RULES_VERSION };

  const result = await withTenant(db, { orgId }, async (tx) => {
    await lockOrgIndex(tx, orgId, "run");
    // One run per repository at a time. An advisory lock, not a row lock: progress updates
    // write the repository row from other connections while this transaction runs.
    await tx.query("select pg_advisory_xact_lock(hashtextextended('ctxpipe.repository:' || $1, 0))", [repositoryId]);
    const { generation: current, previous } = await input.readPublished(tx);
    const next = current + 1;
    await input.onProgress?.({ key: "list", label: "Listing files" });
    const plan = await planRun(tx, { repositoryId, commit, source, settings, previous });
    const { wanted, live, skipped } = plan;
    const skip = (reason: SkipReason) => countSkip(skipped, reason);
    const changedFiles = wanted.filter((c) => live.get(c.path) !== c.oid);
    const wantedPaths = new Set(wanted.map((c) => c.path));
    const removals = [...live.keys()].filter((p) => !wantedPaths.has(p));

    const known = await existingBlobs(tx, orgId, [...new Set(changedFiles.map((c) => c.oid))]);
    const toRead = spreadOrder([...new Set(changedFiles.filter((c) => !known.has(c.oid)).map((c) => c.oid))]);
    const pathsByOid = new Map<string, Candidate[]>();
    for (const c of changedFiles) (pathsByOid.get(c.oid) ?? pathsByOid.set(c.oid, []).get(c.oid)!).push(c);

    const rejected = new Set<string>();
    const shebangs = new Map<string, string>();
    const symbolDone = await extractedSymbolBlobs(tx, orgId, [...pathsByOid.keys()]);
    if (toRead.length >= BULK_RUN_BLOBS) await useBulkMergeMemory(tx);
    const writer = new ContentWriter(tx, orgId, INSERT_BATCH_CHARS, BATCHES_IN_FLIGHT);
    const breathe = eventLoopBreather(BREATHE_EVERY_MS);
    let blobsRead = 0;
    let bytesRead = 0;
    await input.onProgress?.({ key: "content", label: "Indexing file contents", done: 0, of: toRead.length });

    for await (const blob of source.readBlobs(toRead)) {
      blobsRead++;
      bytesRead += blob.content.length;
      const files = pathsByOid.get(blob.oid) ?? [];
      if (isBinary(blob.content)) {
        rejected.add(blob.oid);
        files.forEach(() => skip("binary"));
        continue;
      }
      const text = sanitizeText(blob.content.toString("utf8"));
      const head = text.slice(0, 4096);
      if (files.every((f) => isLikelyGenerated(f.path, head))) {
        rejected.add(blob.oid);
        files.forEach(() => skip("generated"));
        continue;
      }
      const shebang = shebangOf(head);
      if (shebang) shebangs.set(blob.oid, shebang);
      writer.addChunks(blob.oid, chunkText(text));
      const languages = [...new Set(files.map((f) => detectLanguage(f.path, shebang)))];
      const definitions: { name: string }[] = [];
      for (const language of languages) {
        if (!language || !input.extractor.supports(language) || symbolDone.has(`${blob.oid}\u0000${language}`)) continue;
        const symbols = await input.extractor.extract(language, text);
        writer.addSymbols(blob.oid, language, symbols);
        if (definitions.length === 0) definitions.push(...symbols);
        symbolDone.add(`${blob.oid}\u0000${language}`);
      }
      // The terms of questions in words: definition names, comments, code (terms/code-terms.ts).
      writer.addTerms(blob.oid, blobTerms(text, languages[0], definitions));
      if (writer.full) {
        await writer.send();
        await input.onProgress?.({ key: "content", label: "Indexing file contents", done: blobsRead, of: toRead.length });
      }
      await breathe();
    }
    // A full run also gives the known blobs that have no terms theirs (blobs stored before the
    // term index existed), from their stored text and symbols.
    if (plan.kind === "full") {
      const pathOf = new Map(wanted.map((c) => [c.oid, c.path]));
      const read = new Set(toRead);
      const missing = await blobsWithoutTerms(
        tx,
        orgId,
        [...pathOf.keys()].filter((oid) => !read.has(oid)),
      );
      for (let i = 0; i < missing.length; i += TERM_BACKFILL_BATCH) {
        const oids = missing.slice(i, i + TERM_BACKFILL_BATCH);
        const [texts, names] = [await blobTexts(tx, orgId, oids), await definitionNames(tx, orgId, oids)];
        for (const oid of oids) {
          const file = pathOf.get(oid);
          writer.addTerms(oid, blobTerms(texts.get(oid) ?? "", file ? detectLanguage(file) : undefined, names.get(oid) ?? []));
          if (writer.full) await writer.send();
        }
        await writer.send();
      }
    }
    await writer.flush();

    // Known blobs whose symbols were never extracted for this language (e.g. a renamed extension).
    const missingSymbols = changedFiles.filter((c) => {
      const language = detectLanguage(c.path);
      return known.has(c.oid) && language && input.extractor.supports(language) && !symbolDone.has(`${c.oid}\u0000${language}`);
    });
    if (missingSymbols.length > 0) {
      const texts = await blobTexts(tx, orgId, [...new Set(missingSymbols.map((c) => c.oid))]);
      const extracted: BlobSymbols[] = [];
      for (const c of missingSymbols) {
        const language = detectLanguage(c.path)!;
        if (symbolDone.has(`${c.oid}\u0000${language}`)) continue;
        extracted.push({ oid: c.oid, language, symbols: await input.extractor.extract(language, texts.get(c.oid) ?? "") });
        symbolDone.add(`${c.oid}\u0000${language}`);
      }
      await insertSymbols(tx, orgId, extracted);
    }

    await input.onProgress?.({ key: "publish", label: "Publishing the new index" });
    const upserts: FileRow[] = changedFiles
      .filter((c) => !rejected.has(c.oid))
      .map((c) => ({ path: c.path, blobOid: c.oid, size: c.size, language: detectLanguage(c.path, shebangs.get(c.oid)) ?? null }));
    // A path whose new content was rejected (now binary or generated) leaves the index.
    const rejectedPaths = changedFiles.filter((c) => rejected.has(c.oid) && live.has(c.path)).map((c) => c.path);
    await stageFiles(tx, { orgId, repositoryId }, next, { upserts, removals: [...removals, ...rejectedPaths] });
    let beforePublishMs = 0;
    if (input.beforePublish) {
      const started = performance.now();
      await input.beforePublish(tx, {
        orgId,
        repositoryId,
        commit,
        kind: plan.kind,
        changedPaths: [...new Set([...changedFiles.map((c) => c.path), ...removals, ...rejectedPaths])],
        listFiles: (paths) => generationFiles(tx, repositoryId, next, paths),
        readTexts: (oids) => blobTexts(tx, orgId, oids),
        blobsMatching: (oids, regex) => blobsMatching(tx, orgId, oids, regex),
        capture: (language, query, source) => input.extractor.capture(language, query, source),
      });
      beforePublishMs = performance.now() - started;
    }
    // The new blobs' document frequencies, last before publishing (see addTermStats).
    await addTermStats(tx, orgId, writer.termCounts);
    const totals = await generationTotals(tx, repositoryId, next);
    const added = upserts.filter((u) => !live.has(u.path)).length;
    const changed = { added, updated: upserts.length - added, removed: removals.length + rejectedPaths.length, blobsRead, bytesRead };
    await input.publish(tx, { generation: next, commit, branch: input.branch, ...totals, skipped, settings, lastRun: { kind: plan.kind, ...changed } });
    // Blobs whose rows this run closed: the only ones that may have lost their last file.
    const closed = new Set([...removals, ...rejectedPaths, ...changedFiles.map((c) => c.path)]);
    const unlinked = [...closed].map((p) => live.get(p)).filter((oid): oid is string => oid !== undefined);
    return {
      unlinked,
      kind: plan.kind,
      generation: next,
      files: totals.files,
      bytes: totals.bytes,
      languages: totals.languages,
      skipped,
      changed,
      beforePublishMs,
    };
  });

  await withTenant(db, { orgId }, (tx) => collectGarbage(tx, { orgId, repositoryId }, result.unlinked, result.generation));
  const { unlinked: _unlinked, ...summary } = result;
  return summary;
}

/**
 * A function that yields to the event loop when `everyMs` have passed since it last did, so
 * that a long stretch of parsing does not hold up the statement being sent to Postgres.
 */
function eventLoopBreather(everyMs: number): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < everyMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    last = performance.now();
  };
}

/**
 * The first line of `text` when it is a shebang (all `detectLanguage` reads of it), as a copy:
 * a slice would keep the whole text alive for as long as the run keeps the line.
 */
function shebangOf(text: string): string | undefined {
  const end = text.indexOf("\n");
  const line = (end < 0 ? text : text.slice(0, end)).slice(0, MAX_SHEBANG_CHARS);
  return line.trimStart().startsWith("#!") ? Buffer.from(line, "utf8").toString("utf8") : undefined;
}

/** Of `oids`, the stored blobs one of whose chunks matches `regex`. */
async function blobsMatching(tx: Queryable, orgId: string, oids: string[], regex: string): Promise<Set<string>> {
  if (oids.length === 0) return new Set();
  const { rows } = await tx.query<{ blob_oid: string }>(
    "select distinct blob_oid from index_chunks where org_id = $1 and blob_oid = any($2::text[]) and content ~ $3",
    [orgId, oids, regex],
  );
  return new Set(rows.map((r) => r.blob_oid));
}

/** Of `oids`, the stored blobs (chunks written) that have no terms. */
async function blobsWithoutTerms(tx: Queryable, orgId: string, oids: string[]): Promise<string[]> {
  if (oids.length === 0) return [];
  const { rows } = await tx.query<{ oid: string }>(
    `select b.oid from unnest($2::text[]) as b(oid)
     where exists (select 1 from index_chunks c where c.org_id = $1 and c.blob_oid = b.oid and c.chunk_no = 0)
       and not exists (select 1 from index_term_blobs t where t.org_id = $1 and t.blob_oid = b.oid)`,
    [orgId, oids],
  );
  return rows.map((r) => r.oid);
}

/** The names of stored blobs' definitions (any language), by blob. */
async function definitionNames(tx: Queryable, orgId: string, oids: string[]): Promise<Map<string, { name: string }[]>> {
  const { rows } = await tx.query<{ blob_oid: string; name: string }>(
    "select blob_oid, name from index_symbols where org_id = $1 and blob_oid = any($2::text[])",
    [orgId, oids],
  );
  const names = new Map<string, { name: string }[]>();
  for (const r of rows) (names.get(r.blob_oid) ?? names.set(r.blob_oid, []).get(r.blob_oid)!).push({ name: r.name });
  return names;
}

/** Reassembles stored blobs' text from their chunks. */
async function blobTexts(tx: Queryable, orgId: string, oids: string[]): Promise<Map<string, string>> {
  const { rows } = await tx.query<{ blob_oid: string; text: string }>(
    `select blob_oid, string_agg(content, E'\\n' order by chunk_no) as text from index_chunks
     where org_id = $1 and blob_oid = any($2::text[]) group by blob_oid`,
    [orgId, oids],
  );
  return new Map(rows.map((r) => [r.blob_oid, r.text]));
}
