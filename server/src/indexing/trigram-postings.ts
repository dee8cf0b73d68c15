/**
 * Byte-trigram posting lists, the content index of code search (ADR 007; layout in
 * docs/design/search-index.md, "Data layout"). Pure: no I/O.
 *
 * A trigram is three consecutive bytes of a chunk's UTF-8 text, spaces and punctuation
 * included, with ASCII letters folded to lower case, as one 24-bit code. A segment covers the
 * chunks one index run wrote together, whose ids are consecutive from the segment's first id:
 * each list holds the chunks (as ordinals, id − first id) that contain one trigram, ascending,
 * as LEB128 varints of the gaps. Lists of at most BUCKET_LIST_BYTES go into one row per
 * 16-bit prefix (a bucket) with a small directory; longer lists get a row of their own. So a
 * query reads, per segment and trigram, its own row or its bucket, never the whole segment.
 */

/** Key of the bucket row that holds the short lists of trigrams sharing `code`'s first two bytes. */
export function bucketKey(code: number): number {
  return BUCKET_KEY_BASE + (code >>> 8);
}

/** Bucket keys start here (trigram codes are below 2^24). */
export const BUCKET_KEY_BASE = 1 << 24;
/** A list of at most this many bytes goes in its prefix's bucket rather than a row of its own. */
export const BUCKET_LIST_BYTES = 96;

/** ASCII upper-case letters to lower case; every other byte unchanged. */
const FOLD = new Uint8Array(256).map((_, b) => (b >= 65 && b <= 90 ? b + 32 : b));

/**
 * The distinct trigram codes of `text` (folded), ascending. With `asciiOnly`, trigrams with a
 * byte of a non-ASCII character are left out: ASCII folding does not cover other scripts'
 * case, so a case-insensitive search must not require them.
 */
export function trigramCodes(text: string, asciiOnly: boolean): number[] {
  const bytes = Buffer.from(text, "utf8");
  const out = new Set<number>();
  for (let i = 2; i < bytes.length; i++) {
    const [x, y, z] = [bytes[i - 2]!, bytes[i - 1]!, bytes[i]!];
    if (asciiOnly && (x | y | z) >= 0x80) continue;
    out.add((FOLD[x]! << 16) | (FOLD[y]! << 8) | FOLD[z]!);
  }
  return [...out].sort((a, b) => a - b);
}

/** One row of a segment: a trigram's list, or a bucket of short lists. */
export interface PostingRow {
  key: number;
  postings: Buffer;
}

/** A segment as written: the range of chunk ids it covers and its rows. */
export interface Segment {
  firstChunk: number;
  lastChunk: number;
  chunks: number;
  textBytes: number;
  pairs: number;
  rows: PostingRow[];
}

/** Characters that lower-case to an ASCII letter (see SegmentBuilder.add). */
const ASCII_LOWERED = /[\u212A\u0130]/;
const ASCII_LOWERED_ALL = /[\u212A\u0130]/g;

/** Per-chunk deduplication stamps, shared: `add` runs synchronously for one chunk at a time. */
let stamps: Int32Array | undefined;
let stamp = 0;

/**
 * Builds one segment's lists from chunks added in id order. Memory: a 64 MB count table while
 * the segment is open, plus 8 bytes per (trigram, chunk) pair.
 */
export class SegmentBuilder {
  private counts: Uint32Array | undefined;
  private codes = new Uint32Array(1 << 16);
  private ords = new Uint32Array(1 << 16);
  private distinct: number[] = [];
  private first: number | undefined;
  private last = -1;
  /** Chunks added to the open segment. */
  chunks = 0;
  /** UTF-8 bytes of the chunks added. */
  textBytes = 0;
  /** (trigram, chunk) pairs so far. */
  pairs = 0;

  /** The first chunk id of the open segment (undefined when empty). */
  get firstChunk(): number | undefined {
    return this.first;
  }

