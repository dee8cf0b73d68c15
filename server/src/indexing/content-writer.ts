/**
 * Batches the chunks, symbols and terms of new blobs and writes them on the run's transaction while
 * the indexer reads, chunks and parses the next blobs: a few batches are queued for Postgres
 * (one statement each, executed in order on the connection) while Node builds the next one.
 * The queue is short, so memory stays bounded, and long enough that neither side waits for
 * the other when one batch is heavier on symbols (Node) or on chunk text (Postgres).
 * With `trigramPostings`, each batch's chunks get their ids and their byte trigrams
 * (trigram-postings.ts) as it is sent; the lists are written as a segment every
 * SEGMENT_TEXT_BYTES and at the end.
 */
import type { Queryable } from "../platform/db/tenant.js";
import type { Chunk } from "./chunker.js";
import {
  CHUNK_ID_BLOCK,
  countTerms,
  insertContent,
  insertSegment,
  reserveChunkIds,
  type BlobChunks,
  type BlobSymbols,
  type BlobTermRow,
  type SymbolRow,
} from "./index-writer.js";
import type { BlobTerms } from "./terms/code-terms.js";
import { SegmentBuilder } from "./trigram-postings.js";

/**
 * A segment of trigram lists is written once its chunks hold this much text, or this many
 * (trigram, chunk) pairs: larger segments mean fewer rows per query, and more memory while one
 * is built (8 bytes per pair, plus a 64 MB count table).
 */
const SEGMENT_TEXT_BYTES = 32 * 1024 * 1024;
const SEGMENT_PAIRS = 6_000_000;

/** The rows of one batch. */
interface Batch {
  chunks: BlobChunks[];
  symbols: BlobSymbols[];
  terms: BlobTermRow[];
  chars: number;
}

const emptyBatch = (): Batch => ({ chunks: [], symbols: [], terms: [], chars: 0 });

/**
 * Writes content rows in batches of about `batchChars` characters of chunk text, with at
 * most `maxInFlight` batches sent and not yet written. A failed write is reported by the next
 * `add…`/`send`/`flush`.
 */
export class ContentWriter {
  private batch = emptyBatch();
  private readonly inFlight: Promise<void>[] = [];
  private failure: { error: unknown } | undefined;
  /** Document-frequency counts of the terms this writer stored (index_term_stats, added before publishing). */
  readonly termCounts = new Map<number, number>();
  private readonly segment = new SegmentBuilder();
  /** The next chunk id of the run's block, and the end of the block. */
  private nextId = 0;
  private blockEnd = 0;

  constructor(
    private readonly tx: Queryable,
    private readonly orgId: string,
    private readonly batchChars: number,
    private readonly maxInFlight = 1,
    /**
     * Whether to write the byte-trigram lists (and chunk ids): only where search reads them
     * (CTXPIPE_SEARCH_CONTENT_INDEX=postings) while they are being proven, so that other
     * instances do not pay their extraction and writes.
     */
    private readonly trigramPostings = false,
  ) {}

  /** True when the batch being built should be sent. */
  get full(): boolean {
    return this.batch.chars >= this.batchChars;
  }

  /** Adds a blob's chunks to the batch being built. */
  addChunks(oid: string, chunks: Chunk[]): void {
    this.check();
    this.batch.chunks.push({ oid, chunks });
    for (const chunk of chunks) this.batch.chars += chunk.content.length;
  }

  /** Adds a blob's symbols (for one language) to the batch being built. */
  addSymbols(oid: string, language: string, symbols: SymbolRow[]): void {
    this.check();
    this.batch.symbols.push({ oid, language, symbols });
  }

  /** Adds a blob's terms to the batch being built. */
  addTerms(oid: string, terms: BlobTerms): void {
    this.check();
    this.batch.terms.push({ oid, terms });
  }

  /**
   * Starts writing the batch built so far without waiting for it, once fewer than
   * `maxInFlight` earlier batches are still being written.
   */
  async send(): Promise<void> {
    await this.settle(this.maxInFlight - 1);
    const batch = this.batch;
    this.batch = emptyBatch();
    if (batch.chunks.length === 0 && batch.symbols.length === 0 && batch.terms.length === 0) return;
    if (this.trigramPostings) await this.indexTrigrams(batch.chunks);
    this.queue(this.write(batch));
    if (this.segment.textBytes >= SEGMENT_TEXT_BYTES || this.segment.pairs >= SEGMENT_PAIRS) this.writeSegment();
  }

  /** Writes everything added so far and waits until it is written. */
  async flush(): Promise<void> {
    await this.send();
    this.writeSegment();
    await this.settle(0);
  }

  private queue(write: Promise<void>): void {
    this.inFlight.push(
      write.catch((error: unknown) => {
        this.failure ??= { error };
      }),
    );
  }

  /**
   * Gives the chunks their ids, in order, and adds their trigrams to the open segment. A
   * segment stays within one block of ids: when the block runs out, the segment is written
   * and the next starts in a new block.
   */
  private async indexTrigrams(blobs: BlobChunks[]): Promise<void> {
    for (const blob of blobs) {
      const ids: number[] = [];
      blob.ids = ids;
      for (const chunk of blob.chunks) {
        if (this.nextId >= this.blockEnd) {
          this.writeSegment();
          this.nextId = await reserveChunkIds(this.tx);
          this.blockEnd = this.nextId + CHUNK_ID_BLOCK;
        }
        ids.push(this.nextId);
        this.segment.add(this.nextId++, chunk.content);
      }
    }
  }

  /** Queues the open segment's lists, if it has any. */
  private writeSegment(): void {
    const segment = this.segment.finish();
    if (segment) this.queue(insertSegment(this.tx, this.orgId, segment));
  }

  /** Waits until at most `pending` writes are left in flight; rethrows a failed write's error. */
  private async settle(pending: number): Promise<void> {
    while (this.inFlight.length > pending) await this.inFlight.shift();
    this.check();
  }

  private check(): void {
    if (this.failure) throw this.failure.error;
  }

  private async write(batch: Batch): Promise<void> {
    const stored = await insertContent(this.tx, this.orgId, batch.chunks, batch.symbols, batch.terms);
    // Only the blobs this run stored count: another run may have stored the same blob first.
    for (const row of batch.terms) if (stored.has(row.oid)) countTerms(this.termCounts, row.terms);
  }
}
