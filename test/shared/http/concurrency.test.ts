import { describe, expect, it } from "vitest";
import { mapConcurrently } from "../../../shared/http/concurrency.js";

describe("mapConcurrently", () => {
  it("keeps at most `limit` tasks running and returns the results in order", async () => {
    let running = 0;
    let most = 0;
    const results = await mapConcurrently(
      Array.from({ length: 25 }, (_, n) => n),
      async (n) => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setImmediate(resolve));
        running--;
        return n * 2;
      },
      4,
    );

    expect(most).toBe(4);
    expect(results).toEqual(Array.from({ length: 25 }, (_, n) => n * 2));
  });

  it("answers an empty list at once", async () => {
    expect(await mapConcurrently([], async () => 1)).toEqual([]);
  });
});
