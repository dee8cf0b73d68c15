/**
 * An answer's markdown as React elements, never as HTML: markdown-it parses it (CommonMark,
 * with tables, strikethrough and http(s) autolinks; raw HTML off, so it stays text) and each
 * token becomes an element, so nothing the model writes can inject markup. A single line break
 * is kept as a break (the renderer option CommonMark allows; models mean one). Fenced code is
 * highlighted like the file view (highlight.ts). Citations the server checked
 * (`repo@commit:path:line`) become links to the file view at their lines, marked verified; an
 * unverified one is marked, with the reason, and not linked. Links open only http(s)
 * addresses; images show their text.
 */
import MarkdownIt, { type Token as MdToken } from "markdown-it";
import { Link } from "@tanstack/react-router";
import { Fragment, type ReactNode, useEffect, useMemo, useState } from "react";
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

/** The parser: CommonMark, raw HTML escaped, plus tables, strikethrough and explicit http(s) links. */
const markdown = new MarkdownIt("commonmark", { html: false, breaks: true, linkify: true }).enable(["table", "strikethrough", "linkify"]);
// Only addresses with a scheme become links: "cart.ts" or "a.io" in prose stay text.
markdown.linkify.set({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false });

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

interface Context {
  orgSlug: string;
  citations: Citation[];
}

/** The rendered markdown of `text`. */
export function Markdown({ text, orgSlug, citations }: { text: string; orgSlug: string; citations: Citation[] }) {
  const tokens = useMemo(() => markdown.parse(text, {}), [text]);
  const ctx: Context = { orgSlug, citations };
  return <div className="chat-markdown space-y-2">{render(tokens, ctx)}</div>;
}

/** Elements for a token list: each opening token with what lies up to its closing one, or a leaf. */
function render(tokens: MdToken[], ctx: Context): ReactNode[] {
  const out: ReactNode[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.nesting !== 1) {
      if (token.nesting === 0) out.push(leaf(token, ctx, i));
      continue;
    }
    let depth = 1;
    let j = i + 1;
    for (; j < tokens.length; j++) {
      depth += tokens[j]!.nesting;
      if (depth === 0) break;
    }
    out.push(container(token, render(tokens.slice(i + 1, j), ctx), i));
    i = j;
  }
  return out;
}

/** The element an opening token stands for, around its children. */
function container(token: MdToken, children: ReactNode[], key: number): ReactNode {
  switch (token.type) {
    case "paragraph_open":
      // A tight list's paragraphs are hidden: their text goes straight into the item.
      return token.hidden ? <Fragment key={key}>{children}</Fragment> : <p key={key}>{children}</p>;
    case "heading_open": {
      const Tag = `h${Math.min(6, Number(token.tag.slice(1)) + 2)}` as "h3";
      return (
        <Tag key={key} className="font-semibold">
          {children}
        </Tag>
      );
    }
    case "bullet_list_open":
      return (
        <ul key={key} className="list-disc space-y-1 pl-5">
          {children}
        </ul>
      );
    case "ordered_list_open": {
      const start = Number(token.attrGet("start") ?? 1);
      return (
        <ol key={key} start={Number.isFinite(start) && start !== 1 ? start : undefined} className="list-decimal space-y-1 pl-5">
          {children}
        </ol>
      );
    }
    case "list_item_open":
      return <li key={key}>{children}</li>;
    case "blockquote_open":
      return (
        <blockquote key={key} className="border-l-2 border-line pl-3 text-soft">
          {children}
        </blockquote>
      );
    case "table_open":
      return (
        <div key={key} className="overflow-x-auto">
          <table className="text-sm">{children}</table>
        </div>
      );
    case "thead_open":
      return <thead key={key}>{children}</thead>;
    case "tbody_open":
      return <tbody key={key}>{children}</tbody>;
    case "tr_open":
      return <tr key={key}>{children}</tr>;
    case "th_open":
    case "td_open": {
      const Cell = token.type === "th_open" ? "th" : "td";
      return (
        <Cell key={key} className="border border-line px-2 py-1 text-left">
          {children}
        </Cell>
      );
    }
    case "em_open":
      return <em key={key}>{children}</em>;
    case "strong_open":
      return <strong key={key}>{children}</strong>;
    case "s_open":
      return <del key={key}>{children}</del>;
    case "link_open":
      return <SafeLink key={key} href={String(token.attrGet("href") ?? "")} label={children} />;
    default:
      return <span key={key}>{children}</span>;
  }
}

/** The element of a token without children of its own (text, code, breaks, rules). */
function leaf(token: MdToken, ctx: Context, key: number): ReactNode {
  switch (token.type) {
    case "inline":
      return <Fragment key={key}>{render(token.children ?? [], ctx)}</Fragment>;
    case "text":
      return <Fragment key={key}>{withCitations(token.content, ctx, key)}</Fragment>;
    case "code_inline": {
      const linked = withCitations(token.content, ctx, key);
      return linked.length === 1 && typeof linked[0] === "string" ? (
        <code key={key} className="rounded bg-muted px-1 font-mono text-sm">
          {token.content}
        </code>
      ) : (
        <span key={key}>{linked}</span>
      );
    }
    case "softbreak":
    case "hardbreak":
      return <br key={key} />;
    case "fence": {
      const fence = token.info.trim().split(/\s+/)[0]!.toLowerCase();
      return <CodeBlock key={key} code={token.content} language={FENCE_LANGUAGES[fence] ?? null} />;
    }
    case "code_block":
      return <CodeBlock key={key} code={token.content} language={null} />;
    case "hr":
      return <hr key={key} className="border-line" />;
    case "image":
      return <span key={key}>[image: {token.content}]</span>;
    default:
      // Raw HTML (off, so never produced) and anything unknown: its text, as text.
      return <Fragment key={key}>{withCitations(token.content, ctx, key)}</Fragment>;
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