  /** Adds a chunk; ids must ascend, and stay below the first id + 2^32. */
  add(chunkId: number, text: string): void {
    if (this.first === undefined) this.first = chunkId;
    if (chunkId <= this.last) throw new Error(`chunk ids must ascend (${chunkId} after ${this.last})`);
    const ord = chunkId - this.first;
    if (ord >= 2 ** 32) throw new Error("a segment spans at most 2^32 chunk ids");
    this.last = chunkId;
    this.chunks++;
    const bytes = Buffer.from(text, "utf8");
    this.textBytes += bytes.length;
    if (bytes.length < 3) return;
    this.counts ??= new Uint32Array(1 << 24);
    stamps ??= new Int32Array(1 << 24);
    if (++stamp >= 0x7fffffff) {
      stamps.fill(0);
      stamp = 1;
    }
    this.scan(bytes, ord);
    // Two characters lower-case to ASCII letters in Postgres (KELVIN SIGN to k, I WITH DOT
    // ABOVE to i): a case-insensitive search for "k" or "i" matches them, so the chunk also
    // gets the trigrams of its text with those letters.
    if (ASCII_LOWERED.test(text))
      this.scan(
        Buffer.from(
          text.replace(ASCII_LOWERED_ALL, (c) => (c === "\u212A" ? "k" : "i")),
          "utf8",
        ),
        ord,
      );
  }

  /** Adds the trigrams of `bytes` not yet seen in this chunk (the current stamp). */
  private scan(bytes: Buffer, ord: number): void {
    const counts = this.counts!;
    const seen = stamps!;
    const s = stamp;
    let a = FOLD[bytes[0]!]!;
    let b = FOLD[bytes[1]!]!;
    for (let i = 2; i < bytes.length; i++) {
      const c = FOLD[bytes[i]!]!;
      const code = (a << 16) | (b << 8) | c;
      if (seen[code] !== s) {
        seen[code] = s;
        const n = counts[code]!;
        counts[code] = n + 1;
        if (n === 0) this.distinct.push(code);
        if (this.pairs === this.codes.length) this.grow();
        this.codes[this.pairs] = code;
        this.ords[this.pairs] = ord;
        this.pairs++;
      }
      a = b;
      b = c;
    }
  }

  /** Encodes the open segment and starts a new one; undefined when nothing was added. */
  finish(): Segment | undefined {
    if (this.first === undefined) return undefined;
    const counts = this.counts ?? new Uint32Array(0);
    const codes = Uint32Array.from(this.distinct).sort();
    // Counting sort of the pairs by trigram; within a trigram, ordinals stay ascending.
    let pos = 0;
    for (const code of codes) {
      const n = counts[code]!;
      counts[code] = pos;
      pos += n;
    }
    const sorted = new Uint32Array(this.pairs);
    for (let i = 0; i < this.pairs; i++) {
      const code = this.codes[i]!;
      const at = counts[code]!;
      counts[code] = at + 1;
      sorted[at] = this.ords[i]!;
    }
    const rows: PostingRow[] = [];
    const out = new ByteWriter();
    const bucket: { suffix: number; list: Buffer }[] = [];
    const flushBucket = (prefix: number) => {
      if (bucket.length === 0) return;
      const w = new ByteWriter();
      w.varint(bucket.length);
      for (const entry of bucket) {
        w.byte(entry.suffix);
        w.varint(entry.list.length);
      }
      for (const entry of bucket) w.bytes(entry.list);
      rows.push({ key: BUCKET_KEY_BASE + prefix, postings: w.take() });
      bucket.length = 0;
    };
    let start = 0;
    let prefix = -1;
    for (const code of codes) {
      const end = counts[code]!;
      counts[code] = 0;
      if (code >>> 8 !== prefix) {
        flushBucket(prefix);
        prefix = code >>> 8;
      }
      let prev = 0;
      for (let i = start; i < end; i++) {
        out.varint(sorted[i]! - prev);
        prev = sorted[i]!;
      }
      start = end;
      const list = out.take();
      if (list.length > BUCKET_LIST_BYTES) rows.push({ key: code, postings: list });
      else bucket.push({ suffix: code & 0xff, list });
    }
    flushBucket(prefix);
    const segment: Segment = { firstChunk: this.first, lastChunk: this.last, chunks: this.chunks, textBytes: this.textBytes, pairs: this.pairs, rows };
    this.first = undefined;
    this.last = -1;
    this.chunks = 0;
    this.textBytes = 0;
    this.pairs = 0;
    this.distinct = [];
    this.counts = undefined;
    if (this.codes.length > 1 << 16) {
      this.codes = new Uint32Array(1 << 16);
      this.ords = new Uint32Array(1 << 16);
    }
    return segment;
  }

