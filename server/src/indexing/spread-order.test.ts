/**
 * spreadOrder: a permutation that keeps runs of neighbours and takes them from every part of
 * the input in turn.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { spreadOrder } from "./spread-order.js";

describe("spreadOrder", () => {
  it("takes runs from each part in turn", () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    // Parts of 4: [0-3] [4-7] [8-9]; runs of 2.
    assert.deepEqual(spreadOrder(items, 3, 2), [0, 1, 4, 5, 8, 9, 2, 3, 6, 7]);
  });

  it("is a permutation whose every stretch samples the whole input", () => {
    const items = Array.from({ length: 68_609 }, (_, i) => i);
    const out = spreadOrder(items);
    assert.equal(out.length, items.length);
    assert.deepEqual(
      [...out].sort((a, b) => a - b),
      items,
    );
    // The first 1/16 of the output holds items from all over the input, in runs of 32.
    const head = out.slice(0, Math.floor(out.length / 16));
    assert.ok(Math.min(...head) === 0 && Math.max(...head) > items.length * 0.95);
    for (let i = 0; i < 32; i++) assert.equal(out[i], i);
  });

  it("leaves a short list as it is", () => {
    const items = ["b", "a", "c"];
    assert.deepEqual(spreadOrder(items), items);
    assert.deepEqual(spreadOrder([]), []);
  });
});
