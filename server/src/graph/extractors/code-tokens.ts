/**
 * A small tokenizer for the brace languages some manifests are written in (protobuf, Gradle's
 * Groovy and Kotlin DSLs, Terraform's HCL): identifiers, string literals (single, double and
 * triple quotes; HCL's `${…}` kept as text), numbers and punctuation, each with its line;
 * `//`, `/* *\/` and (with `hashComments`) `#` comments skipped. Enough to read declarations
 * without guessing from regular expressions over the whole text.
 */

/** One token. */
export interface Token {
  type: "ident" | "string" | "number" | "punct";
  text: string;
  line: number;
}

/** Most tokens read from one file. */
const MAX_TOKENS = 200_000;

/** The tokens of `text`. */
export function tokenize(text: string, options: { hashComments?: boolean } = {}): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n && tokens.length < MAX_TOKENS) {
    const ch = text[i]!;
    if (ch === "\n") {
      line++;
      i++;
    } else if (ch === " " || ch === "\t" || ch === "\r") i++;
    else if ((ch === "/" && text[i + 1] === "/") || (ch === "#" && options.hashComments)) {
      while (i < n && text[i] !== "\n") i++;
    } else if (ch === "/" && text[i + 1] === "*") {
      i += 2;
      while (i < n && !(text[i] === "*" && text[i + 1] === "/")) {
        if (text[i] === "\n") line++;
        i++;
      }
      i += 2;
    } else if (ch === '"' || ch === "'") {
      const start = line;
      const triple = text.startsWith(ch.repeat(3), i);
      const close = triple ? ch.repeat(3) : ch;
      i += close.length;
      let value = "";
      while (i < n && !text.startsWith(close, i)) {
        if (text[i] === "\\" && i + 1 < n) {
          if (text[i + 1] === "\n") line++;
          value += text[i + 1];
          i += 2;
          continue;
        }
        if (text[i] === "\n") {
          line++;
          if (!triple) break;
        }
        value += text[i];
        i++;
      }
      i += close.length;
      tokens.push({ type: "string", text: value, line: start });
    } else if (options.hashComments && ch === "<" && text[i + 1] === "<" && /[-A-Za-z_]/.test(text[i + 2] ?? "")) {
      // An HCL heredoc (<<EOT or <<-EOT … EOT): its body is text, whatever it holds.
      const tag = /^<<-?([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(i, i + 80));
      if (!tag) {
        tokens.push({ type: "punct", text: ch, line });
        i++;
        continue;
      }
      const start = line;
      let j = text.indexOf("\n", i);
      let body = "";
      while (j >= 0 && j < n) {
        const next = text.indexOf("\n", j + 1);
        const lineText = text.slice(j + 1, next < 0 ? n : next);
        line++;
        if (lineText.trim() === tag[1]) {
          j = next < 0 ? n : next;
          break;
        }
        body += `${lineText}\n`;
        j = next < 0 ? n : next;
      }
      tokens.push({ type: "string", text: body.slice(0, 10_000), line: start });
      i = j < 0 ? n : j;
    } else if (/[A-Za-z_]/.test(ch)) {
      let j = i + 1;
      while (j < n && /[\w.-]/.test(text[j]!) && !(text[j] === "-" && !/[A-Za-z0-9_]/.test(text[j + 1] ?? ""))) j++;
      // Identifiers may hold dots (Gradle's libs.foo.bar, protobuf's a.b.C); a trailing dot is punctuation.
      while (text[j - 1] === "." || text[j - 1] === "-") j--;
      tokens.push({ type: "ident", text: text.slice(i, j), line });
      i = j;
    } else if (/[0-9]/.test(ch)) {
      let j = i + 1;
      while (j < n && /[\w.]/.test(text[j]!)) j++;
      tokens.push({ type: "number", text: text.slice(i, j), line });
      i = j;
    } else {
      tokens.push({ type: "punct", text: ch, line });
      i++;
    }
  }
  return tokens;
}

/** The index of the token that closes the bracket opened at `open` (or the last token). */
export function closingIndex(tokens: Token[], open: number): number {
  const pairs: Record<string, string> = { "{": "}", "(": ")", "[": "]" };
  const want = pairs[tokens[open]!.text];
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.type !== "punct") continue;
    if (t.text === tokens[open]!.text) depth++;
    else if (t.text === want && --depth === 0) return k;
  }
  return tokens.length - 1;
}
