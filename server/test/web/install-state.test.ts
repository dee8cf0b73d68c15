/**
 * The setup and manifest pages read the organisation and connection out of the `state` GitHub
 * hands back: the web app's reader against the server's own signer (the format is their
 * contract), and what it refuses (another purpose's state, garbage, a payload without the fields).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { signInstallState } from "../../src/connections/github/install-state.js";
import { readInstallState } from "../../../web/src/connections/install-state.js";

const SECRET = "test-secret-test-secret-test-secret-0123";
const STATE = { connectionId: "con_0123456789abcdefghij", orgSlug: "acme-web", userId: "user-1", expiresAt: 1_900_000_000_000 };

describe("readInstallState", () => {
  it("reads what the server signs", () => {
    const state = signInstallState(SECRET, { purpose: "install", ...STATE });
    assert.deepEqual(readInstallState(state), { connectionId: STATE.connectionId, orgSlug: STATE.orgSlug, expiresAt: STATE.expiresAt });
  });

  it("reads a manifest flow's state (with an Enterprise Server API URL) for the manifest page only", () => {
    const state = signInstallState(SECRET, { purpose: "manifest", ...STATE, apiUrl: "https://github.example.com/api/v3" });
    assert.deepEqual(readInstallState(state, "manifest"), { connectionId: STATE.connectionId, orgSlug: STATE.orgSlug, expiresAt: STATE.expiresAt });
    assert.equal(readInstallState(signInstallState(SECRET, { purpose: "install", ...STATE }), "manifest"), null);
    const unmarked = `${Buffer.from(JSON.stringify({ c: STATE.connectionId, o: STATE.orgSlug, e: STATE.expiresAt })).toString("base64url")}.mac`;
    assert.equal(readInstallState(unmarked, "manifest"), null);
  });

  it("refuses a manifest flow's state, garbage and incomplete payloads", () => {
    const payload = (value: unknown) => `${Buffer.from(JSON.stringify(value)).toString("base64url")}.mac`;
    for (const state of [
      signInstallState(SECRET, { purpose: "manifest", ...STATE }),
      "",
      "no-dot",
      "a.b.c",
      "%%%.mac",
      payload({ o: "acme", e: 1 }),
      payload({ c: "con_short", o: "acme", e: 1 }),
      payload({ c: STATE.connectionId, o: "../admin", e: 1 }),
      payload({ c: STATE.connectionId, o: "acme", e: "soon" }),
    ]) {
      assert.equal(readInstallState(state), null, state);
    }
  });
});
