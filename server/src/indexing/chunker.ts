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
  if (text === "") return [];
  // Scans for line ends instead of splitting into lines: a chunk's content is one slice of
  // `text`, and no array of every line is built (a large run chunks hundreds of MB).
  const end = text.endsWith("\n") ? text.length - 1 : text.length;
  const chunks: Chunk[] = [];
  let startLine = 1;
  let start = 0;
  for (let last = false; !last; ) {
    let lines = 0;
    let contentEnd = start;
    for (let lineStart = start; lines < CHUNK_MAX_LINES; lineStart = contentEnd + 1) {
      const lineEnd = nextLineEnd(text, lineStart, end);
      if (lines > 0 && lineEnd + 1 - start > CHUNK_MAX_BYTES) break;
      lines++;
      contentEnd = lineEnd;
      if ((last = lineEnd >= end)) break;
    }
    chunks.push({ chunkNo: chunks.length, startLine, lineCount: lines, content: text.slice(start, contentEnd) });
    startLine += lines;
    start = contentEnd + 1;
  }
  return chunks;
}

/** Index of the "\n" ending the line that starts at `from`, or `end` for the last line. */
function nextLineEnd(text: string, from: number, end: number): number {
  const at = text.indexOf("\n", from);
  return at < 0 || at > end ? end : at;
}
