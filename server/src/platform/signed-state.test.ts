/**
 * The signed state: a round trip, refusal of anything altered, of another purpose, of another
 * secret, of an oversized or malformed one, and expiry; and the wire format of the states in
 * flight at an upgrade (made by the code before signed-state.ts existed) still verifies.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_STATE_LENGTH, signState, verifyState } from "./signed-state.js";

const SECRET = "an-auth-secret-of-at-least-32-characters!";
const PURPOSE = "ctxpipe/test-state/v1";
const LATER = 4102444800000; // 2100-01-01

describe("signed state", () => {
  it("answers the claims of a state it signed, for the same purpose", () => {
    const state = signState(SECRET, PURPOSE, { c: "con_1", u: "user-1", e: LATER });
    assert.deepEqual(verifyState(SECRET, PURPOSE, state), { ok: true, claims: { c: "con_1", u: "user-1", e: LATER } });
  });

  it("refuses an altered payload or signature, another purpose and another secret", () => {
    const state = signState(SECRET, PURPOSE, { c: "con_1", e: LATER });
    const [payload, mac] = state.split(".") as [string, string];
    const forged = Buffer.from(JSON.stringify({ c: "con_2", e: LATER })).toString("base64url");
    const flipped = `${mac.slice(0, -2)}${mac.endsWith("AA") ? "BB" : "AA"}`;
    for (const [raw, secret, purpose] of [
      [`${forged}.${mac}`, SECRET, PURPOSE],
      [`${payload}.${flipped}`, SECRET, PURPOSE],
      [state, SECRET, "ctxpipe/other-state/v1"],
      [state, "another-auth-secret-of-32-characters!!", PURPOSE],
    ] as const) {
      assert.deepEqual(verifyState(secret, purpose, raw), { ok: false, reason: "invalid" }, raw);
    }
  });

  it("refuses a malformed or oversized state, and a payload that is not an object with a numeric expiry", () => {
    const signed = (json: string) => signState(SECRET, PURPOSE, JSON.parse(json));
    for (const raw of [
      "",
      "no-dot",
      "a.b.c",
      `${signState(SECRET, PURPOSE, { e: LATER })}.extra`,
      signState(SECRET, PURPOSE, { e: LATER, pad: "x".repeat(MAX_STATE_LENGTH) }),
      signed("null"),
      signed("[1]"),
      signed('{"e":"soon"}'),
      signed('{"c":"con_1"}'),
    ]) {
      assert.deepEqual(verifyState(SECRET, PURPOSE, raw), { ok: false, reason: "invalid" }, raw);
    }
  });

  it("refuses an expired state as expired, and accepts it just before", () => {
    const state = signState(SECRET, PURPOSE, { e: 1_000 });
    assert.deepEqual(verifyState(SECRET, PURPOSE, state, 1_001), { ok: false, reason: "expired" });
    assert.equal(verifyState(SECRET, PURPOSE, state, 1_000).ok, true);
  });

  it("keeps the wire format of the GitHub install state and the Atlassian OAuth state", () => {
    // Made by connections/github/install-state.ts and confluence.service.ts as of c7482d3.
    const github =
      "eyJwIjoiaW5zdGFsbCIsImMiOiJjb25fMDEyMzQ1Njc4OWFiY2RlZmdoaWoiLCJvIjoiYWNtZSIsInUiOiJ1c2VyLTEiLCJlIjo0MTAyNDQ0ODAwMDAwfQ.WN3nEJ8jNLSj1NYaZDaWy_dWzZ1QEhekZOfjXwCOxkI";
    const atlassian =
      "eyJjIjoiY29uXzAxMjM0NTY3ODlhYmNkZWZnaGlqIiwibyI6Im9yZy0xIiwidSI6InVzZXItMSIsIm4iOiJub25jZS0xIiwiZSI6NDEwMjQ0NDgwMDAwMH0.DmXYwI1EwEi_C4upl48A9w1MKDmOt2iS1r7LngK4wBY";
    const githubClaims = { p: "install", c: "con_0123456789abcdefghij", o: "acme", u: "user-1", e: LATER };
    const atlassianClaims = { c: "con_0123456789abcdefghij", o: "org-1", u: "user-1", n: "nonce-1", e: LATER };
    assert.deepEqual(verifyState(SECRET, "ctxpipe/github-install-state/v1", github), { ok: true, claims: githubClaims });
    assert.deepEqual(verifyState(SECRET, "ctxpipe/atlassian-oauth-state/v1", atlassian), { ok: true, claims: atlassianClaims });
    assert.equal(signState(SECRET, "ctxpipe/github-install-state/v1", githubClaims), github);
    assert.equal(signState(SECRET, "ctxpipe/atlassian-oauth-state/v1", atlassianClaims), atlassian);
    assert.equal(verifyState(SECRET, "ctxpipe/atlassian-oauth-state/v1", github).ok, false);
  });
});
