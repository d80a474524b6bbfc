import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ValidationError } from "../../../shared/errors.js";
import { scanJson } from "../../../shared/http/jsonScan.js";

const DEEP = 64;

describe("scanJson", () => {
  it("finds the text of each item of the root's field, as written", () => {
    const text = '{"a":[9],"events": [ {"id":"x","n":[1,{"b":2}]} ,\n\t"s,]}" , 3 ,null,{} ],"z":1}';

    expect(scanJson(text, DEEP, "events")).toEqual(['{"id":"x","n":[1,{"b":2}]}', '"s,]}"', "3", "null", "{}"]);
  });

  it("reads strings to their closing quote, past escaped quotes and backslashes", () => {
    const text = String.raw`{"events":["a\"],[","b\\",{"c\\\"":"]"}]}`;

    expect(scanJson(text, DEEP, "events")).toEqual([String.raw`"a\"],["`, String.raw`"b\\"`, String.raw`{"c\\\"":"]"}`]);
  });

  it("finds an empty list empty", () => {
    expect(scanJson('{"events":[ ]}', DEEP, "events")).toEqual([]);
  });

  it("keeps the last list of a duplicated key, as JSON.parse does", () => {
    expect(scanJson('{"events":[1,2],"other":[3],"events":[4]}', DEEP, "events")).toEqual(["4"]);
    expect(scanJson('{"events":[1,2],"events":{"0":1,"1":2}}', DEEP, "events")).toBeUndefined();
  });

  it("finds nothing without the field at the root, or with a root that is not an object", () => {
    expect(scanJson('{"batch":{"events":[1]}}', DEEP, "events")).toBeUndefined();
    expect(scanJson('[{"events":[1]}, "events", [2]]', DEEP, "events")).toBeUndefined();
    expect(scanJson('{"x":"events","y":[1]}', DEEP, "events")).toBeUndefined();
    expect(scanJson('{"events":[1]}', DEEP)).toBeUndefined();
  });

  it("gives up when a root key is escaped, since it may spell the field", () => {
    expect(scanJson(String.raw`{"events":[1],"ev\u0065nts":[2]}`, DEEP, "events")).toBeUndefined();
    expect(scanJson(String.raw`{"a\"b":1,"events":[1]}`, DEEP, "events")).toBeUndefined();
  });

  it("refuses nesting deeper than the limit, naming where, whatever the field", () => {
    expect(() => scanJson('{"events":[[[1]]]}', 3, "events")).toThrow(new ValidationError("body: JSON is nested deeper than 3 levels (at character 12)"));
    expect(scanJson('{"events":[["[[[["]]]}', 3, "events")).toEqual(['["[[[["]']);
  });

  it("stops at an unterminated string, which JSON.parse refuses", () => {
    expect(scanJson('{"events":["a', DEEP, "events")).toBeUndefined();
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
        const items = scanJson(text, DEEP, "events");
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
