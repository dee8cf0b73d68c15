/**
 * The web chat's markdown renderer (web/src/chat/markdown.tsx) rendered to HTML by React's
 * server renderer, against the CommonMark spec examples that answers about code hit: code
 * spans (`list[str]`, `__name__`), underscores inside words, unresolved brackets, hard and
 * single line breaks, lists, fenced code; and raw HTML or script links, which must come out as
 * text, never as markup.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import React, { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";

/** The component's props (the web module is TSX, outside the server's type check). */
type MarkdownComponent = (props: { text: string; orgSlug: string; citations: [] }) => React.ReactNode;
let Markdown: MarkdownComponent;

/** The answer's HTML without the wrapper and the styling classes. */
function html(text: string): string {
  return renderToStaticMarkup(createElement(Markdown, { text, orgSlug: "acme", citations: [] }))
    .replace(/ class="[^"]*"/g, "")
    .replace(/^<div>|<\/div>$/g, "");
}

describe("chat markdown", () => {
  before(async () => {
    // The test hooks (server/bin/ts-hooks.js) compile JSX with the classic runtime
    // (React.createElement); Vite uses the automatic one.
    (globalThis as { React?: unknown }).React = React;
    ({ Markdown } = await import(new URL("../../../web/src/chat/markdown.tsx", import.meta.url).href));
  });

  it("keeps code spans and brackets literal", () => {
    assert.equal(html("`list[str]` and list[str]"), "<p><code>list[str]</code> and list[str]</p>");
    // Spec 6.3: a reference without a definition is text, brackets included.
    assert.equal(html("[foo]"), "<p>[foo]</p>");
    assert.equal(html("`__name__` and `a  b`"), "<p><code>__name__</code> and <code>a  b</code></p>");
    // Spec 6.1: a backslash is literal in a code span; double backticks hold a backtick.
    assert.equal(html("`foo\\`bar`"), "<p><code>foo\\</code>bar`</p>");
    assert.equal(html("`` foo ` bar ``"), "<p><code>foo ` bar</code></p>");
  });

  it("does not emphasise underscores inside words, and emphasises as the spec says elsewhere", () => {
    assert.equal(html("snake_case_word and foo_bar_"), "<p>snake_case_word and foo_bar_</p>");
    assert.equal(html("__init__.py"), "<p><strong>init</strong>.py</p>");
    assert.equal(html("*foo* _bar_ **baz**"), "<p><em>foo</em> <em>bar</em> <strong>baz</strong></p>");
    assert.equal(html("\\*not emphasised\\*"), "<p>*not emphasised*</p>");
  });

  it("keeps line breaks", () => {
    // Spec 6.7: two spaces or a backslash at the end of a line.
    assert.equal(html("foo  \nbar"), "<p>foo<br/>bar</p>");
    assert.equal(html("foo\\\nbar"), "<p>foo<br/>bar</p>");
    // A single line break is kept too (the renderer option spec 6.8 allows).
    assert.equal(html("first line\nsecond line"), "<p>first line<br/>second line</p>");
    assert.equal(html("one\n\ntwo"), "<p>one</p><p>two</p>");
  });

  it("renders lists, tight and loose", () => {
    assert.equal(html("- a\n- b_c_d"), "<ul><li>a</li><li>b_c_d</li></ul>");
    assert.equal(html("1. x\n2. y"), "<ol><li>x</li><li>y</li></ol>");
    assert.equal(html("3. x\n4. y"), '<ol start="3"><li>x</li><li>y</li></ol>');
    assert.equal(html("- a\n\n- b"), "<ul><li><p>a</p></li><li><p>b</p></li></ul>");
    assert.equal(html("- a\n  - nested `x[0]`"), "<ul><li>a<ul><li>nested <code>x[0]</code></li></ul></li></ul>");
  });

  it("renders fenced and indented code verbatim", () => {
    assert.equal(
      html("```py\nif __name__ == '__main__':\n    items: list[str] = []  # *not* emphasis\n```"),
      "<pre><code><span>if __name__ == &#x27;__main__&#x27;:</span><span>    items: list[str] = []  # *not* emphasis</span></code></pre>",
    );
    assert.equal(html("~~~\n<b>x</b>\n~~~"), "<pre><code><span>&lt;b&gt;x&lt;/b&gt;</span></code></pre>");
    assert.equal(html("    a_b_c\n    [d]"), "<pre><code><span>a_b_c</span><span>[d]</span></code></pre>");
    // A list item's fenced code (the answer without a model is written so).
    assert.equal(html("1. `f.ts:4`\n\n   ```\n   4: x\n   ```"), "<ol><li><p><code>f.ts:4</code></p><pre><code><span>4: x</span></code></pre></li></ol>");
  });

  it("escapes raw HTML and refuses script links", () => {
    const out = html(
      [
        "<script>alert(1)</script>",
        "",
        'Hi <img src=x onerror="alert(1)"> <b onclick="alert(2)">bold</b>',
        "",
        "[click](javascript:alert(3)) <javascript:alert(4)> [data](data:text/html;base64,PHNjcmlwdD4=)",
        "",
        "[ok](https://example.com/a) and https://example.org/b",
      ].join("\n"),
    );
    // No element but p and a, and no event handler attribute on any element.
    assert.deepEqual([...new Set([...out.matchAll(/<([a-z]+)[\s>]/gi)].map((m) => m[1]))].sort(), ["a", "p"], out);
    assert.doesNotMatch(out, /<[^>]+\son\w+=/i, out);
    assert.doesNotMatch(out, /href="(?!https:)/, out);
    assert.match(out, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(out, /Hi &lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;/);
    assert.match(out, /<a href="https:\/\/example\.com\/a" target="_blank" rel="noopener noreferrer nofollow">ok<\/a>/);
    assert.match(out, /<a href="https:\/\/example\.org\/b"[^>]*>https:\/\/example\.org\/b<\/a>/);
    // File names in prose stay text (no fuzzy links).
    assert.equal(html("see cart.ts and a.io"), "<p>see cart.ts and a.io</p>");
  });
});
