/**
 * One index run of a repository at a commit, as the steps its caller takes in this order (the
 * repository.sync job, repositories/sync.job.ts), every one but the last in the run's
 * transaction (`withIndexRun`):
 *
 * 1. `planIndexRun`: what the run looks at (run-plan.ts: the paths changed since the indexed
 *    commit, or the whole tree), which paths it adds, changes and removes, and which of their
 *    blobs the org has never stored (the only ones read from git).
 * 2. `writeIndexContent`: those blobs streamed from git, checked (binary, generated), chunked,
 *    parsed for symbols and written with their terms (content-writer.ts).
 * 3. `stageGeneration`: the file rows of the next generation. Other capabilities may work on
 *    the staged generation now (the knowledge graph reads it through `generationFiles`,
 *    `blobTexts` and `blobsMatching`).
 * 4. `sealGeneration`: the new blobs' document frequencies and the generation's totals: the
 *    summary the caller publishes on the repository, in the same transaction.
 * 5. `collectIndexRun`, after the commit: what no generation needs any more.
 *
 * Searches see the previous complete generation until the transaction commits, and a step
 * that fails rolls every earlier one back. Only added, changed, renamed and deleted paths are
 * written, and a blob indexed before (under any path or repository of the org) is never re-read.
 */
import type { Database } from "../platform/db/database.js";
import { withTenant, type Queryable } from "../platform/db/tenant.js";
import { chunkText, sanitizeText } from "./chunker.js";
import {
  addTermStats,
  collectGarbage,
  existingBlobs,
  extractedSymbolBlobs,
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

/** The repository a run indexes, in its organisation. */
export interface IndexTarget {
  orgId: string;
  repositoryId: string;
}

/** Progress of the content step, for the repository's status. */
export interface IndexProgress {
  key: "content";
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

/** What a run will write, decided before it reads any content (step 1). */
export interface IndexPlan extends IndexTarget {
  commit: string;
  kind: "full" | "incremental";
  /** The generation the run stages: the published one + 1. */
  generation: number;
  settings: IndexSettings;
  /** Files kept among the paths the run looks at. */
  wanted: Candidate[];
  /** path → blob of the live rows among those paths. */
  live: Map<string, string>;
  /** Skip counts so far (of the tree, or carried over); the content step counts its own. */
  skipped: Partial<Record<SkipReason, number>>;
  /** Kept files whose blob is not the live row's: added, changed, renamed. */
  changedFiles: Candidate[];
  /** Live paths the run does not keep: deleted, renamed away, or skipped now. */
  removals: string[];
  /** Of the changed files' blobs, those the org has stored already. */
  known: Set<string>;
  /** The blobs to read from git, in write order (spread-order.ts). */
  toRead: string[];
}

/** What the content step wrote, and what it left out for its content (step 2). */
export interface IndexContent {
  /** Blobs left out for their content (binary, generated). */
  rejected: Set<string>;
  /** The first line of the blobs that start with a shebang (language detection). */
  shebangs: Map<string, string>;
  /** Files left out for their content, by reason. */
  skipped: Partial<Record<SkipReason, number>>;
  blobsRead: number;
  bytesRead: number;
  /** Document-frequency counts of the terms written, added when the generation is sealed. */
  termCounts: ReadonlyMap<number, number>;
}

/**
 * The next generation as staged, for the steps other capabilities take on it before it is
 * published, in the run's transaction (the knowledge graph's extraction): its files through
 * `generationFiles`, stored texts through `blobTexts` and `blobsMatching`.
 */
export interface StagedRun extends IndexTarget {
  commit: string;
  kind: "full" | "incremental";
  /** The staged generation (not published yet). */
  generation: number;
  /** Paths added, changed, renamed or removed by this run. */
  changedPaths: string[];
}

/** The staged generation with what sealing and collecting it need (step 3). */
export interface StagedGeneration extends StagedRun {
  /** Skip counts of the whole tree. */
  skipped: Partial<Record<SkipReason, number>>;
  settings: IndexSettings;
  changed: { added: number; updated: number; removed: number; blobsRead: number; bytesRead: number };
  termCounts: ReadonlyMap<number, number>;
  /** Blobs whose rows this run closed: the only ones that may have lost their last file. */
  unlinked: string[];
}

/** What a run publishes on the repository (step 4). */
export interface IndexRunSummary {
  generation: number;
  commit: string;
  files: number;
  bytes: number;
  languages: Record<string, number>;
  skipped: Partial<Record<SkipReason, number>>;
  settings: IndexSettings;
  lastRun: { kind: "full" | "incremental"; added: number; updated: number; removed: number; blobsRead: number; bytesRead: number };
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
 * Runs `steps` in the run's transaction, scoped to the organisation, with the locks a run
 * holds until it ends: the org's index lock in shared mode (no blob the run may reuse is
 * collected meanwhile) and the repository's run lock (one run per repository at a time).
 * Whatever the steps write appears together at the commit; an error rolls all of it back.
 */
export async function withIndexRun<T>(db: Database, target: IndexTarget, steps: (tx: Queryable) => Promise<T>): Promise<T> {
  return withTenant(db, { orgId: target.orgId }, async (tx) => {
    await lockOrgIndex(tx, target.orgId, "run");
    // One run per repository at a time. An advisory lock, not a row lock: progress updates
    // write the repository row from other connections while this transaction runs.
    await tx.query("select pg_advisory_xact_lock(hashtextextended('ctxpipe.repository:' || $1, 0))", [target.repositoryId]);
    return steps(tx);
  });
}

/**
 * Step 1: plans the run of `commit` against the published index (read by the caller, which
 * owns the repository's row, in the run's transaction).
 */
export async function planIndexRun(
  tx: Queryable,
  input: IndexTarget & { commit: string; source: IndexSource; maxFileBytes: number; published: PublishedIndex },
): Promise<IndexPlan> {
  const { orgId, repositoryId, source, commit } = input;
  const settings: IndexSettings = { maxFileBytes: input.maxFileBytes, rules: INDEX_RULES_VERSION };
  const { kind, wanted, live, skipped } = await planRun(tx, { repositoryId, commit, source, settings, previous: input.published.previous });
  const changedFiles = wanted.filter((c) => live.get(c.path) !== c.oid);
  const wantedPaths = new Set(wanted.map((c) => c.path));
  const removals = [...live.keys()].filter((p) => !wantedPaths.has(p));

  const known = await existingBlobs(tx, orgId, [...new Set(changedFiles.map((c) => c.oid))]);
  const toRead = spreadOrder([...new Set(changedFiles.filter((c) => !known.has(c.oid)).map((c) => c.oid))]);
  const generation = input.published.generation + 1;
  return { orgId, repositoryId, commit, kind, generation, settings, wanted, live, skipped, changedFiles, removals, known, toRead };
}

/**
 * Step 2: reads the plan's new blobs from git and writes their chunks, symbols and terms; a
 * full run also gives known blobs without terms theirs, and known blobs get the symbols of a
 * language they were never parsed for. `onProgress` hears of each batch written.
 */
export async function writeIndexContent(
  tx: Queryable,
  plan: IndexPlan,
  input: {
    source: Pick<IndexSource, "readBlobs">;
    extractor: SymbolExtractor;
    onProgress?: (progress: IndexProgress) => Promise<void> | void;
    /** Write the byte-trigram lists too (CTXPIPE_SEARCH_CONTENT_INDEX=postings; content-writer.ts). */
    trigramPostings?: boolean;
  },
): Promise<IndexContent> {
  const { orgId, wanted, changedFiles, known, toRead } = plan;
  const { source } = input;
  const skipped: IndexContent["skipped"] = {};
  const skip = (reason: SkipReason) => countSkip(skipped, reason);
  const pathsByOid = new Map<string, Candidate[]>();
  for (const c of changedFiles) (pathsByOid.get(c.oid) ?? pathsByOid.set(c.oid, []).get(c.oid)!).push(c);

  const rejected = new Set<string>();
  const shebangs = new Map<string, string>();
  const symbolDone = await extractedSymbolBlobs(tx, orgId, [...pathsByOid.keys()]);
  if (toRead.length >= BULK_RUN_BLOBS) await useBulkMergeMemory(tx);
  const writer = new ContentWriter(tx, orgId, INSERT_BATCH_CHARS, BATCHES_IN_FLIGHT, input.trigramPostings ?? false);
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
  return { rejected, shebangs, skipped, blobsRead, bytesRead, termCounts: writer.termCounts };
}

/**
 * Step 3: stages the next generation's file rows: closes the rows of removed and changed
 * paths and inserts rows for added and changed ones. Readers keep seeing the published
 * generation until the run's transaction commits.
 */
export async function stageGeneration(tx: Queryable, plan: IndexPlan, content: IndexContent): Promise<StagedGeneration> {
  const { orgId, repositoryId, changedFiles, live, removals, generation: next } = plan;
  const { rejected, shebangs } = content;
  const upserts: FileRow[] = changedFiles
    .filter((c) => !rejected.has(c.oid))
    .map((c) => ({ path: c.path, blobOid: c.oid, size: c.size, language: detectLanguage(c.path, shebangs.get(c.oid)) ?? null }));
  // A path whose new content was rejected (now binary or generated) leaves the index.
  const rejectedPaths = changedFiles.filter((c) => rejected.has(c.oid) && live.has(c.path)).map((c) => c.path);
  await stageFiles(tx, { orgId, repositoryId }, next, { upserts, removals: [...removals, ...rejectedPaths] });
  const added = upserts.filter((u) => !live.has(u.path)).length;
  // Blobs whose rows this run closed: the only ones that may have lost their last file.
  const closed = new Set([...removals, ...rejectedPaths, ...changedFiles.map((c) => c.path)]);
  const unlinked = [...closed].map((p) => live.get(p)).filter((oid): oid is string => oid !== undefined);
  const skipped = { ...plan.skipped };
  for (const [reason, n] of Object.entries(content.skipped) as [SkipReason, number][]) skipped[reason] = (skipped[reason] ?? 0) + n;
  return {
    orgId,
    repositoryId,
    commit: plan.commit,
    kind: plan.kind,
    generation: next,
    changedPaths: [...new Set([...changedFiles.map((c) => c.path), ...removals, ...rejectedPaths])],
    skipped,
    settings: plan.settings,
    changed: {
      added,
      updated: upserts.length - added,
      removed: removals.length + rejectedPaths.length,
      blobsRead: content.blobsRead,
      bytesRead: content.bytesRead,
    },
    termCounts: content.termCounts,
    unlinked,
  };
}

/**
 * Step 4, last before the caller publishes: adds the new blobs' document frequencies and
 * totals the staged generation.
 * @returns what the repository publishes, in the same transaction.
 */
export async function sealGeneration(tx: Queryable, staged: StagedGeneration): Promise<IndexRunSummary> {
  // The new blobs' document frequencies, last before publishing (see addTermStats).
  await addTermStats(tx, staged.orgId, staged.termCounts);
  const totals = await generationTotals(tx, staged.repositoryId, staged.generation);
  return {
    generation: staged.generation,
    commit: staged.commit,
    ...totals,
    skipped: staged.skipped,
    settings: staged.settings,
    lastRun: { kind: staged.kind, ...staged.changed },
  };
}

/**
 * Step 5, once the run's transaction committed: drops the file rows that left the published
 * generation, and the content of the blobs the run unlinked that no file of the org refers to.
 */
export async function collectIndexRun(db: Database, staged: Pick<StagedGeneration, "orgId" | "repositoryId" | "generation" | "unlinked">): Promise<void> {
  const { orgId, repositoryId } = staged;
  await withTenant(db, { orgId }, (tx) => collectGarbage(tx, { orgId, repositoryId }, staged.unlinked, staged.generation));
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

/**
 * Of `oids`, the stored blobs one of whose chunks matches `regex` (a Postgres regular
 * expression), in the caller's org-scoped transaction.
 */
export async function blobsMatching(tx: Queryable, orgId: string, oids: string[], regex: string): Promise<Set<string>> {
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

/** Reassembles stored blobs' text from their chunks, in the caller's org-scoped transaction. */
export async function blobTexts(tx: Queryable, orgId: string, oids: string[]): Promise<Map<string, string>> {
  const { rows } = await tx.query<{ blob_oid: string; text: string }>(
    `select blob_oid, string_agg(content, E'\\n' order by chunk_no) as text from index_chunks
     where org_id = $1 and blob_oid = any($2::text[]) group by blob_oid`,
    [orgId, oids],
  );
  return new Map(rows.map((r) => [r.blob_oid, r.text]));
}
