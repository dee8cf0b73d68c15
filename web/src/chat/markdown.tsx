/**
 * An answer's markdown as React elements, never as HTML: @lezer/markdown (CommonMark with
 * GitHub's tables, strikethrough and autolinks) parses it and each node becomes an element, so
 * nothing the model writes can inject markup. Fenced code is highlighted like the file view
 * (highlight.ts). Citations the server checked (`repo@commit:path:line`) become links to the
 * file view at their lines, marked verified; an unverified one is marked, with the reason, and
 * not linked. Links open only http(s) addresses; images show their text.
 */
import { GFM, parser } from "@lezer/markdown";
import type { SyntaxNode } from "@lezer/common";
import { Link } from "@tanstack/react-router";
import { type ReactNode, useEffect, useMemo, useState } from "react";
import { highlightLines, type Token } from "../files/highlight";

/** A checked citation, as the server answers it. */
export interface Citation {
  citation: string;
  repo: string;
  path: string;
  startLine: number;
  endLine: number;
  verified: boolean;
  reason?: string;
}

const markdown = parser.configure(GFM);

/** Code-fence names of the highlighter's languages. */
const FENCE_LANGUAGES: Record<string, string> = {
  ts: "typescript",
  typescript: "typescript",
  tsx: "tsx",
  js: "javascript",
  jsx: "javascript",
  javascript: "javascript",
  py: "python",
  python: "python",
  go: "go",
  rs: "rust",
  rust: "rust",
  java: "java",
  c: "c",
  h: "c",
  cpp: "cpp",
  "c++": "cpp",
  json: "json",
  css: "css",
  html: "html",
  md: "markdown",
  markdown: "markdown",
  yaml: "yaml",
  yml: "yaml",
};

/** Marks the markdown syntax leaves out of the rendered text. */
const MARKS = new Set(["EmphasisMark", "CodeMark", "LinkMark", "HeaderMark", "QuoteMark", "ListMark", "TableDelimiter", "StrikethroughMark", "CodeInfo"]);

interface Context {
  src: string;
  orgSlug: string;
  citations: Citation[];
}

/** The rendered markdown of `text`. */
export function Markdown({ text, orgSlug, citations }: { text: string; orgSlug: string; citations: Citation[] }) {
  const tree = useMemo(() => markdown.parse(text), [text]);
  const ctx: Context = { src: text, orgSlug, citations };
  return <div className="chat-markdown space-y-2">{blocks(tree.topNode, ctx)}</div>;
}

function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) out.push(child);
  return out;
}

/** The block children of a container. */
function blocks(node: SyntaxNode, ctx: Context): ReactNode[] {
  return childrenOf(node)
    .filter((child) => !MARKS.has(child.name))
    .map((child) => block(child, ctx));
}

