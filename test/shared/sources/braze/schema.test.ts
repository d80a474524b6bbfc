import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { brazeEventSchema, currentsBatchSchema, isBrazeEventAsIs, parseBrazeEvent } from "../../../../shared/sources/braze/schema.js";
import { brazeEvent, fixture, fixtureEventTypes } from "./factories.js";

describe("brazeEventSchema", () => {
  it.each(fixtureEventTypes())("accepts the %s fixture", (eventType) => {
    const raw = fixture(eventType);

    const result = brazeEventSchema.safeParse(raw);

    expect(result.success).toBe(true);
    expect(result.data?.event_type).toBe(eventType);
  });

  it("accepts unknown event types and keeps unknown fields", () => {
    const raw = { ...brazeEvent("users.messages.email.Send"), event_type: "users.messages.telegram.Send", brand_new: 1 };
    raw.properties.future_field = { nested: true };

    const parsed = brazeEventSchema.parse(raw);

    expect(parsed.event_type).toBe("users.messages.telegram.Send");
    expect(parsed.properties.future_field).toEqual({ nested: true });
    expect((parsed as Record<string, unknown>).brand_new).toBe(1);
  });

  it("defaults a missing user and properties to empty objects", () => {
    const parsed = brazeEventSchema.parse({ event_type: "users.behaviors.Uninstall", id: "x", time: 1 });

    expect(parsed.user).toEqual({});
    expect(parsed.properties).toEqual({});
  });

  it.each([
    ["id", { id: undefined }],
    ["time", { time: "yesterday" }],
    ["event_type", { event_type: "" }],
  ])("rejects an event with a bad %s", (field, change) => {
    const raw = { ...brazeEvent("users.canvas.Entry"), ...change };

    const result = brazeEventSchema.safeParse(raw);

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([field]);
  });

  it("rejects a typed field of the wrong type (platform)", () => {
    const raw = brazeEvent("users.behaviors.app.SessionStart", { properties: { platform: 7 } });

    const result = brazeEventSchema.safeParse(raw);

    expect(result.error?.issues[0]?.path).toEqual(["properties", "platform"]);
  });
});

describe("currentsBatchSchema", () => {
  it("needs an events array but not valid events", () => {
    expect(currentsBatchSchema.safeParse({ events: [1, "x"] }).success).toBe(true);
    expect(currentsBatchSchema.safeParse({ events: {} }).error?.issues[0]?.path).toEqual(["events"]);
    expect(currentsBatchSchema.safeParse({}).error?.issues[0]?.path).toEqual(["events"]);
  });
});

describe("isBrazeEventAsIs (the schema's fast path)", () => {
  it.each(fixtureEventTypes())("vouches for the %s fixture as the schema parses it", (eventType) => {
    const raw = fixture(eventType);

    expect(isBrazeEventAsIs(raw)).toBe(true);
    expect(brazeEventSchema.parse(raw)).toEqual(raw);
  });

  it.each([
    ["a missing user (the schema fills the default)", { user: undefined }],
    ["missing properties", { properties: undefined }],
    ["a numeric platform", { properties: { platform: 7 } }],
    ["a negative time", { time: -1 }],
    ["a string time", { time: "1" }],
    ["an empty id", { id: "" }],
    ["a list of custom properties", { properties: { custom_properties: [] } }],
    ["an own __proto__ key", { user: JSON.parse('{"__proto__": {"external_user_id": 1}}') as unknown }],
  ])("leaves an event with %s to the schema", (_what, change) => {
    const raw = { ...brazeEvent("users.behaviors.CustomEvent"), ...change };

    expect(isBrazeEventAsIs(raw)).toBe(false);
    expect(parseBrazeEvent(raw)).toEqual(brazeEventSchema.safeParse(raw));
  });

  it("vouches only for events the schema accepts and returns equal (any JSON in any field)", () => {
    // Mostly what the schema takes, so that many events are vouched for; the rest anything.
    const typed = fc.oneof({ arbitrary: fc.string(), weight: 8 }, fc.constant(null), fc.integer(), fc.double(), fc.boolean(), fc.constant(undefined));
    const bag = fc.oneof({ arbitrary: fc.dictionary(fc.string(), fc.jsonValue()), weight: 4 }, fc.jsonValue(), fc.constant(undefined));
    const event = fc.record(
      {
        event_type: fc.oneof({ arbitrary: fc.string({ minLength: 1 }), weight: 8 }, typed),
        id: fc.oneof({ arbitrary: fc.string({ minLength: 1 }), weight: 8 }, typed),
        time: fc.oneof({ arbitrary: fc.integer({ min: 0 }), weight: 4 }, fc.double(), fc.string()),
        user: fc.oneof(
          { arbitrary: fc.record({ user_id: typed, external_user_id: typed, device_id: typed, timezone: typed }, { requiredKeys: [] }), weight: 4 },
          fc.jsonValue(),
        ),
        properties: fc.oneof(
          {
            arbitrary: fc.record(
              { platform: typed, name: typed, price: fc.oneof(typed, fc.double()), currency: typed, custom_properties: bag, purchase_properties: bag },
              { requiredKeys: [] },
            ),
            weight: 4,
          },
          fc.jsonValue(),
        ),
        extra: fc.jsonValue(),
      },
      { requiredKeys: ["event_type", "id", "time", "user", "properties"] },
    );
    let vouched = 0;
    fc.assert(
      fc.property(event, (generated) => {
        // Through JSON, as ingest and the worker read events.
        const raw = JSON.parse(JSON.stringify(generated)) as unknown;
        if (!isBrazeEventAsIs(raw)) return;
        vouched++;
        const parsed = brazeEventSchema.safeParse(raw);
        expect(parsed.success).toBe(true);
        expect(parsed.data).toEqual(raw);
      }),
      { numRuns: 2000 },
    );
    // The property said something: a good share of the events were vouched for.
    expect(vouched).toBeGreaterThan(50);
  });
});
