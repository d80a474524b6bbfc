import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { eventsApiBatchSchema, eventsApiEventSchema, parseEventsApiJson } from "../../../../shared/sources/mparticle/eventsApiBatch.js";
import { eventsApiValidator, masterSample, outgoingMasterSampleText, webhookFixtureText } from "./webhookFactories.js";

describe("mParticle's published samples", () => {
  it("are read by the relay although mParticle's own inbound schema refuses them (its Master Sample and its outgoing form alike)", () => {
    // Why a door's fixtures come from what the partner sends, never from the schema of what it accepts.
    expect(eventsApiValidator(masterSample())).toBe(false);
    const outgoing = parseEventsApiJson(outgoingMasterSampleText());
    expect(eventsApiValidator(outgoing)).toBe(false);
    expect(eventsApiBatchSchema.parse(outgoing).user_identities).toEqual([
      ["customer_id", "h.jekyll.md"],
      ["email", "h.jekyll.md@example.com"],
    ]);
    expect(eventsApiBatchSchema.parse(masterSample()).user_identities).toContainEqual(["customer_id", "1234"]);
  });
});

describe("parseEventsApiJson", () => {
  it("keeps 64-bit integers exact as digit strings, and leaves other numbers alone", () => {
    expect(parseEventsApiJson('{"mpid": -8433569191518584284, "n": 12, "f": 1.5e3, "safe": 9007199254740991, "list": [8016782932541212345]}')).toEqual({
      mpid: "-8433569191518584284",
      n: 12,
      f: 1500,
      safe: 9007199254740991,
      list: ["8016782932541212345"],
    });
  });

  it("leaves digits inside strings (escaped quotes included) untouched", () => {
    const text = '{"a": "x\\" 8016782932541212345 \\"", "b": "8016782932541212345"}';
    expect(parseEventsApiJson(text)).toEqual(JSON.parse(text));
  });

  it("reads the samples as JSON.parse does, but for the 64-bit ids", () => {
    const sample = parseEventsApiJson(webhookFixtureText("json-reference-master-sample.json")) as { events: Array<{ data: { event_id?: unknown } }> };
    expect(sample.events.map((event) => event.data.event_id)).toEqual([undefined, "-1586912177303106600", "1558493756361828400", undefined]);
    expect((parseEventsApiJson(outgoingMasterSampleText()) as { mpid: unknown }).mpid).toBe("7346244611012968789");
  });

  it("reads any JSON as JSON.parse does, but for integers beyond 2^53, which stay their digits", () => {
    const longInteger = /^-?\d{16,}$/;
    // Each value with its text and what the parser should make of it.
    const number = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n })).map((value) => {
      const text = typeof value === "bigint" ? String(value) : JSON.stringify(value);
      return { text, value: longInteger.test(text) && !Number.isSafeInteger(Number(text)) ? text : (JSON.parse(text) as unknown) };
    });
    // Strings that hold long integers with what may surround a number, which must stay as they are.
    const digitsInText = fc
      .tuple(
        fc.string({ maxLength: 3 }),
        fc.constantFrom(" ", ":", ",", "[", "\n", '"'),
        fc.bigInt({ min: 2n ** 60n, max: 2n ** 64n }),
        fc.constantFrom("", " ", "]", "}", ","),
      )
      .map((parts) => parts.join(""));
    const plain = fc
      .oneof(fc.string(), digitsInText, fc.boolean(), fc.constant(null))
      .map((value) => ({ text: JSON.stringify(value), value: value as unknown }));
    const space = fc.constantFrom("", " ", "\n\t");
    const { json } = fc.letrec<{ json: { text: string; value: unknown } }>((tie) => ({
      json: fc.oneof(
        { depthSize: "small" },
        number,
        plain,
        fc.tuple(fc.array(tie("json"), { maxLength: 4 }), space).map(([items, gap]) => ({
          text: `[${gap}${items.map((item) => item.text).join(`,${gap}`)}]`,
          value: items.map((item) => item.value),
        })),
        fc.tuple(fc.uniqueArray(fc.tuple(fc.string(), tie("json")), { maxLength: 4, selector: ([key]) => key }), space).map(([entries, gap]) => ({
          text: `{${entries.map(([key, item]) => `${gap}${JSON.stringify(key)}${gap}:${item.text}`).join(",")}}`,
          value: Object.fromEntries(entries.map(([key, item]) => [key, item.value])),
        })),
      ),
    }));

    fc.assert(
      fc.property(json, ({ text, value }) => {
        expect(parseEventsApiJson(text)).toStrictEqual(value);
      }),
      { numRuns: 1000 },
    );
  });

  it("throws on what is not JSON, as JSON.parse does", () => {
    expect(() => parseEventsApiJson('{"mpid": 8016782932541212345')).toThrow(SyntaxError);
    expect(() => parseEventsApiJson("-")).toThrow(SyntaxError);
  });
});

describe("eventsApiBatchSchema", () => {
  it("accepts unknown fields, nulls for every optional field, and times as strings", () => {
    const parsed = eventsApiBatchSchema.parse({
      environment: "development",
      mpid: null,
      user_identities: null,
      user_attributes: null,
      deleted_user_attributes: [null, "", "gone"],
      device_info: { platform: null, push_token: null, timezone_offset: "-4", brand: "x" },
      timestamp_unixtime_ms: "1595542763908",
      events: null,
      brand_new_field: {},
    });
    expect(parsed).toMatchObject({
      mpid: undefined,
      user_identities: [],
      deleted_user_attributes: ["gone"],
      device_info: { timezone_offset: -4 },
      timestamp_unixtime_ms: 1595542763908,
      events: [],
    });
  });

  it("names the field of a batch it cannot read", () => {
    const result = eventsApiBatchSchema.safeParse({ user_identities: [{ identity: "x" }] });
    expect(result.error?.issues[0]?.path).toEqual(["user_identities"]);
  });
});

describe("eventsApiEventSchema", () => {
  it("keeps only the type of an event type it does not use, known or not", () => {
    expect(eventsApiEventSchema.parse({ event_type: "a_future_type", data: { anything: 1 } })).toEqual({ event_type: "a_future_type", other: true });
    expect(eventsApiEventSchema.parse({ event_type: "session_start", data: null })).toEqual({ event_type: "session_start", other: true });
  });

  it("takes a screen view without a screen name (optional in the JSON reference), and names the field of a custom event without a name", () => {
    expect(eventsApiEventSchema.safeParse({ event_type: "screen_view", data: { screen_name: null } }).success).toBe(true);
    expect(eventsApiEventSchema.safeParse({ event_type: "custom_event", data: { event_name: "" } }).error?.issues[0]?.path).toEqual(["data", "event_name"]);
  });
});