function block(node: SyntaxNode, ctx: Context): ReactNode {
  const key = node.from;
  const heading = /^(?:ATX|Setext)Heading(\d)$/.exec(node.name);
  if (heading) {
    const level = Math.min(6, Number(heading[1]) + 2);
    const Tag = `h${level}` as "h3";
    return (
      <Tag key={key} className="font-semibold">
        {inline(node, ctx, node.from, node.to, true)}
      </Tag>
    );
  }
  switch (node.name) {
    case "Paragraph":
      return <p key={key}>{inline(node, ctx)}</p>;
    case "BulletList":
      return (
        <ul key={key} className="list-disc space-y-1 pl-5">
          {blocks(node, ctx)}
        </ul>
      );
    case "OrderedList": {
      const start = Number.parseInt(ctx.src.slice(node.from, node.to), 10);
      return (
        <ol key={key} start={Number.isFinite(start) ? start : undefined} className="list-decimal space-y-1 pl-5">
          {blocks(node, ctx)}
        </ol>
      );
    }
    case "ListItem":
      return <li key={key}>{blocks(node, ctx)}</li>;
    case "Blockquote":
      return (
        <blockquote key={key} className="border-l-2 border-line pl-3 text-soft">
          {blocks(node, ctx)}
        </blockquote>
      );
    case "FencedCode": {
      const info = node.getChild("CodeInfo");
      const code = node.getChild("CodeText");
      const fence = info ? ctx.src.slice(info.from, info.to).trim().toLowerCase() : "";
      return <CodeBlock key={key} code={code ? ctx.src.slice(code.from, code.to) : ""} language={FENCE_LANGUAGES[fence] ?? null} />;
    }
    case "CodeBlock":
      return (
        <CodeBlock
          key={key}
          code={ctx.src
            .slice(node.from, node.to)
            .split("\n")
            .map((l) => l.replace(/^ {1,4}/, ""))
            .join("\n")}
          language={null}
        />
      );
    case "HorizontalRule":
      return <hr key={key} className="border-line" />;
    case "Table":
      return (
        <div key={key} className="overflow-x-auto">
          <table className="text-sm">
            <tbody>
              {childrenOf(node)
                .filter((row) => row.name === "TableHeader" || row.name === "TableRow")
                .map((row) => (
                  <tr key={row.from}>
                    {row.getChildren("TableCell").map((cell) => {
                      const Cell = row.name === "TableHeader" ? "th" : "td";
                      return (
                        <Cell key={cell.from} className="border border-line px-2 py-1 text-left">
                          {inline(cell, ctx)}
                        </Cell>
                      );
                    })}
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      );
    default:
      // HTML blocks, link reference definitions and anything unknown: their text, as text.
      return (
        <p key={key} className="whitespace-pre-wrap">
          {withCitations(ctx.src.slice(node.from, node.to), ctx, key)}
        </p>
      );
  }
}

/** The inline content of `node` between `from` and `to`: its children rendered, the text between them as text. */
function inline(node: SyntaxNode, ctx: Context, from = node.from, to = node.to, trim = false): ReactNode[] {
  const out: ReactNode[] = [];
  let pos = from;
  const text = (end: number) => {
    if (end <= pos) return;
    const piece = ctx.src.slice(pos, end);
    out.push(...withCitations(trim ? piece.trim() : piece, ctx, pos));
  };
  for (const child of childrenOf(node)) {
    text(child.from);
    if (!MARKS.has(child.name)) out.push(inlineNode(child, ctx));
    pos = child.to;
  }
  text(to);
  return out;
}

function inlineNode(node: SyntaxNode, ctx: Context): ReactNode {
  const key = node.from;
  const src = ctx.src.slice(node.from, node.to);
  switch (node.name) {
    case "Emphasis":
      return <em key={key}>{inline(node, ctx)}</em>;
    case "StrongEmphasis":
      return <strong key={key}>{inline(node, ctx)}</strong>;
    case "Strikethrough":
      return <del key={key}>{inline(node, ctx)}</del>;
    case "InlineCode": {
      const code = src.replace(/^`+/, "").replace(/`+$/, "");
      const linked = withCitations(code, ctx, key);
      return linked.length === 1 && typeof linked[0] === "string" ? (
        <code key={key} className="rounded bg-muted px-1 font-mono text-sm">
          {code}
        </code>
      ) : (
        <span key={key}>{linked}</span>
      );
    }
    case "Link": {
      const marks = node.getChildren("LinkMark");
      const url = node.getChild("URL");
      const label = marks.length >= 2 ? inline(node, ctx, marks[0]!.to, marks[1]!.from) : [src];
      const href = url ? ctx.src.slice(url.from, url.to) : "";
      return <SafeLink key={key} href={href} label={label} />;
    }
    case "URL":
    case "Autolink":
      return <SafeLink key={key} href={src.replace(/^<|>$/g, "")} label={[src.replace(/^<|>$/g, "")]} />;
    case "Image": {
      const marks = node.getChildren("LinkMark");
      const alt = marks.length >= 2 ? ctx.src.slice(marks[0]!.to, marks[1]!.from) : "";
      return <span key={key}>[image: {alt}]</span>;
    }
    case "Escape":
      return <span key={key}>{src.slice(1)}</span>;
    case "HardBreak":
      return <br key={key} />;
    default:
      return <span key={key}>{withCitations(src, ctx, key)}</span>;
  }
}

/** A link that opens only http(s) addresses; anything else shows as its text. */
function SafeLink({ href, label }: { href: string; label: ReactNode[] }) {
  let safe: string | undefined;
  try {
    const url = new URL(href);
    if (url.protocol === "https:" || url.protocol === "http:") safe = url.href;
  } catch {
    safe = undefined;
  }
  return safe ? (
    <a href={safe} target="_blank" rel="noopener noreferrer nofollow">
      {label}
    </a>
  ) : (
    <span>{label}</span>
  );
}

/** `text` with each checked citation it contains turned into its link or mark. */
function withCitations(text: string, ctx: Context, keyBase: number): ReactNode[] {
  const out: ReactNode[] = [];
  let rest = text;
  let offset = 0;
  while (rest) {
    let best: { at: number; citation: Citation } | undefined;
    for (const citation of ctx.citations) {
      const at = rest.indexOf(citation.citation);
      if (at >= 0 && (!best || at < best.at || (at === best.at && citation.citation.length > best.citation.citation.length))) best = { at, citation };
    }
    if (!best) break;
    if (best.at > 0) out.push(rest.slice(0, best.at));
    out.push(<CitationLink key={`${keyBase}-${offset + best.at}`} citation={best.citation} orgSlug={ctx.orgSlug} />);
    const consumed = best.at + best.citation.citation.length;
    rest = rest.slice(consumed);
    offset += consumed;
  }
  if (rest) out.push(rest);
  return out;
}

/** A verified citation: a link to the file view at its lines. An unverified one: marked, with why. */
export function CitationLink({ citation, orgSlug }: { citation: Citation; orgSlug: string }) {
  if (!citation.verified) {
    return (
      <span className="font-mono text-sm text-danger" title={citation.reason}>
        <s>{citation.citation}</s> <span className="rounded border border-danger px-1 font-sans text-xs">unverified: {citation.reason}</span>
      </span>
    );
  }
  const lines = citation.endLine > citation.startLine ? `L${citation.startLine}-L${citation.endLine}` : `L${citation.startLine}`;
  return (
    <Link
      to="/$orgSlug/files/$repository/$"
      params={{ orgSlug, repository: citation.repo, _splat: citation.path }}
      hash={lines}
      className="font-mono text-sm break-all"
      data-citation={citation.citation}
    >
      {citation.citation}
      <span className="ml-1 font-sans text-xs text-ok" aria-hidden="true">
        ✓
      </span>
      <span className="sr-only"> (verified)</span>
    </Link>
  );
}

/** A code block, highlighted once its language's parser has loaded. */
function CodeBlock({ code, language }: { code: string; language: string | null }) {
  const lines = useMemo(() => code.replace(/\n$/, "").split("\n"), [code]);
  const [tokens, setTokens] = useState<Token[][] | null>(null);
  useEffect(() => {
    let live = true;
    void highlightLines(lines, language).then((t) => {
      if (live) setTokens(t);
    });
    return () => {
      live = false;
    };
  }, [lines, language]);
  return (
    <pre className="overflow-x-auto rounded-md border border-line bg-surface p-2 text-sm">
      <code>
        {lines.map((line, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: lines have no identity but their place
          <span key={i} className="block">
            {tokens?.[i]
              ? tokens[i]!.map((t, j) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: tokens have no identity but their place
                  <span key={j} className={t.classes || undefined}>
                    {t.text}
                  </span>
                ))
              : line || " "}
          </span>
        ))}
      </code>
    </pre>
  );
}
