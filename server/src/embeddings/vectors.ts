/**
 * The portable vector form (no database extension): a model's vector is scaled to unit length,
 * quantised to int8 with one scale per vector, and summarised by its sign bits. Cosine
 * similarity between a question and a stored chunk is then the dot product of the question's
 * unit vector with the int8 components times the scale; the sign bits give a cheap first
 * ranking (Hamming distance) that Postgres computes in C.
 */

/** A vector stored: the int8 components, their scale, and the sign bits as a bit string. */
export interface StoredVector {
  scale: number;
  /** `dims` bytes, each a signed component (−127 … 127). */
  bytes: Buffer;
  /** `dims` characters of 0 and 1 (Postgres `bit varying` input). */
  sketch: string;
}

/** The vector scaled to length 1 (all zeros stays all zeros). */
export function unitVector(values: readonly number[]): Float32Array {
  let sum = 0;
  for (const v of values) sum += v * v;
  const norm = Math.sqrt(sum);
  const out = new Float32Array(values.length);
  if (norm === 0 || !Number.isFinite(norm)) return out;
  for (let i = 0; i < values.length; i++) out[i] = values[i]! / norm;
  return out;
}

/** The sign bits of a vector, as Postgres reads a `bit varying` literal. */
export function signBits(unit: Float32Array): string {
  let bits = "";
  for (const v of unit) bits += v > 0 ? "1" : "0";
  return bits;
}

/** Quantises a unit vector to int8 with one scale (the largest component maps to ±127). */
export function quantise(unit: Float32Array): StoredVector {
  let max = 0;
  for (const v of unit) max = Math.max(max, Math.abs(v));
  const scale = max === 0 ? 0 : max / 127;
  const bytes = Buffer.alloc(unit.length);
  for (let i = 0; i < unit.length; i++) {
    const q = scale === 0 ? 0 : Math.round(unit[i]! / scale);
    bytes.writeInt8(Math.max(-127, Math.min(127, q)), i);
  }
  return { scale, bytes, sketch: signBits(unit) };
}

/** Cosine similarity of a unit query vector with a stored int8 vector (its scale applied). */
export function scoreStored(query: Float32Array, bytes: Uint8Array, scale: number): number {
  const components = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Math.min(query.length, components.length);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += query[i]! * components[i]!;
  return sum * scale;
}
