/**
 * The setup page reads the organisation and connection out of the install link's `state`:
 * the web app's reader against the server's own signer (the format is their contract), and
 * what it refuses (a manifest flow's state, garbage, a payload without the fields).
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
