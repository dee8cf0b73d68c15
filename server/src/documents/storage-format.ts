/**
 * Confluence's storage format (XHTML with `ac:` and `ri:` elements) to plain text an agent can
 * read and cite by line: headings become `#` lines, code macros fenced blocks (with their
 * language), links `[text](url)`, page links `[title]`, list items `- ` lines, table rows
 * `a | b` lines; other markup is dropped and entities decoded. Attachments (`ri:attachment`)
 * are not indexed and are counted. One left-to-right scan with indexOf: linear in the input,
 * no regular expression runs over page text.
 */

/** The text of a page and what it left out. */
export interface PageText {
  text: string;
  /** `ri:attachment` references (images, files): not indexed. */
  attachments: number;
}

const BLOCK = new Set(["p", "div", "br", "tr", "table", "ul", "ol", "blockquote", "hr", "ac:layout-section", "ac:layout-cell", "pre"]);
const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  mdash: "—",
  ndash: "–",
  hellip: "…",
  rsquo: "’",
  lsquo: "‘",
  rdquo: "”",
  ldquo: "“",
};

/** Decodes the named and numeric character references of `s`. */
export function decodeEntities(s: string): string {
  if (!s.includes("&")) return s;
  let out = "";
  let i = 0;
  while (i < s.length) {
    const amp = s.indexOf("&", i);
    if (amp === -1) break;
    out += s.slice(i, amp);
    const semi = s.indexOf(";", amp);
    if (semi === -1 || semi - amp > 10) {
      out += "&";
      i = amp + 1;
      continue;
    }
    const name = s.slice(amp + 1, semi);
    let decoded: string | undefined;
    if (name.startsWith("#x") || name.startsWith("#X")) decoded = codePoint(Number.parseInt(name.slice(2), 16));
    else if (name.startsWith("#")) decoded = codePoint(Number.parseInt(name.slice(1), 10));
    else decoded = ENTITIES[name];
    if (decoded === undefined) {
      out += "&";
      i = amp + 1;
    } else {
      out += decoded;
      i = semi + 1;
    }
  }
  return out + s.slice(i);
}

function codePoint(n: number): string | undefined {
  return Number.isInteger(n) && n > 0 && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff) ? String.fromCodePoint(n) : undefined;
}

/** The value of attribute `name` in a tag's text (`<a href="x" ...>`), decoded. */
function attribute(tag: string, name: string): string | undefined {
  const at = tag.indexOf(`${name}="`);
  if (at === -1) return undefined;
  const start = at + name.length + 2;
  const end = tag.indexOf('"', start);
  return end === -1 ? undefined : decodeEntities(tag.slice(start, end));
}

/** The element name of a tag's text: `a`, `/a`, `ac:structured-macro`. */
function tagName(tag: string): string {
  let end = 1;
  while (end < tag.length && !" \t\n\r/>".includes(tag[end]!)) end++;
  if (tag[1] === "/") {
    end = 2;
    while (end < tag.length && !" \t\n\r>".includes(tag[end]!)) end++;
  }
  return tag.slice(1, end).toLowerCase();
}

/**
 * Converts a page's storage-format body to text.
 * @param maxChars stop after this much output (the rest of a huge page is not indexed).
 */
