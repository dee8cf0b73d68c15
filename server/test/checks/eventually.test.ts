/**
 * The harness's one wait, `eventually`: it returns the value of the first attempt that passes,
 * and on timeout throws the last attempt's error under the caller's message.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { eventually } from "../harness/eventually.js";

describe("eventually", () => {
  it("retries a failing assertion until it passes, and returns its value", async () => {
    let attempts = 0;
    const value = await eventually(
      () => {
        attempts++;
        assert.ok(attempts >= 3, `attempt ${attempts}`);
        return `passed on ${attempts}`;
      },
      { intervalMs: 1 },
    );
    assert.equal(value, "passed on 3");
    assert.equal(attempts, 3);
  });

  it("throws the last error under the message once the time is up", async () => {
    let attempts = 0;
    await assert.rejects(
      eventually(
        async () => {
          attempts++;
          assert.equal(attempts, 0, `attempt ${attempts}`);
        },
        { timeoutMs: 50, intervalMs: 5, message: "never zero" },
      ),
      (err: Error) => {
        assert.ok(err instanceof assert.AssertionError);
        assert.match(err.message, new RegExp(`^never zero after 50 ms: attempt ${attempts}\\b`));
        assert.match(err.stack ?? "", /never zero after 50 ms/, "reporters print the stack");
        return true;
      },
    );
    assert.ok(attempts > 1);
  });
});
