/**
 * Terms built for code: identifier splitting, stemming, stop words and question filler, the
 * weighted terms of a blob, and term ids.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  blobTermKeys,
  blobTerms,
  FIELD_WEIGHTS,
  identifierTerms,
  termKey,
  MAX_TERMS_PER_BLOB,
  pathTerms,
  questionTerms,
  splitIdentifier,
  termId,
} from "./code-terms.js";

describe("splitIdentifier", () => {
  it("splits camelCase, PascalCase, acronyms and digits", () => {
    assert.deepEqual(splitIdentifier("parseHTTPRequest2"), ["parse", "HTTP", "Request", "2"]);
    assert.deepEqual(splitIdentifier("XMLHttpRequest"), ["XML", "Http", "Request"]);
    assert.deepEqual(splitIdentifier("getBoundingClientRect"), ["get", "Bounding", "Client", "Rect"]);
  });
  it("splits snake_case, kebab-case and SCREAMING_CASE", () => {
    assert.deepEqual(splitIdentifier("max_file_bytes"), ["max", "file", "bytes"]);
    assert.deepEqual(splitIdentifier("body-limit"), ["body", "limit"]);
    assert.deepEqual(splitIdentifier("CTXPIPE_MAX_FILE_BYTES"), ["CTXPIPE", "MAX", "FILE", "BYTES"]);
    assert.deepEqual(splitIdentifier("__init__"), ["init"]);
  });
});

describe("identifierTerms", () => {
  it("lowercases and stems the words, drops stop words and keywords, and keeps the whole name when asked", () => {
    // One-character words (the 2) are no terms: too common to say anything.
    assert.deepEqual(identifierTerms("parseHTTPRequest2", { whole: true }), ["pars", "http", "request", "parsehttprequest2"]);
    assert.deepEqual(identifierTerms("getRetriesForTheConnection", { whole: false }), ["retri", "connect"]);
    assert.deepEqual(identifierTerms("limit", { whole: true }), ["limit"]);
  });
  it("stems inflections of a word to one term", () => {
    const one = (w: string) => identifierTerms(w, { whole: false })[0];
    assert.equal(one("indexing"), one("indexed"));
    assert.equal(one("limiter"), one("limiters"));
    assert.equal(one("verification"), one("verifications"));
    assert.equal(one("cookies"), one("cookie"));
  });
});

describe("questionTerms", () => {
  it("drops question filler and stop words, and keeps what the question is about", () => {
    const q = questionTerms("Where is rate limiting implemented?");
    assert.deepEqual(q.terms, ["rate", "limit"]);
    assert.equal(q.asksForConfig, false);
  });
  it("splits identifiers the question types and keeps them whole", () => {
    assert.deepEqual(questionTerms("how does parseQuery handle quotes").terms, ["pars", "queri", "parsequery", "quot"]);
  });
  it("recognises a question about settings", () => {
    const q = questionTerms("Which setting controls the maximum body size?");
    assert.equal(q.asksForConfig, true);
    assert.deepEqual(q.terms, ["maximum", "bodi", "size"]);
  });
  it("falls back to the filler words when nothing else is left", () => {
    assert.ok(questionTerms("how does it work?").terms.length > 0);
  });
});

describe("blobTerms", () => {
  const source = [
    "/** Rejects requests whose body is larger than the limit. */",
    "export function bodyLimit(max) {",
    "  const size = readSize();",
    "  return size > max;",
    "}",
  ].join("\n");

  it("weighs definition names over comments over code, most weighted first", () => {
    const terms = blobTerms(source, "typescript", [{ name: "bodyLimit" }]);
    const weight = (t: string) => terms.weights[terms.ids.indexOf(termId(t))];
    // "bodi": a definition name (4), the comment (2), the code (1).
    assert.equal(weight("bodi"), FIELD_WEIGHTS.name + FIELD_WEIGHTS.doc + FIELD_WEIGHTS.code);
    assert.equal(weight("bodylimit"), FIELD_WEIGHTS.name);
    assert.equal(weight("reject"), FIELD_WEIGHTS.doc);
    assert.equal(weight("size"), 3 * FIELD_WEIGHTS.code);
    assert.equal(weight("return"), undefined, "keywords are not stored");
    assert.equal(terms.ids[0], termId("bodi"));
    assert.ok(terms.length > 0);
    for (let i = 1; i < terms.weights.length; i++) assert.ok(terms.weights[i - 1]! >= terms.weights[i]!, "ordered by weight");
  });

  it("keeps at most MAX_TERMS_PER_BLOB terms and caps a weight at one byte", () => {
    const letters = (i: number) => [...i.toString(26)].map((d) => String.fromCharCode(97 + Number.parseInt(d, 26))).join("");
    const many = Array.from({ length: MAX_TERMS_PER_BLOB * 2 }, (_, i) => `zz${letters(i)}qq`).join("\n");
    const repeated = "limit limit limit limit\n".repeat(250);
    const terms = blobTerms(`${many}\n${repeated}`, "text", []);
    assert.equal(terms.ids.length, MAX_TERMS_PER_BLOB);
    assert.equal(terms.weights[0], 255);
    assert.equal(new Set(terms.ids).size, terms.ids.length);
  });

  it("treats Python docstrings and prose files as documentation", () => {
    const py = blobTerms('def f():\n    """Retries the upload."""\n    return 1\n', "python", []);
    assert.equal(py.weights[py.ids.indexOf(termId("upload"))], FIELD_WEIGHTS.doc);
    const md = blobTerms("Uploads are retried.", "markdown", []);
    assert.equal(md.weights[md.ids.indexOf(termId("upload"))], FIELD_WEIGHTS.doc);
  });
});

describe("termId, termKey and pathTerms", () => {
  it("puts the weight level in a key's two low bits", () => {
    const id = termId("limit");
    assert.deepEqual(
      [1, 2, 4, 5, 15, 16, 255].map((w) => termKey(id, w) - id),
      [0, 1, 1, 2, 2, 3, 3],
    );
    const terms = blobTerms("limit limit", "text", [{ name: "limit" }]);
    assert.deepEqual(blobTermKeys(terms), [termKey(termId("limit"), 4 + 2 * 2)]);
  });
  it("gives a stable 32-bit id with two free low bits, never 0 (keys 0 to 3 are reserved)", () => {
    assert.equal(termId("limit"), termId("limit"));
    assert.notEqual(termId("limit"), termId("limits"));
    for (const t of ["", "a", "limit", "parsehttprequest2"]) {
      const id = termId(t);
      assert.ok(Number.isInteger(id) && id >= -(2 ** 31) && id < 2 ** 31 && id !== 0 && (id & 3) === 0, `${t}: ${id}`);
    }
  });
  it("splits a path into directory words and file-name words", () => {
    assert.deepEqual(pathTerms("src/middleware/body-limit/index.ts"), { dirs: ["src", "middlewar", "bodi", "limit"], name: ["index"] });
    assert.deepEqual(pathTerms("server/rateLimiter.go").name, ["rate", "limit", "ratelimiter"]);
  });
});
