/**
 * Batches the chunks and symbols of new blobs and writes them on the run's transaction while
 * the indexer reads, chunks and parses the next blobs: a few batches are queued for Postgres
 * (one statement each, executed in order on the connection) while Node builds the next one.
 * The queue is short, so memory stays bounded, and long enough that neither side waits for
 * the other when one batch is heavier on symbols (Node) or on chunk text (Postgres).
 */
import type { Queryable } from "../platform/db/tenant.js";
import type { Chunk } from "./chunker.js";
import { insertContent, type BlobChunks, type BlobSymbols, type SymbolRow } from "./index-writer.js";

/** The rows of one batch. */
interface Batch {
  chunks: BlobChunks[];
  symbols: BlobSymbols[];
  chars: number;
}

const emptyBatch = (): Batch => ({ chunks: [], symbols: [], chars: 0 });

/**
 * Writes content rows in batches of about `batchChars` characters of chunk text, with at
 * most `maxInFlight` batches sent and not yet written. A failed write is reported by the next
 * `add…`/`send`/`flush`.
 */
export class ContentWriter {
  private batch = emptyBatch();
  private readonly inFlight: Promise<void>[] = [];
  private failure: { error: unknown } | undefined;

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

  /**
   * Starts writing the batch built so far without waiting for it, once fewer than
   * `maxInFlight` earlier batches are still being written.
   */
  async send(): Promise<void> {
    await this.settle(this.maxInFlight - 1);
    const batch = this.batch;
    this.batch = emptyBatch();
    if (batch.chunks.length === 0 && batch.symbols.length === 0) return;
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

  private write(batch: Batch): Promise<void> {
    return insertContent(this.tx, this.orgId, batch.chunks, batch.symbols);
  }
}
