import { describe, expect, it } from "vitest";
import { setOwn } from "../../../shared/flows/ownProperty.js";

describe("setOwn", () => {
  it("sets a property, and a second set keeps its place with the new value (as spread does)", () => {
    const target: Record<string, unknown> = {};
    setOwn(target, "a", 1);
    setOwn(target, "b", 2);
    setOwn(target, "a", 3);
    expect(Object.entries(target)).toEqual([
      ["a", 3],
      ["b", 2],
    ]);
  });

  it("keeps `__proto__` an own, enumerable, writable property instead of setting the prototype", () => {
    const target: Record<string, unknown> = {};
    setOwn(target, "__proto__", { polluted: true });
    setOwn(target, "after", 1);
    expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
    expect(target).not.toHaveProperty("polluted");
    expect(JSON.stringify(target)).toBe('{"__proto__":{"polluted":true},"after":1}');
    expect(Object.getOwnPropertyDescriptor(target, "__proto__")).toEqual({ value: { polluted: true }, enumerable: true, writable: true, configurable: true });
    // Same result as the spread it replaces.
    expect(target).toStrictEqual({ ...JSON.parse('{"__proto__":{"polluted":true},"after":1}') });
  });
});
