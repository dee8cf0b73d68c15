/**
 * Confluence storage format to text: what is kept (headings, code blocks with their language,
 * links, page links, lists, table rows, entities), what is counted (attachments), and hostile
 * or broken markup (unterminated tags, CDATA and comments, huge input cut at the limit).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeEntities, storageToText } from "./storage-format.js";

describe("storageToText", () => {
  it("keeps headings, code blocks, links and lists as lines", () => {
    const { text, attachments } = storageToText(
      `<h2>Set-up</h2><p>Read <a href="https://example.com/a?b=1&amp;c=2">the guide</a> first.</p>` +
        `<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">python</ac:parameter>` +
        `<ac:plain-text-body><![CDATA[if a < b:\n    print("x")]]></ac:plain-text-body></ac:structured-macro>` +
        `<ol><li>One</li><li><p>Two <ac:link><ri:page ri:content-title="Glossary" /></ac:link></p></li></ol>`,
    );
    assert.equal(
      text,
      [
        "## Set-up",
        "Read [the guide](https://example.com/a?b=1&c=2) first.",
        "```python",
        "if a < b:",
        '    print("x")',
        "```",
        "- One",
        "- Two [Glossary]",
      ].join("\n"),
    );
    assert.equal(attachments, 0);
  });

  it("writes table rows as cells joined by |, and counts attachments without indexing them", () => {
    const { text, attachments } = storageToText(
      `<table><tbody><tr><th>Service</th><th>Owner</th></tr><tr><td>api</td><td>Team A</td></tr></tbody></table>` +
        `<ac:image><ri:attachment ri:filename="a.png" /></ac:image><p><ac:link><ri:attachment ri:filename="spec.pdf" /><ac:plain-text-link-body><![CDATA[the spec]]></ac:plain-text-link-body></ac:link></p>`,
    );
    assert.equal(text, ["Service | Owner", "api | Team A", "[the spec]"].join("\n"));
    assert.equal(attachments, 2);
  });

  it("drops comments and unknown macros' markup, and survives broken markup", () => {
    assert.equal(storageToText('<p>a<!-- hidden --> b</p><ac:structured-macro ac:name="toc" /><p>c</p>').text, "a b\nc");
    assert.equal(storageToText("<p>unterminated <b").text, "unterminated");
    assert.equal(storageToText("<![CDATA[never closed").text, "never closed");
    assert.equal(storageToText("<<<<<<<<<p>x").text, "x");
    assert.equal(storageToText("").text, "");
  });

  it("stops at the size limit", () => {
    const big = "<p>line</p>".repeat(10_000);
    const { text } = storageToText(big, 1000);
    assert.ok(text.length <= 1010, String(text.length));
    assert.ok(text.startsWith("line\nline"));
    const code = storageToText(
      `<ac:structured-macro ac:name="code"><ac:plain-text-body><![CDATA[${"x".repeat(5000)}]]></ac:plain-text-body></ac:structured-macro>`,
      1000,
    );
    assert.ok(code.text.length <= 1010, `a code block is cut too (${code.text.length})`);
  });

  it("decodes named and numeric references, and leaves unknown ones", () => {
    assert.equal(decodeEntities("&lt;a&gt; &amp;&amp; &#x1F600; &#65; &bogus; &#xD800; &"), "<a> && 😀 A &bogus; &#xD800; &");
  });
});
