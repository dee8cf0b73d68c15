/**
 * Streams the blobs that match one or-group of a query: every positive pattern somewhere in
 * the blob, no negative one. The pattern most likely to be rare drives a cursor over the
 * trigram index (scan.sql.ts openChunkScan), read in growing batches; each batch's new
 * blobs are checked for the group's other patterns within those blobs only. The caller
 * decides when it holds enough and stops; whatever was read stays bounded.
 */
import type { Queryable } from "../platform/db/tenant.js";
import { openPostingScan } from "./postings.sql.js";
import type { Pattern } from "./query-parser.js";
import * as sql from "./scan.sql.js";
import { patternTrigrams } from "./trigram-query.js";

/**
 * Which index finds a group's candidate chunks: pg_trgm's GIN index over the chunk text, or the
 * byte-trigram lists (ADR 007). A pattern without trigrams, and a short blob list, use the
 * pg_trgm path either way.
 */
export type ContentIndex = "pg_trgm" | "postings";

/** First batch of the driving scan; later batches are sized by the caller, up to MAX_BATCH. */
const FIRST_BATCH = 64;
const MAX_BATCH = 1024;
const MIN_BATCH = 16;
/** Longest `within` list that is read blob by blob rather than through the trigram index. */
const MAX_BLOBS_BY_KEY = 1000;
/** Matching chunks of another pattern read per blob when checking it (enough to rank on). */
const CHECK_CHUNKS_PER_BLOB = 2;
/** Most matching chunks of another pattern read per batch of new blobs. */
const MAX_CHECK_CHUNKS = 20_000;

/** Blobs confirmed by one batch, with their matching chunks (every positive pattern). */
export type BlobChunks = Map<string, sql.ChunkRow[]>;

/**
 * The positive pattern to scan first: literals before regexes, longer before shorter (a longer
 * literal has more trigrams, so fewer candidate chunks).
 */
export function drivingPattern(positive: Pattern[]): Pattern {
  const weight = (p: Pattern) => (p.kind === "literal" ? 1000 : 0) + p.value.length;
  return [...positive].sort((a, b) => weight(b) - weight(a))[0]!;
}

/** A streaming scan of one or-group. */
export class GroupScan {
  /** Every matching chunk of the driving pattern has been read. */
  exhausted = false;
  /** Some check of another pattern was cut at MAX_CHECK_CHUNKS. */
  checkCapped = false;
  /** Blobs whose chunks of another pattern were cut at CHECK_CHUNKS_PER_BLOB. */
  readonly truncated = new Set<string>();
  /** Chunks of the driving pattern read so far. */
  chunksRead = 0;
  /**
   * The blob of the last chunk read. The scan returns a blob's chunks together (they are
   * written together, in order), so if the scan stops now, only this blob may have matching
   * chunks left unread.
   */
  lastBlob: string | undefined;
  private readonly accepted = new Set<string>();
  private readonly rejected = new Set<string>();

  private constructor(
    private readonly tx: Queryable,
    private readonly scan: sql.ChunkScan,
    private readonly others: Pattern[],
    private readonly negatives: Pattern[],
    private readonly caseSensitive: boolean,
  ) {}

  /**
   * Opens the driving scan of `group`, restricted to `within` blobs when given (and, through
   * the trigram lists, to blobs visible in `visibleIn` before any chunk text is read).
   */
  static async open(
    tx: Queryable,
    group: Pattern[],
    caseSensitive: boolean,
    within?: string[],
    statementMs?: () => number,
    index: ContentIndex = "pg_trgm",
    visibleIn?: sql.SearchableRepo[],
  ): Promise<GroupScan> {
    const positive = group.filter((p) => !p.negated);
    const driver = drivingPattern(positive);
    // A short list of blobs is read blob by blob through the primary key (cheaper than a
    // trigram bitmap over the whole org); a long one through the trigram index.
    const perBlob = within && within.length <= MAX_BLOBS_BY_KEY ? 2_147_483_647 : undefined;
    const codes = index === "postings" && perBlob === undefined ? patternTrigrams(driver, caseSensitive) : undefined;
    const scan = codes
      ? await openPostingScan(tx, driver, caseSensitive, codes, { within, statementMs, visibleIn })
      : await sql.openChunkScan(tx, driver, caseSensitive, { within, perBlob, statementMs });
    return new GroupScan(
      tx,
      scan,
      positive.filter((p) => p !== driver),
      group.filter((p) => p.negated),
      caseSensitive,
    );
  }

  /**
   * The next batch of about `size` driving chunks (FIRST_BATCH at first): newly confirmed
   * blobs with all their matching chunks so far, plus more chunks of blobs confirmed earlier.
   * Undefined once the scan is exhausted.
   */
  async next(size = this.chunksRead === 0 ? FIRST_BATCH : MAX_BATCH): Promise<BlobChunks | undefined> {
    if (this.exhausted) return undefined;
    const batch = Math.min(Math.max(Math.ceil(size), MIN_BATCH), MAX_BATCH);
    const rows = await this.scan.fetch(batch);
    this.chunksRead += rows.length;
    this.lastBlob = rows.at(-1)?.blobOid ?? this.lastBlob;
    if (rows.length < batch) this.exhausted = true;
    const out: BlobChunks = new Map();
    const fresh: string[] = [];
    for (const row of rows) {
      if (this.rejected.has(row.blobOid)) continue;
      if (!this.accepted.has(row.blobOid) && !out.has(row.blobOid)) fresh.push(row.blobOid);
      (out.get(row.blobOid) ?? out.set(row.blobOid, []).get(row.blobOid)!).push(row);
    }
    if (fresh.length > 0 && (this.others.length > 0 || this.negatives.length > 0)) await this.check(fresh, out);
    for (const blob of fresh) if (out.has(blob)) this.accepted.add(blob);
    return out;
  }

  /** Drops from `out` the fresh blobs that miss another positive pattern or hold a negative one. */
  private async check(fresh: string[], out: BlobChunks): Promise<void> {
    let remaining = fresh;
    for (const pattern of this.others) {
      const { chunks, capped } = await sql.chunksMatching(this.tx, pattern, this.caseSensitive, remaining, {
        perBlob: CHECK_CHUNKS_PER_BLOB,
        cap: MAX_CHECK_CHUNKS,
      });
      this.checkCapped ||= capped;
      const perBlob = new Map<string, number>();
      for (const chunk of chunks) {
        out.get(chunk.blobOid)?.push(chunk);
        perBlob.set(chunk.blobOid, (perBlob.get(chunk.blobOid) ?? 0) + 1);
      }
      for (const [blob, n] of perBlob) if (n >= CHECK_CHUNKS_PER_BLOB) this.truncated.add(blob);
      remaining = this.dropMissing(remaining, new Set(perBlob.keys()), out);
    }
    for (const pattern of this.negatives) {
      const { chunks } = await sql.chunksMatching(this.tx, pattern, this.caseSensitive, remaining, { perBlob: 1, cap: MAX_CHECK_CHUNKS });
      const found = new Set(chunks.map((c) => c.blobOid));
      remaining = this.dropMissing(remaining, new Set(remaining.filter((b) => !found.has(b))), out);
    }
  }

  private dropMissing(blobs: string[], keep: Set<string>, out: BlobChunks): string[] {
    for (const blob of blobs) {
      if (keep.has(blob)) continue;
      this.rejected.add(blob);
      out.delete(blob);
    }
    return blobs.filter((b) => keep.has(b));
  }

  /** Closes the cursor (also closed by the end of the transaction). */
  close(): Promise<void> {
    return this.scan.close();
  }
}
