/**
 * The fair share: caps per process, organisation and caller; the least-served organisation
 * first when a slot frees; 429 after the wait or when a caller queues too much.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isAppError } from "./errors.js";
import { FairShare } from "./fair-share.js";

/** A unit of work that finishes when told to. */
function gate() {
  let open!: () => void;
  const done = new Promise<void>((resolve) => (open = resolve));
  return { open, done };
}

const options = { slots: 3, perOrg: 2, perCaller: 1, maxWaitMs: 200, maxQueuedPerCaller: 2 };

describe("FairShare", () => {
  it("caps a caller and an organisation, and runs the waiter when a slot frees", async () => {
    const share = new FairShare(options);
    const a = gate();
    const order: string[] = [];
    const first = share.run({ orgId: "o1", caller: "k1" }, async () => {
      order.push("first");
      await a.done;
    });
    const second = share.run({ orgId: "o1", caller: "k1" }, async () => {
      order.push("second");
    });
    // Proving that the second does not start takes a wait (a short one: all of it is in memory).
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(order, ["first"]);
    assert.deepEqual(share.load("o1"), { running: 1, queued: 1 });
    a.open();
    await Promise.all([first, second]);
    assert.deepEqual(order, ["first", "second"]);
    assert.deepEqual(share.load(), { running: 0, queued: 0 });
  });

  it("answers 429 with a retry hint after the wait, and at once past the queue bound", async () => {
    const share = new FairShare(options);
    const a = gate();
    const holder = share.run({ orgId: "o1", caller: "k1" }, () => a.done);
    const waiting = [share.run({ orgId: "o1", caller: "k1" }, async () => 1), share.run({ orgId: "o1", caller: "k1" }, async () => 2)];
    await assert.rejects(
      share.run({ orgId: "o1", caller: "k1" }, async () => 3),
      (err) => isAppError(err) && err.status === 429 && /waiting/.test(err.message),
    );
    for (const w of waiting) {
      await assert.rejects(
        w,
        (err) => isAppError(err) && err.code === "rate_limited" && (err.details as { retryAfterSeconds: number }).retryAfterSeconds === 1,
      );
    }
    a.open();
    await holder;
  });

  it("gives a freed slot to the organisation running least, not to the one that queued first", async () => {
    const share = new FairShare({ ...options, slots: 2, perOrg: 2, perCaller: 2, maxWaitMs: 5_000, maxQueuedPerCaller: 10 });
    const gates = [gate(), gate()];
    const busy = gates.map((g) => share.run({ orgId: "busy", caller: "flood" }, () => g.done));
    const order: string[] = [];
    const queued = [
      share.run({ orgId: "busy", caller: "flood" }, async () => void order.push("busy")),
      share.run({ orgId: "quiet", caller: "alice" }, async () => void order.push("quiet")),
    ];
    gates[0]!.open();
    await Promise.all(queued);
    assert.deepEqual(order, ["quiet", "busy"]);
    gates[1]!.open();
    await Promise.all(busy);
  });

  it("frees the slot when the work fails", async () => {
    const share = new FairShare(options);
    await assert.rejects(
      share.run({ orgId: "o1", caller: "k1" }, async () => Promise.reject(new Error("boom"))),
      /boom/,
    );
    assert.equal(await share.run({ orgId: "o1", caller: "k1" }, async () => "ok"), "ok");
  });
});
