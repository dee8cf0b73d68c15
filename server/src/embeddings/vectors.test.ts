/**
 * The portable vector form: unit length, int8 quantisation with a scale, sign bits, and the
 * cosine of a question with a stored vector within quantisation error of the exact one.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { quantise, scoreStored, signBits, unitVector } from "./vectors.js";

/** A deterministic pseudo-random vector (xorshift). */
function randomVector(seed: number, n: number): number[] {
  let x = seed || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.push(((x >>> 0) / 0xffffffff) * 2 - 1);
  }
  return out;
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

describe("vectors", () => {
  it("scales to unit length and keeps a zero vector zero", () => {
    const unit = unitVector([3, 4]);
    assert.ok(Math.abs(unit[0]! - 0.6) < 1e-6 && Math.abs(unit[1]! - 0.8) < 1e-6);
    assert.deepEqual([...unitVector([0, 0, 0])], [0, 0, 0]);
  });

  it("quantises to int8 with the largest component at ±127", () => {
    const stored = quantise(unitVector([0.4, -1, 0.2, 0]));
    assert.equal(stored.bytes.length, 4);
    assert.deepEqual([...new Int8Array(stored.bytes.buffer, stored.bytes.byteOffset, 4)], [51, -127, 25, 0]);
    assert.equal(stored.sketch, "1010");
    assert.equal(signBits(unitVector([-1, 2, 0])), "010");
  });

  it("scores a stored vector within quantisation error of the exact cosine", () => {
    const query = randomVector(7, 768);
    for (let seed = 100; seed < 120; seed++) {
      const doc = randomVector(seed, 768);
      const stored = quantise(unitVector(doc));
      const approx = scoreStored(unitVector(query), stored.bytes, stored.scale);
      assert.ok(Math.abs(approx - cosine(query, doc)) < 0.01, `seed ${seed}: ${approx} vs ${cosine(query, doc)}`);
    }
    const same = quantise(unitVector(query));
    assert.ok(Math.abs(scoreStored(unitVector(query), same.bytes, same.scale) - 1) < 0.01);
  });
});
