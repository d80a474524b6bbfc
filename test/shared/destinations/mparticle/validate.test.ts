import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planBulkRequests } from "../../../../shared/destinations/mparticle/map.js";
import { CUSTOM_EVENT_TYPES, mparticleEventSchema, type MparticleBatch } from "../../../../shared/destinations/mparticle/schema.js";
import { batchProblems, eventProblems, passesEventSchema } from "../../../../shared/destinations/mparticle/validate.js";
import { toMparticlePayload } from "../../../../shared/flows/brazeToMparticle.js";
import { brazeEventSchema } from "../../../../shared/sources/braze/schema.js";
import { batchProblems as sandboxBatchProblems, validateEventsApiBatch } from "../../../../infra/local/sandboxes/mparticle.js";
import { brazeEvent, fixtureEventTypes } from "../../sources/braze/factories.js";
import { TEST_SECRETS } from "../../../support/secrets.js";

/** Fixed, so a failure replays; the runs stay small because each one maps, plans and validates a batch. */
const SEED = 10;
const RUNS = 300;
const TARGET = { environment: "production" as const, feeds: TEST_SECRETS.mparticle.feeds, baseUrl: "https://inbound.mparticle.test/s2s" };

const uuid = fc.uuid();
const text = fc.string({ unit: "grapheme", maxLength: 40 });
const name = fc.oneof(text, fc.string({ minLength: 250, maxLength: 300 }));
const leaf = fc.oneof(text, fc.string({ maxLength: 5000 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const propertyValue = fc.oneof(leaf, fc.array(leaf, { maxLength: 5 }), fc.dictionary(text, leaf, { maxKeys: 5 }));

/** Braze events of every fixture type with the fields our mapper reads (and any others) varied. */
const brazeEvents = fc
  .record({
    eventType: fc.constantFrom(...fixtureEventTypes()),
    id: fc.oneof(
      uuid,
      text.filter((id) => id.length > 0),
    ),
    time: fc.integer({ min: 0, max: 4_000_000_000 }),
    platform: fc.option(fc.oneof(fc.constantFrom("ios", "android", "kindle", "web", "tvos", "roku", "IOS"), text), { nil: null }),
    deviceId: fc.option(fc.oneof(uuid, text), { nil: undefined }),
    adIdType: fc.option(fc.oneof(fc.constantFrom("ios_idfa", "google_ad_id", "windows_ad_id", "roku_ad_id"), text), { nil: undefined }),
    adId: fc.option(fc.oneof(uuid, text), { nil: undefined }),
    adTracking: fc.option(fc.boolean(), { nil: undefined }),
    phone: fc.option(fc.oneof(fc.constant("+1234567890"), fc.string({ maxLength: 5000 })), { nil: undefined }),
    email: fc.option(text, { nil: undefined }),
    customName: fc.option(name, { nil: undefined }),
    extra: fc.dictionary(name, propertyValue, { maxKeys: 130 }),
    prefix: fc.constantFrom("", "braze_", "p".repeat(200)),
    customerId: text.filter((id) => id.length > 0),
  })
  .map((spec) => {
    const raw = brazeEvent(spec.eventType, { id: spec.id, time: spec.time, platform: spec.platform, properties: spec.extra });
    const properties: Record<string, unknown> = raw.properties;
    if (spec.deviceId !== undefined) raw.user.device_id = spec.deviceId;
    if (spec.adIdType !== undefined) properties.ad_id_type = spec.adIdType;
    if (spec.adId !== undefined) properties.ad_id = spec.adId;
    if (spec.adTracking !== undefined) properties.ad_tracking_enabled = spec.adTracking;
    if (spec.phone !== undefined) properties.to_phone_number = spec.phone;
    if (spec.email !== undefined) properties.email_address = spec.email;
    if (spec.customName !== undefined) properties.name = spec.customName;
    return toMparticlePayload(brazeEventSchema.parse(raw), spec.customerId, spec.prefix);
  });

/** The batches the planner would send for these payloads (and the keys it rejected). */
function plannedBatches(payloads: ReturnType<typeof toMparticlePayload>[]) {
  const { requests, rejected } = planBulkRequests(
    payloads.map((item, index) => ({ key: `k${index}`, item })),
    TARGET,
  );
  return { batches: requests.flatMap((request) => JSON.parse(String(request.http.body)) as MparticleBatch[]), rejected };
}

/** Ways a batch can go wrong that the mapper itself never produces, to exercise the validator's refusals. */
const mutations: Array<fc.Arbitrary<(batch: Record<string, unknown>) => void>> = [
  fc.constant(() => undefined),
  text.map((value) => (batch) => void (batch.environment = value)),
  text.map((value) => (batch) => void (batch[value || "extra"] = 1)),
  fc.oneof(text, uuid).map((value) => (batch) => void (batch.source_request_id = value)),
  fc.oneof(text, uuid).map((value) => (batch) => void (batch.device_info = { ios_idfv: value })),
  fc.oneof(text, fc.constantFrom("iOS", "Android", "web")).map((value) => (batch) => void (batch.device_info = { platform: value })),
  text.map((value) => (batch) => void (batch.user_identities = { customer_id: "u", [value || "customerid"]: "x" })),
  fc.oneof(text, fc.constantFrom("other", "navigation")).map((value) => (batch) => {
    const [event] = batch.events as Array<{ data: Record<string, unknown> }>;
    if (event) event.data.custom_event_type = value;
  }),
  fc.oneof(text, fc.constantFrom("custom_event", "uninstall", "screen_view")).map((value) => (batch) => {
    const [event] = batch.events as Array<Record<string, unknown>>;
    if (event) event.event_type = value;
  }),
  fc
    .dictionary(text, fc.oneof(leaf, fc.array(text, { maxLength: 3 }), fc.dictionary(text, leaf, { maxKeys: 2 })), { maxKeys: 3 })
    .map((value) => (batch) => void (batch.user_attributes = value)),
  fc.oneof(leaf, fc.dictionary(text, leaf, { maxKeys: 2 })).map((value) => (batch) => {
    const [event] = batch.events as Array<{ data: Record<string, unknown> }>;
    if (event) event.data.custom_attributes = { a: value };
  }),
];

describe("the mParticle batch validator", () => {
  it("accepts only batches that pass the published Events API JSON schema (ajv), whatever our mapper makes of Braze events", () => {
    fc.assert(
      fc.property(fc.array(brazeEvents, { minLength: 1, maxLength: 4 }), fc.array(fc.oneof(...mutations), { maxLength: 2 }), (payloads, mutate) => {
        const { batches } = plannedBatches(payloads);
        for (const batch of batches) {
          const mutated = structuredClone(batch) as unknown as Record<string, unknown>;
          for (const change of mutate) change(mutated);
          if (batchProblems(mutated).length === 0) expect(validateEventsApiBatch(mutated)).toEqual([]);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it("lets through only batches the mParticle sandbox takes, and the planner sends only batches it accepts", () => {
    fc.assert(
      fc.property(fc.array(brazeEvents, { minLength: 1, maxLength: 4 }), (payloads) => {
        const { batches, rejected } = plannedBatches(payloads);
        for (const batch of batches) {
          expect(batchProblems(batch)).toEqual([]);
          expect(sandboxBatchProblems(batch)).toEqual([]);
        }
        // The mapper keeps within the limits itself: nothing it makes of a Braze event is refused.
        expect(rejected).toEqual(new Map());
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it("names what breaks the rules", () => {
    const base = plannedBatches([toMparticlePayload(brazeEventSchema.parse(brazeEvent("users.canvas.Entry")), "u")]).batches[0];
    const broken = { ...base, environment: "staging", user_identities: { customerid: "u" }, device_info: { ios_idfv: "not-a-uuid" } };

    expect(batchProblems(broken)).toEqual([
      'environment: Invalid option: expected one of "production"|"development"',
      "user_identities.customer_id: Invalid input: expected string, received undefined",
      'user_identities: Unrecognized key: "customerid"',
      "device_info.ios_idfv: Invalid string: must match pattern /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/",
    ]);
  });
});

/** Mostly a valid value, sometimes one of the others. */
const mostly = <Value>(valid: fc.Arbitrary<Value>, ...others: Array<fc.Arbitrary<unknown>>) =>
  fc.oneof({ arbitrary: valid, weight: 3 * others.length }, ...others);

/** Events near the schema's edges: each field of both types valid, missing, of another type or just past a limit, an unknown key. */
const eventLike = fc
  .record({
    event_type: mostly(fc.constantFrom("custom_event", "uninstall"), fc.constantFrom("screen_view", 1)),
    data: fc.record({
      source_message_id: mostly(uuid, text, fc.constant(1)),
      timestamp_unixtime_ms: mostly(fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.constantFrom(-1, 1.5, 2 ** 60, "1")),
      custom_attributes: mostly(
        fc.dictionary(
          fc.oneof({ arbitrary: text, weight: 3 }, fc.string({ minLength: 255, maxLength: 258 })),
          mostly(leaf, fc.constant(Infinity), fc.string({ minLength: 4095, maxLength: 4097 })),
          {
            maxKeys: 3,
            noNullPrototype: true,
          },
        ),
        fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { minKeys: 99, maxKeys: 102, noNullPrototype: true }),
        fc.constantFrom(null, [], "a"),
      ),
      event_name: mostly(text, fc.string({ minLength: 255, maxLength: 258 }), fc.constant(7)),
      custom_event_type: mostly(fc.constantFrom(...CUSTOM_EVENT_TYPES), text),
    }),
    missing: mostly(
      fc.constant(undefined),
      fc.constantFrom("event_type", "data", "source_message_id", "timestamp_unixtime_ms", "custom_attributes", "event_name", "custom_event_type"),
    ),
    extra: mostly(fc.constant(undefined), fc.constantFrom("event", "data")),
  })
  .map(({ event_type, data, missing, extra }) => {
    const event: Record<string, unknown> = { event_type, data: { ...data } };
    const fields = event.data as Record<string, unknown>;
    if (event_type === "uninstall" && extra !== "data") {
      delete fields.event_name;
      delete fields.custom_event_type;
    }
    if (typeof missing === "string") delete (missing in event ? event : fields)[missing];
    if (extra) (extra === "event" ? event : fields).extra = 1;
    return event;
  });

describe("passesEventSchema, the hand-written check in front of the event schema", () => {
  it("gives the schema's own answer for events near every edge", () => {
    fc.assert(
      fc.property(eventLike, (event) => {
        expect(passesEventSchema(event)).toBe(mparticleEventSchema.safeParse(event).success);
      }),
      { numRuns: 2000, seed: SEED },
    );
  });

  it("takes what the mapper makes of Braze events, so the schema runs only for the exceptions", () => {
    fc.assert(
      fc.property(brazeEvents, ({ event }) => {
        expect(passesEventSchema(event)).toBe(true);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it("leaves to the schema what it cannot vouch for, and the schema names the problem", () => {
    const event = { event_type: "uninstall", data: { source_message_id: "x", timestamp_unixtime_ms: 1, custom_attributes: {} } };

    expect(passesEventSchema(event)).toBe(false);
    expect(eventProblems(event)).toEqual([
      "event.data.source_message_id: Invalid string: must match pattern /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/",
    ]);
  });
});
