import { describe, expect, it } from "vitest";
import { fillBatches } from "../../shared/fillBatches.js";

const sizes = (batches: Array<{ items: number[] }>) => batches.map((batch) => batch.items);

describe("fillBatches", () => {
  it("closes a batch at the item count", () => {
    expect(sizes(fillBatches([1, 1, 1, 1, 1], (size) => size, { count: 2, bytes: 100 }))).toEqual([[1, 1], [1, 1], [1]]);
  });

  it("fills up to the byte limit, the frame included, and reports each batch's bytes", () => {
    const batches = fillBatches([4, 4, 3, 1], (size) => size, { bytes: 10, frameBytes: 2 });
    expect(batches).toEqual([
      { items: [4, 4], bytes: 10 },
      { items: [3, 1], bytes: 6 },
    ]);
  });

  it("gives an item too large for any batch a batch of its own, without an empty one before it", () => {
    expect(sizes(fillBatches([20, 1, 20], (size) => size, { bytes: 10 }))).toEqual([[20], [1], [20]]);
  });

  it("makes no batch of nothing", () => {
    expect(fillBatches([], () => 1, { count: 3, bytes: 10 })).toEqual([]);
  });

  it("measures each item once", () => {
    let measured = 0;
    fillBatches(["a", "bb", "ccc"], (item) => (measured++, item.length), { bytes: 3 });
    expect(measured).toBe(3);
  });
});
