/**
 * The sign-in page's `next` parameter: only paths on this origin, as the browser resolves
 * them (a tab or a backslash must not turn a path into another host).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { safeNext } from "../../../web/src/auth-pages/next-location.js";

const ORIGIN = "https://ctx.example.com";

describe("safeNext", () => {
  it("keeps paths on this origin", () => {
    assert.equal(safeNext("/orgs/acme?tab=keys#new", ORIGIN), "/orgs/acme?tab=keys#new");
    assert.equal(safeNext("/.auth/consent", ORIGIN), "/.auth/consent");
  });

  it("refuses anything that leaves the origin", () => {
    for (const next of [
      "/\t/evil.example.com/phish",
      "/\n/evil.example.com",
      "//evil.example.com",
      "/\\evil.example.com",
      // Dot segments that resolve to a path starting with "//": the browser reads it as a host.
      "/.//evil.example.com",
      "/..//evil.example.com",
      "/./\\/evil.example.com",
      "/./\\evil.example.com",
      "////evil.example.com",
      "\\\\evil.example.com",
      "http:evil.example.com",
      "https://evil.example.com/",
      "javascript:alert(1)",
      "",
      null,
    ]) {
      assert.equal(safeNext(next, ORIGIN), "/", JSON.stringify(next));
    }
  });
});
