import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ValidationError } from "../../../shared/errors.js";
import { scanJson, withLongIntegersAsDigits } from "../../../shared/http/jsonScan.js";

const DEEP = 64;
const itemsOf = (text: string, maxDepth: number, field?: string) => scanJson(text, maxDepth, field).items;

describe("scanJson", () => {
  it("finds the text of each item of the root's field, as written", () => {
    const text = '{"a":[9],"events": [ {"id":"x","n":[1,{"b":2}]} ,\n\t"s,]}" , 3 ,null,{} ],"z":1}';

    expect(itemsOf(text, DEEP, "events")).toEqual(['{"id":"x","n":[1,{"b":2}]}', '"s,]}"', "3", "null", "{}"]);
  });

  it("reads strings to their closing quote, past escaped quotes and backslashes", () => {
    const text = String.raw`{"events":["a\"],[","b\\",{"c\\\"":"]"}]}`;

    expect(itemsOf(text, DEEP, "events")).toEqual([String.raw`"a\"],["`, String.raw`"b\\"`, String.raw`{"c\\\"":"]"}`]);
  });

  it("finds an empty list empty", () => {
    expect(itemsOf('{"events":[ ]}', DEEP, "events")).toEqual([]);
  });

  it("keeps the last list of a duplicated key, as JSON.parse does", () => {
    expect(itemsOf('{"events":[1,2],"other":[3],"events":[4]}', DEEP, "events")).toEqual(["4"]);
    expect(itemsOf('{"events":[1,2],"events":{"0":1,"1":2}}', DEEP, "events")).toBeUndefined();
  });

  it("finds nothing without the field at the root, or with a root that is not an object", () => {
    expect(itemsOf('{"batch":{"events":[1]}}', DEEP, "events")).toBeUndefined();
    expect(itemsOf('[{"events":[1]}, "events", [2]]', DEEP, "events")).toBeUndefined();
    expect(itemsOf('{"x":"events","y":[1]}', DEEP, "events")).toBeUndefined();
    expect(itemsOf('{"events":[1]}', DEEP)).toBeUndefined();
  });

  it("gives up when a root key is escaped, since it may spell the field", () => {
    expect(itemsOf(String.raw`{"events":[1],"ev\u0065nts":[2]}`, DEEP, "events")).toBeUndefined();
    expect(itemsOf(String.raw`{"a\"b":1,"events":[1]}`, DEEP, "events")).toBeUndefined();
  });

  it("refuses nesting deeper than the limit, naming where, whatever the field", () => {
    expect(() => scanJson('{"events":[[[1]]]}', 3, "events")).toThrow(new ValidationError("body: JSON is nested deeper than 3 levels (at character 12)"));
    expect(itemsOf('{"events":[["[[[["]]]}', 3, "events")).toEqual(['["[[[["]']);
  });

  it("stops at an unterminated string, which JSON.parse refuses", () => {
    expect(itemsOf('{"events":["a', DEEP, "events")).toBeUndefined();
  });

  it("finds the integers a double would round, outside strings, and only those", () => {
    const text = '{"mpid":-8433569191518584284,"s":"x 8016782932541212345,","n":[12, 9007199254740991, 9007199254740993,1.5e300],"f":12345678901234567.5}';
    const { longIntegers } = scanJson(text, DEEP);

    expect(longIntegers).toEqual([8, 28, 85, 101]);
    expect(withLongIntegersAsDigits(text, longIntegers)).toBe(
      '{"mpid":"-8433569191518584284","s":"x 8016782932541212345,","n":[12, 9007199254740991, "9007199254740993",1.5e300],"f":12345678901234567.5}',
    );
  });

  it("leaves a text without long integers as it is", () => {
    const text = '{"n":[1,2]}';

    expect(withLongIntegersAsDigits(text, scanJson(text, DEEP).longIntegers)).toBe(text);
  });

  it("agrees with JSON.parse on any document: each item's text parses to that item, or none is given", () => {
    const key = fc.oneof(fc.constantFrom("events", "id", "a", 'e"v', "[", ","), fc.string({ maxLength: 6 }));
    const value = fc.jsonValue({ maxDepth: 4 });
    const document = fc.record({
      before: fc.dictionary(key, value, { maxKeys: 3 }),
      events: fc.array(value, { maxLength: 6 }),
      after: fc.dictionary(key, value, { maxKeys: 3 }),
    });
    fc.assert(
      fc.property(document, fc.constantFrom(undefined, 1, "\t", " \n "), ({ before, events, after }, indent) => {
        // Key order as written: the keys before, events, then the keys after (which may hold events again).
        const text = `{${[
          ...Object.entries(before).map(([name, item]) => `${JSON.stringify(name)}:${JSON.stringify(item, null, indent)}`),
          `"events":${JSON.stringify(events, null, indent)}`,
          ...Object.entries(after).map(([name, item]) => `${JSON.stringify(name)}:${JSON.stringify(item, null, indent)}`),
        ].join(",")}}`;
        const parsed = (JSON.parse(text) as { events: unknown }).events;
        const items = itemsOf(text, DEEP, "events");
        const escapedKey = [...Object.keys(before), ...Object.keys(after)].some((name) => JSON.stringify(name).includes("\\"));
        if (!Array.isArray(parsed) || escapedKey) {
          expect(items).toBeUndefined();
          return;
        }
        expect(items?.map((item) => JSON.parse(item) as unknown)).toEqual(parsed);
      }),
      { numRuns: 1000 },
    );
  });
});
