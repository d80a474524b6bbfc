import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertReadsOnlyAsSchema, readsAs, viaJson } from "../../../support/readerHeldToSchema.js";
import { readEventProcessingRequest, readUsedEvent } from "../../../../shared/sources/mparticle/firehoseReader.js";
import { USED_EVENT_SCHEMAS, eventProcessingRequestSchema } from "../../../../shared/sources/mparticle/schema.js";
import { configured, customEvent, fixture, screenView } from "./factories.js";

const requestSchema = () => eventProcessingRequestSchema;
const usedEventSchema = (value: unknown) => USED_EVENT_SCHEMAS[(value as { type: keyof typeof USED_EVENT_SCHEMAS }).type];

// Mostly valid values, so that many are read; the rest anything, keys often absent (the schemas' defaults).
const text = fc.oneof({ arbitrary: fc.string({ minLength: 1 }), weight: 8 }, fc.constant(""), fc.integer(), fc.constant(null));
const rarely = fc.oneof({ arbitrary: fc.constant(undefined), weight: 8 }, fc.jsonValue());
const strings = fc.oneof({ arbitrary: fc.dictionary(fc.string(), fc.string()), weight: 8 }, fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue());
const integer = fc.oneof({ arbitrary: fc.integer(), weight: 8 }, fc.double(), fc.string(), fc.constant(2 ** 60));
const optionalString = fc.oneof({ arbitrary: fc.string(), weight: 8 }, fc.integer(), fc.constant(null));
const identity = fc.record({
  type: text,
  encoding: fc.oneof({ arbitrary: fc.constantFrom("raw", "md5", "sha1", "sha256"), weight: 8 }, text),
  value: fc.oneof({ arbitrary: fc.string(), weight: 8 }, fc.integer()),
  extra: rarely,
});
const identities = fc.oneof({ arbitrary: fc.array(identity, { maxLength: 3 }), weight: 8 }, fc.jsonValue());
const environment = fc.record(
  {
    type: optionalString,
    identities,
    http_header_user_agent: optionalString,
    push_token: optionalString,
    timezone_offset: fc.oneof({ arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 8 }, fc.string()),
    locale_language: optionalString,
    extra: rarely,
  },
  { requiredKeys: [] },
);
const request = fc.record(
  {
    type: fc.oneof({ arbitrary: fc.constant("event_processing_request"), weight: 8 }, fc.constant("dsr_processing_request"), text),
    id: text,
    timestamp_ms: integer,
    firehose_version: text,
    account: fc.oneof(
      { arbitrary: fc.record({ account_id: integer, account_settings: strings, extra: rarely }, { requiredKeys: ["account_id"] }), weight: 8 },
      fc.jsonValue(),
    ),
    mpid: text,
    user_identities: identities,
    user_attributes: strings,
    user_attribute_lists: fc.oneof({ arbitrary: fc.dictionary(fc.string(), fc.array(fc.string())), weight: 8 }, fc.dictionary(fc.string(), fc.jsonValue())),
    runtime_environment: fc.oneof({ arbitrary: environment, weight: 8 }, fc.jsonValue()),
    events: fc.oneof({ arbitrary: fc.array(fc.jsonValue(), { maxLength: 3 }), weight: 8 }, fc.jsonValue()),
    extra: rarely,
  },
  { requiredKeys: ["type", "id", "timestamp_ms", "firehose_version", "account"] },
);
const usedEvent = fc.record(
  {
    type: fc.oneof({ arbitrary: fc.constantFrom("custom_event", "screen_view", "user_attribute_change", "push_subscription"), weight: 8 }, text),
    id: text,
    timestamp_ms: integer,
    name: text,
    attributes: strings,
    screen_name: optionalString,
    added: strings,
    removed: strings,
    action: fc.oneof({ arbitrary: fc.constantFrom("subscribe", "unsubscribe"), weight: 8 }, text),
    token: text,
    extra: rarely,
  },
  { requiredKeys: ["type", "id", "timestamp_ms"] },
);

describe("the Firehose readers", () => {
  it("read the Firehose samples and their events as the schemas parse them", () => {
    for (const sample of ["EventProcessingRequest_ios.json", "EventProcessingRequest_android.json"]) {
      const raw = viaJson(configured({ ...fixture(sample) })) as { events: unknown[] };
      const events = [...raw.events, customEvent("Level Up", { level: "2" }), screenView("Home")].map(viaJson);

      expect(readsAs(readEventProcessingRequest, requestSchema)({ ...raw, events })).toBe(true);
      expect(events.filter(readsAs(readUsedEvent, usedEventSchema)).length).toBeGreaterThanOrEqual(2);
    }
  });

  it.each([
    ["a request with an empty mpid", readEventProcessingRequest, { ...fixture("EventProcessingRequest_ios.json"), mpid: "" }],
    ["a request of another type", readEventProcessingRequest, fixture("DsrProcessingRequest.json")],
    ["an event without an id", readUsedEvent, { type: "custom_event", timestamp_ms: 1, name: "n" }],
    ["an event type no flow reads", readUsedEvent, { type: "commerce_event", id: "e", timestamp_ms: 1 }],
  ])("leave %s to the schema", (_label, read, value) => {
    expect(read(viaJson(value))).toBeUndefined();
  });

  it.each([
    ["requests", request, readEventProcessingRequest, requestSchema],
    ["events", usedEvent, readUsedEvent, usedEventSchema],
  ] as const)("read only %s their schema accepts, as it returns them", (_what, arbitrary, read, schemaOf) => {
    assertReadsOnlyAsSchema(arbitrary as fc.Arbitrary<unknown>, read, schemaOf);
  });
});
