import { describe, expect, it } from "vitest";
import { formatAge, renderTable } from "../../cli/format.js";

describe("formatAge", () => {
  it.each([
    [0, "0s"],
    [40_000, "40s"],
    [12 * 60_000 + 5_000, "12m 5s"],
    [3 * 3_600_000, "3h 0m"],
    [3 * 86_400_000 + 4 * 3_600_000 + 59_000, "3d 4h"],
    [-5_000, "0s"],
  ])("%d ms is %s", (milliseconds, expected) => {
    expect(formatAge(milliseconds)).toBe(expected);
  });
});

describe("renderTable", () => {
  it("aligns columns and clips long cells", () => {
    const table = renderTable(
      ["ID", "ERROR"],
      [
        ["a", "x".repeat(10)],
        ["bbb", "short"],
      ],
      6,
    );

    expect(table).toBe(["ID   ERROR", "a    xxxxx…", "bbb  short"].join("\n"));
  });
});