export function storageToText(storage: string, maxChars = 1_000_000): PageText {
  const out: string[] = [];
  let line = "";
  /** What the next text on a new line starts with: a heading's "#"s or a list item's "- ". */
  let prefix = "";
  let attachments = 0;
  let linkHref: string | undefined;
  let linkText = "";
  let inLink = false;
  let pageLinkTitle: string | undefined;
  let macro: { name: string; language?: string } | undefined;
  let paramName: string | undefined;
  let length = 0;
  /** Ends the current line; lines with no text are dropped (compact output, fewer lines to cite). */
  const flush = () => {
    const trimmed = line.trim();
    if (trimmed !== "") {
      out.push(line.trimEnd());
      length += line.length + 1;
    }
    line = "";
  };
  const write = (text: string) => {
    if (inLink) {
      linkText += text;
      return;
    }
    if (line === "") {
      const start = text.trimStart();
      if (start === "") return;
      line = prefix + start;
      prefix = "";
    } else line += text;
  };
  let i = 0;
  while (i < storage.length && length < maxChars) {
    const lt = storage.indexOf("<", i);
    const textEnd = lt === -1 ? storage.length : lt;
    if (textEnd > i) {
      const raw = storage.slice(i, textEnd);
      if (paramName !== undefined) {
        if (paramName === "language" && macro) macro.language = decodeEntities(raw).trim();
      } else write(decodeEntities(raw).replace(/\s+/g, " "));
    }
    if (lt === -1) break;
    // CDATA (code macro bodies): verbatim lines.
    if (storage.startsWith("<![CDATA[", lt)) {
      const end = storage.indexOf("]]>", lt + 9);
      const body = storage.slice(lt + 9, end === -1 ? storage.length : end);
      if (macro?.name === "code" || macro?.name === "noformat") {
        flush();
        out.push(`\`\`\`${macro.language ?? ""}`);
        // Within the size limit like the rest of the text.
        for (const l of body
          .slice(0, Math.max(0, maxChars - length))
          .replace(/\r\n?/g, "\n")
          .split("\n"))
          out.push(l);
        out.push("```");
        length += body.length;
      } else write(body.slice(0, Math.max(0, maxChars - length)));
      i = end === -1 ? storage.length : end + 3;
      continue;
    }
    if (storage.startsWith("<!--", lt)) {
      const end = storage.indexOf("-->", lt + 4);
      i = end === -1 ? storage.length : end + 3;
      continue;
    }
    const gt = storage.indexOf(">", lt);
    if (gt === -1) break;
    const tag = storage.slice(lt, gt + 1);
    const name = tagName(tag);
    i = gt + 1;
    if (/^h[1-6]$/.test(name)) {
      flush();
      prefix = `${"#".repeat(Number(name[1]))} `;
    } else if (/^\/h[1-6]$/.test(name)) {
      flush();
      prefix = "";
    } else if (name === "li") {
      flush();
      prefix = "- ";
    } else if (name === "/li") {
      flush();
      prefix = "";
    } else if (name === "/p" || name === "/tr" || name === "/pre" || name === "/blockquote" || BLOCK.has(name)) {
      flush();
    } else if (name === "td" || name === "th") {
      if (line.trim() !== "") line += " | ";
    } else if (name === "a") {
      linkHref = attribute(tag, "href");
      inLink = true;
      linkText = "";
    } else if (name === "/a") {
      inLink = false;
      const text = linkText.trim();
      write(linkHref && /^https?:\/\//.test(linkHref) ? `[${text || linkHref}](${linkHref})` : text);
      linkHref = undefined;
    } else if (name === "ac:link") {
      pageLinkTitle = undefined;
      inLink = true;
      linkText = "";
    } else if (name === "ri:page" || name === "ri:blog-post") {
      pageLinkTitle = attribute(tag, "ri:content-title");
    } else if (name === "/ac:link") {
      inLink = false;
      const text = linkText.trim() || pageLinkTitle;
      if (text) write(`[${text}]`);
    } else if (name === "ri:attachment") {
      attachments++;
    } else if (name === "ac:structured-macro" || name === "ac:macro") {
      macro = { name: attribute(tag, "ac:name") ?? "" };
      if (tag.endsWith("/>")) macro = undefined;
    } else if (name === "/ac:structured-macro" || name === "/ac:macro") {
      macro = undefined;
    } else if (name === "ac:parameter") {
      paramName = attribute(tag, "ac:name") ?? "";
      if (tag.endsWith("/>")) paramName = undefined;
    } else if (name === "/ac:parameter") {
      paramName = undefined;
    }
  }
  flush();
  return { text: out.join("\n"), attachments };
}
