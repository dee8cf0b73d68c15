/**
 * JavaScript-to-Postgres regex escapes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toPostgresRegex } from "./scan.sql.js";

describe("toPostgresRegex", () => {
  it("turns word boundaries into Postgres' \\y and \\Y", () => {
    assert.equal(toPostgresRegex("\\bfoo\\B"), "\\yfoo\\Y");
  });
  it("keeps escaped backslashes and other escapes", () => {
    assert.equal(toPostgresRegex("a\\\\b\\d+\\.x"), "a\\\\b\\d+\\.x");
  });
  it("pins \\xHH to two hex digits, as RE2 reads it", () => {
    assert.equal(toPostgresRegex("\\x41BC"), "\\u0041BC");
    assert.equal(toPostgresRegex("[\\x20-\\x7e]"), "[\\u0020-\\u007e]");
  });
});
