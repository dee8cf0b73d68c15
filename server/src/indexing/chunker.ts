/**
 * Splits a file's text into line-addressed chunks, the unit the trigram index covers.
 * Chunks hold whole lines: at most CHUNK_MAX_LINES lines and, unless a single line is longer,
 * at most CHUNK_MAX_BYTES characters. Line numbers are 1-based.
 */

/**
 * Most lines in one chunk. Larger chunks mean fewer rows and a smaller trigram index (a
 * trigram repeated on nearby lines is indexed once per chunk) and let Postgres compress the
 * text (rows over ~2 KB); smaller ones mean less text to recheck per candidate chunk.
 */
export const CHUNK_MAX_LINES = 256;
/**
 * Target size of one chunk in characters (a longer single line makes a bigger chunk). Once
 * compressed, a chunk of this size still fits in its heap page (no TOAST lookup to read it).
 */
export const CHUNK_MAX_BYTES = 16 * 1024;

/** One chunk of a file. */
export interface Chunk {
  chunkNo: number;
  startLine: number;
  lineCount: number;
  content: string;
}

/** Normalises text for Postgres: no NUL characters, "\r\n" kept as is. */
export function sanitizeText(text: string): string {
  return text.includes("\u0000") ? text.replaceAll("\u0000", "\uFFFD") : text;
}

/**
 * Cuts `text` into chunks. A trailing newline does not create an empty last line.
 * Chunk contents joined with "\n" give back the text (minus a final newline).
 */
export function chunkText(text: string): Chunk[] {
  const lines = text.split("\n");
  if (lines.length > 0 && lines.at(-1) === "") lines.pop();
  const chunks: Chunk[] = [];
  let start = 0;
  while (start < lines.length) {
    let end = start;
    let size = 0;
    while (end < lines.length && end - start < CHUNK_MAX_LINES) {
      const lineSize = lines[end]!.length + 1;
      if (end > start && size + lineSize > CHUNK_MAX_BYTES) break;
      size += lineSize;
      end++;
    }
    chunks.push({ chunkNo: chunks.length, startLine: start + 1, lineCount: end - start, content: lines.slice(start, end).join("\n") });
    start = end;
  }
  return chunks;
}
