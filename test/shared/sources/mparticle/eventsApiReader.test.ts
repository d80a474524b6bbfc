import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertReadsOnlyAsSchema, readsAs, viaJson } from "../../../support/readerHeldToSchema.js";
import { eventsApiBatchSchema, eventsApiEventSchema, parseEventsApiJson } from "../../../../shared/sources/mparticle/eventsApiBatch.js";
import { readEventsApiBatch, readEventsApiEvent } from "../../../../shared/sources/mparticle/eventsApiReader.js";
import { azureBatchesText, masterSample, outgoingMasterSampleText, publishedEvent } from "./webhookFactories.js";

// Mostly valid values, so that many are read; the rest anything, keys often absent or null.
const rarely = fc.oneof({ arbitrary: fc.constant(undefined), weight: 8 }, fc.jsonValue());
const scalar = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const text = fc.oneof({ arbitrary: fc.string(), weight: 6 }, fc.integer(), fc.boolean(), fc.constant(null), fc.constant(""), fc.jsonValue());
const attributes = fc.oneof(
  { arbitrary: fc.dictionary(fc.string(), fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }))), weight: 8 },
  fc.constant(null),
  fc.dictionary(fc.string(), fc.jsonValue()),
  fc.jsonValue(),
);
const time = fc.oneof({ arbitrary: fc.integer(), weight: 4 }, fc.double(), fc.string(), fc.constant(" "), fc.constant("1595542763908.5"), fc.constant(null));
const data = fc.record(
  {
    timestamp_unixtime_ms: time,
    source_message_id: text,
    custom_attributes: attributes,
    event_name: text,
    screen_name: text,
    register: fc.oneof({ arbitrary: fc.boolean(), weight: 8 }, fc.jsonValue()),
    registration_token: text,
    user_attribute_name: text,
    new: fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.jsonValue()),
    deleted: fc.oneof(fc.boolean(), fc.constant(null), fc.jsonValue()),
    extra: rarely,
  },
  { requiredKeys: [] },
);
const event = fc.record(
  {
    event_type: fc.oneof(
      { arbitrary: fc.constantFrom("custom_event", "screen_view", "push_registration", "user_attribute_change", "uninstall"), weight: 8 },
      fc.constantFrom("session_start", "commerce_event", "constructor", "__proto__", ""),
      fc.jsonValue(),
    ),
    data: fc.oneof({ arbitrary: data, weight: 8 }, fc.constant(null), fc.jsonValue()),
    extra: rarely,
  },
  { requiredKeys: ["event_type"] },
);
const identity = fc.record({ identity_type: text, identity: text, timestamp_unixtime_ms: rarely }, { requiredKeys: [] });
const batch = fc.record(
  {
    mpid: text,
    user_identities: fc.oneof(fc.array(identity, { maxLength: 3 }), fc.dictionary(fc.string(), scalar), fc.constant(null), fc.jsonValue()),
    user_attributes: attributes,
    deleted_user_attributes: fc.oneof(fc.array(fc.oneof(fc.string(), fc.constant(null)), { maxLength: 3 }), fc.constant(null), fc.jsonValue()),
    device_info: fc.oneof(
      {
        arbitrary: fc.record(
          {
            platform: text,
            push_token: text,
            ios_idfv: text,
            android_uuid: text,
            http_header_user_agent: text,
            timezone_offset: time,
            locale_language: text,
            brand: rarely,
          },
          { requiredKeys: [] },
        ),
        weight: 8,
      },
      fc.constant(null),
      fc.jsonValue(),
    ),
    timestamp_unixtime_ms: time,
    events: fc.oneof({ arbitrary: fc.array(fc.jsonValue(), { maxLength: 2 }), weight: 8 }, fc.constant(null), fc.jsonValue()),
    batch_id: rarely,
  },
  { requiredKeys: [] },
);

describe("the Events API readers", () => {
  it("read mParticle's published batches and events as the schemas parse them", () => {
    const batches = [
      masterSample(),
      parseEventsApiJson(outgoingMasterSampleText()),
      ...azureBatchesText()
        .trim()
        .split("\n")
        .flatMap((line) => [parseEventsApiJson(line)].flat()),
    ];
    for (const sample of batches) {
      expect(readsAs(readEventsApiBatch, () => eventsApiBatchSchema)(sample)).toBe(true);
      for (const raw of (sample as { events: unknown[] }).events) expect(readsAs(readEventsApiEvent, () => eventsApiEventSchema)(raw)).toBe(true);
    }
    for (const type of ["custom_event", "screen_view", "push_registration", "uninstall"] as const) {
      expect(readsAs(readEventsApiEvent, () => eventsApiEventSchema)(publishedEvent(type))).toBe(true);
    }
  });

  it.each([
    ["a custom event without a name", readEventsApiEvent, { event_type: "custom_event", data: { event_name: "" } }],
    ["a push registration without register", readEventsApiEvent, { event_type: "push_registration", data: {} }],
    ["a batch whose user_identities is a string", readEventsApiBatch, { user_identities: "x" }],
  ])("leave %s to the schema", (_label, read, value) => {
    expect(read(viaJson(value))).toBeUndefined();
  });

  it("read an event named like an Object member as an unknown type, as the schema does", () => {
    for (const type of ["constructor", "toString", "hasOwnProperty"]) {
      expect(readEventsApiEvent({ event_type: type })).toEqual({ event_type: type, other: true });
      expect(eventsApiEventSchema.parse({ event_type: type })).toEqual({ event_type: type, other: true });
    }
  });

  it.each([
    ["batches", batch, readEventsApiBatch, eventsApiBatchSchema],
    ["events", event, readEventsApiEvent, eventsApiEventSchema],
  ] as const)("read only %s their schema accepts, as it returns them", (_what, arbitrary, read, schema) => {
    assertReadsOnlyAsSchema(arbitrary as fc.Arbitrary<unknown>, read, () => schema);
  });
});
