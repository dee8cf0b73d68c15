/**
 * Which mode a search runs in: prose reads as a question, the query language as a query, and
 * an explicit mode wins.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { looksLikeQuestion, resolveMode } from "./question-mode.js";

describe("looksLikeQuestion", () => {
  it("reads prose as a question", () => {
    for (const text of [
      "where is rate limiting implemented?",
      "How does the indexer decide between full and incremental runs",
      "which setting controls the maximum upload size?",
      "In flask, where are sessions signed?",
      "what happens when a webhook delivery fails",
      "retry logic for the outgoing webhook calls",
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
    ]) {
      assert.equal(looksLikeQuestion(text), false, text);
    }
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
