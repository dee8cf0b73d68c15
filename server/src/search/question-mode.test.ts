/**
 * Which mode a search runs in: prose reads as a question, the query language as a query, and
 * an explicit mode wins.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { looksLikeQuestion, readsAsProse, resolveMode } from "./question-mode.js";

describe("looksLikeQuestion", () => {
  it("reads prose as a question", () => {
    for (const text of [
      "where is rate limiting implemented?",
      "How does the indexer decide between full and incremental runs",
      "which setting controls the maximum upload size?",
      "In flask, where are sessions signed?",
      "what happens when a webhook delivery fails",
      "does parseQuery handle quotes?",
    ]) {
      assert.equal(looksLikeQuestion(text), true, text);
    }
  });

  it("reads the query language as a query, exactly as before", () => {
    for (const text of [
      "reserveItem",
      "useState useEffect",
      "placeOrder or withRetries",
      "lang:python quantity_on_hand",
      '"export default function"',
      "case:yes /use[A-Z]\\w+Effect/",
      "/^import .* from 'react'/",
      "formatSku -file:test",
      "where is the config -test",
      "sym:createRoot",
      "Status file:\\.cc$",
      "how does repo:api handle retries?",
      "timeout?",
      "retry logic or backoff for webhooks",
      "MAX_RETRIES",
      // Prose but no explicit question: a query first (search answers it as a question only
      // when no file holds all the words).
      "retry logic for the outgoing webhook calls",
      "pushed after the rename",
    ]) {
      assert.equal(looksLikeQuestion(text), false, text);
    }
  });

  it("tells prose that is no explicit question", () => {
    assert.equal(readsAsProse("retry logic for the outgoing webhook calls"), true);
    assert.equal(readsAsProse("pushed after the rename"), true);
    assert.equal(readsAsProse("useState useEffect"), false);
    assert.equal(readsAsProse("retry logic or backoff for webhooks"), false);
    assert.equal(readsAsProse("formatSku for the cart -file:test"), false);
  });
});

describe("resolveMode", () => {
  it("takes an explicit mode as given, and reads the text in auto (the default)", () => {
    assert.equal(resolveMode("query", "where is rate limiting implemented?"), "query");
    assert.equal(resolveMode("question", "reserveItem"), "question");
    assert.equal(resolveMode("auto", "where is rate limiting implemented?"), "question");
    assert.equal(resolveMode(undefined, "reserveItem"), "query");
  });
});
