import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseExactJson, stringifyExactJson } from "../../../../infra/local/live/exactJson.js";

const MPID = "-8433569830139454812";

describe("the live view's exact JSON", () => {
  it("keeps an integer literal beyond 2^53 as the digits that were sent, and everything else as JSON.parse does", () => {
    const text = `{"mpid":${MPID},"batch_id":18446744073709551615,"safe":9007199254740991,"ratio":0.1,"big_float":1e+300,"in_text":"${MPID}","list":[12345678901234567890,-1]}`;

    const value = parseExactJson(text) as Record<string, unknown>;

    expect(value).toEqual({
      mpid: BigInt(MPID),
      batch_id: 18446744073709551615n,
      safe: 9007199254740991,
      ratio: 0.1,
      big_float: 1e300,
      in_text: MPID,
      list: [12345678901234567890n, -1],
    });
    expect(stringifyExactJson(value)).toBe(text);
  });

  it("reads digits inside strings, escaped quotes included, as text", () => {
    const text = String.raw`{"note":"id \"12345678901234567890\" here","path":"C:\\12345678901234567890"}`;

    expect(parseExactJson(text)).toEqual(JSON.parse(text));
  });

  it("refuses what is not JSON, as JSON.parse does", () => {
    expect(() => parseExactJson(`{"mpid": ${MPID},}`)).toThrow(SyntaxError);
    expect(() => parseExactJson("mpid=1")).toThrow(SyntaxError);
  });

  it("writes indented JSON with the exact digits", () => {
    expect(stringifyExactJson({ mpid: BigInt(MPID) }, 2)).toBe(`{\n  "mpid": ${MPID}\n}`);
  });

  it("round-trips any JSON document with 64-bit integers in it, digit for digit", () => {
    const bigInteger = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }).filter((value) => !Number.isSafeInteger(Number(value)));
    const document = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.string(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        bigInteger,
        fc.array(tie("value"), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie("value"), { maxKeys: 4 }),
      ),
    })).value;

    fc.assert(
      fc.property(document, (value) => {
        const text = stringifyExactJson(value);
        expect(stringifyExactJson(parseExactJson(text))).toBe(text);
      }),
    );
  });
});
