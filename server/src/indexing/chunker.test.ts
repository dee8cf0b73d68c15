/**
 * Chunking: line addressing, limits, round trip.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CHUNK_MAX_BYTES, CHUNK_MAX_LINES, chunkText, sanitizeText } from "./chunker.js";

describe("chunkText", () => {
  it("returns no chunk for an empty file and one for a short file", () => {
    assert.deepEqual(chunkText(""), []);
    assert.deepEqual(chunkText("a\nb\n"), [{ chunkNo: 0, startLine: 1, lineCount: 2, content: "a\nb" }]);
  });

  it("splits at the line limit with 1-based start lines", () => {
    const text = Array.from({ length: CHUNK_MAX_LINES * 2 + 3 }, (_, i) => `line ${i + 1}`).join("\n");
    const chunks = chunkText(text);
    assert.deepEqual(
      chunks.map((c) => [c.startLine, c.lineCount]),
      [
        [1, CHUNK_MAX_LINES],
        [CHUNK_MAX_LINES + 1, CHUNK_MAX_LINES],
        [2 * CHUNK_MAX_LINES + 1, 3],
      ],
    );
    assert.equal(chunks[1]!.content.split("\n")[0], `line ${CHUNK_MAX_LINES + 1}`);
    assert.equal(chunks.map((c) => c.content).join("\n"), text);
  });

  it("splits at the size limit but keeps an over-long line whole", () => {
    const long = "x".repeat(CHUNK_MAX_BYTES * 2);
    const chunks = chunkText(`a\n${long}\nb`);
    assert.deepEqual(
      chunks.map((c) => [c.startLine, c.lineCount]),
      [
        [1, 1],
        [2, 1],
        [3, 1],
      ],
    );
    assert.equal(chunks[1]!.content, long);
  });

  it("keeps blank lines and carriage returns", () => {
    const chunks = chunkText("a\r\n\r\nb");
    assert.equal(chunks[0]!.content, "a\r\n\r\nb");
    assert.equal(chunks[0]!.lineCount, 3);
  });
});

describe("sanitizeText", () => {
  it("replaces NUL characters", () => {
    assert.equal(sanitizeText("a\u0000b"), "a\uFFFDb");
  });
});