  private grow(): void {
    const codes = new Uint32Array(this.codes.length * 2);
    codes.set(this.codes);
    const ords = new Uint32Array(this.ords.length * 2);
    ords.set(this.ords);
    this.codes = codes;
    this.ords = ords;
  }
}

/** A growable byte buffer with LEB128 varints. */
class ByteWriter {
  private buf = Buffer.allocUnsafe(1 << 12);
  private len = 0;

  byte(b: number): void {
    if (this.len === this.buf.length) this.grow(1);
    this.buf[this.len++] = b;
  }

  varint(n: number): void {
    if (this.len + 5 > this.buf.length) this.grow(5);
    let v = n >>> 0;
    while (v >= 0x80) {
      this.buf[this.len++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.len++] = v;
  }

  bytes(b: Buffer): void {
    if (this.len + b.length > this.buf.length) this.grow(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }

  /** The bytes written since the last take, as a copy. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.len));
    this.len = 0;
    return out;
  }

  private grow(need: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + need));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}

/**
 * The list of trigram `code` in a row read for it (its own row, or its bucket row), as
 * ordinals ascending; undefined when the row does not hold it.
 */
export function listOf(code: number, row: PostingRow): number[] | undefined {
  if (row.key === code) return decodeList(row.postings, 0, row.postings.length);
  if (row.key !== bucketKey(code)) return undefined;
  const r = { pos: 0 };
  const buf = row.postings;
  const n = readVarint(buf, r);
  let offset = 0;
  let found: { offset: number; length: number } | undefined;
  for (let i = 0; i < n; i++) {
    const suffix = buf[r.pos++]!;
    const length = readVarint(buf, r);
    if (suffix === (code & 0xff)) found = { offset, length };
    offset += length;
  }
  if (!found) return undefined;
  return decodeList(buf, r.pos + found.offset, r.pos + found.offset + found.length);
}

function readVarint(buf: Buffer, r: { pos: number }): number {
  let v = 0;
  let shift = 0;
  for (;;) {
    const b = buf[r.pos++]!;
    v += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return v;
    shift += 7;
  }
}

/** Gap-coded ordinals between `from` and `to` of `buf`, as absolute ordinals. */
function decodeList(buf: Buffer, from: number, to: number): number[] {
  const out: number[] = [];
  let prev = 0;
  let v = 0;
  let shift = 0;
  for (let i = from; i < to; i++) {
    const b = buf[i]!;
    v += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) {
      prev += v;
      out.push(prev);
      v = 0;
      shift = 0;
    } else shift += 7;
  }
  return out;
}

/** Values present in every list (each ascending), ascending; the shortest lists first. */
export function intersectLists(lists: number[][]): number[] {
  if (lists.length === 0) return [];
  const sorted = [...lists].sort((a, b) => a.length - b.length);
  let acc = sorted[0]!;
  for (const list of sorted.slice(1)) {
    if (acc.length === 0) break;
    const next: number[] = [];
    let j = 0;
    for (const v of acc) {
      // Gallop: lists are often much longer than the accumulator.
      let step = 1;
      while (j + step < list.length && list[j + step]! < v) step *= 2;
      let lo = j;
      let hi = Math.min(j + step, list.length - 1);
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (list[mid]! < v) lo = mid + 1;
        else hi = mid;
      }
      j = lo;
      if (j < list.length && list[j] === v) next.push(v);
      if (j >= list.length) break;
    }
    acc = next;
  }
  return acc;
}
