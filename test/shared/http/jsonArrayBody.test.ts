import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonArrayBody } from "../../../shared/http/jsonArrayBody.js";

describe("jsonArrayBody", () => {
  it("is the UTF-8 of the joined array, byte for byte, for any elements (multi-byte and astral characters too)", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue().map((value) => JSON.stringify(value))), (elements) => {
        expect(jsonArrayBody(elements).equals(Buffer.from(`[${elements.join(",")}]`))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("writes an empty array as [] and keeps characters outside the BMP whole", () => {
    expect(jsonArrayBody([]).toString()).toBe("[]");
    expect(jsonArrayBody(['"é"', '"😀"', "1"]).toString()).toBe('["é","😀",1]');
  });
});
