/**
 * The byte-trigram list format: a segment built from chunks gives back, for every trigram,
 * exactly the chunks that hold it (own rows and bucket rows alike), and intersection is exact.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bucketKey, intersectLists, listOf, SegmentBuilder, trigramCodes, type Segment } from "./trigram-postings.js";

/** The list of `code` in a segment, read the way a search reads it (own row, else bucket). */
function lookup(segment: Segment, code: number): number[] | undefined {
  const rows = segment.rows.filter((r) => r.key === code || r.key === bucketKey(code));
  return rows.map((r) => listOf(code, r)).find((l) => l !== undefined);
}

describe("trigram postings", () => {
  it("folds ASCII case only and keeps spaces and punctuation", () => {
    const code = (s: string) => (s.charCodeAt(0) << 16) | (s.charCodeAt(1) << 8) | s.charCodeAt(2);
    assert.deepEqual(trigramCodes("A b", false), [code("a b")]);
    assert.deepEqual(
      trigramCodes("x(){", false),
      [code("(){"), code("x()")].sort((a, b) => a - b),
    );
    // é is two bytes: the three trigrams across it are kept, or left out for case-insensitive use.
    assert.equal(trigramCodes("céd", false).length, 2);
    assert.deepEqual(trigramCodes("céd", true), []);
  });

  it("lists each trigram's chunks, in own rows and buckets", () => {
    const builder = new SegmentBuilder();
    const texts = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? `common words ${i} Rare${i}` : `common text ${i}`));
    const first = 5 * 2 ** 20;
    texts.forEach((t, i) => builder.add(first + i, t));
    const segment = builder.finish()!;
    assert.equal(segment.firstChunk, first);
    assert.equal(segment.lastChunk, first + 299);
    assert.equal(segment.chunks, 300);
    assert.ok(segment.rows.some((r) => r.key < 2 ** 24) && segment.rows.some((r) => r.key >= 2 ** 24), "both kinds of rows");
    const expected = new Map<number, number[]>();
    texts.forEach((t, i) => {
      for (const c of trigramCodes(t, false)) (expected.get(c) ?? expected.set(c, []).get(c)!).push(i);
    });
    for (const [code, chunks] of expected) assert.deepEqual(lookup(segment, code), chunks, `trigram ${code.toString(16)}`);
    assert.equal(lookup(segment, trigramCodes("zzz", false)[0]!), undefined);
    assert.equal(builder.finish(), undefined, "a new segment starts empty");
  });

  it("intersects lists exactly", () => {
    assert.deepEqual(
      intersectLists([
        [1, 3, 5, 7, 1000],
        [0, 3, 7, 8, 1000, 2000],
        [3, 1000],
      ]),
      [3, 1000],
    );
    assert.deepEqual(intersectLists([[1, 2], []]), []);
    const a = Array.from({ length: 5000 }, (_, i) => i * 3);
    const b = Array.from({ length: 100 }, (_, i) => i * 7 + 1);
    assert.deepEqual(
      intersectLists([a, b]),
      b.filter((v) => v % 3 === 0),
    );
  });
});
