import { describe, expect, it } from "vitest";
import { fillBatches, isFull } from "../../shared/fillBatches.js";

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

describe("isFull", () => {
  const limits = { count: 4, bytes: 100, frameBytes: 2 };

  it("is full at the count limit, or when one more item of the batch's mean size would break the bytes", () => {
    expect(isFull({ items: [1, 2, 3, 4], bytes: 10 }, limits)).toBe(true);
    // Three items of 30 bytes after a 2-byte frame: a fourth of 30 would make 122.
    expect(isFull({ items: [1, 2, 3], bytes: 92 }, limits)).toBe(true);
    expect(isFull({ items: [1, 2, 3], bytes: 62 }, limits)).toBe(false);
    expect(isFull({ items: [], bytes: 2 }, limits)).toBe(false);
  });
});
