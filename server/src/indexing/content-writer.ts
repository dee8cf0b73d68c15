/**
 * Batches the chunks, symbols and terms of new blobs and writes them on the run's transaction while
 * the indexer reads, chunks and parses the next blobs: a few batches are queued for Postgres
 * (one statement each, executed in order on the connection) while Node builds the next one.
 * The queue is short, so memory stays bounded, and long enough that neither side waits for
 * the other when one batch is heavier on symbols (Node) or on chunk text (Postgres).
 */
import type { Queryable } from "../platform/db/tenant.js";
import type { Chunk } from "./chunker.js";
import { countTerms, insertContent, type BlobChunks, type BlobSymbols, type BlobTermRow, type SymbolRow } from "./index-writer.js";
import type { BlobTerms } from "./terms/code-terms.js";

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

  constructor(
    private readonly tx: Queryable,
    private readonly orgId: string,
    private readonly batchChars: number,
    private readonly maxInFlight = 1,
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
    this.inFlight.push(
      this.write(batch).catch((error: unknown) => {
        this.failure ??= { error };
      }),
    );
  }

  /** Writes everything added so far and waits until it is written. */
  async flush(): Promise<void> {
    await this.send();
    await this.settle(0);
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
