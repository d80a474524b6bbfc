import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contextSchema, isContextAsIs } from "../../../../shared/flows/mparticleToPushwoosh/context.js";
import { normaliseEventProcessing } from "../../../../shared/sources/mparticle/accept.js";
import { PLATFORMS, TOKEN_KINDS, mparticleEventSchema, userSchema } from "../../../../shared/sources/mparticle/model.js";
import { isMparticleEventAsIs, isMparticleUserAsIs } from "../../../../shared/sources/mparticle/modelAsIs.js";
import { eventProcessingRequestSchema } from "../../../../shared/sources/mparticle/schema.js";
import { configured, customEvent, fixture, screenView } from "./factories.js";

/** Through JSON, as the worker reads a message. */
function viaJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/** A fast path may say no to anything; when it says yes, the schema must accept and return an equal value. */
function holdsTo(check: (value: unknown) => boolean, schema: { safeParse(value: unknown): { success: boolean; data?: unknown } }) {
  return (value: unknown): boolean => {
    if (!check(value)) return false;
    const parsed = schema.safeParse(value);
    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual(value);
    return true;
  };
}

// Mostly valid values, so that many are vouched for; the rest anything.
const text = fc.oneof({ arbitrary: fc.string({ minLength: 1 }), weight: 8 }, fc.constant(""), fc.integer(), fc.constant(null));
const rarely = fc.oneof({ arbitrary: fc.constant(undefined), weight: 8 }, fc.jsonValue());
const strings = fc.oneof({ arbitrary: fc.dictionary(fc.string(), fc.string()), weight: 8 }, fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue());
const integer = fc.oneof({ arbitrary: fc.integer(), weight: 8 }, fc.double(), fc.string());
const device = fc.record(
  {
    platform: fc.oneof({ arbitrary: fc.constantFrom(...PLATFORMS), weight: 8 }, text),
    deviceId: fc.oneof(text, fc.constant(undefined)),
    token: fc.oneof(fc.constant(undefined), fc.record({ value: text, kind: fc.oneof(fc.constantFrom(...TOKEN_KINDS), text), extra: rarely })),
    userAgent: fc.oneof(fc.string(), fc.constant(undefined), fc.integer()),
    timezoneSeconds: fc.oneof(integer, fc.constant(undefined)),
    language: fc.oneof(text, fc.constant(undefined)),
    extra: rarely,
  },
  { requiredKeys: ["platform"] },
);
const identity = fc.record({
  type: text,
  encoding: fc.oneof({ arbitrary: fc.constantFrom("raw", "md5", "sha1", "sha256"), weight: 8 }, text),
  value: fc.oneof({ arbitrary: fc.string(), weight: 8 }, fc.integer()),
  extra: rarely,
});
const user = fc.record(
  {
    mpid: fc.oneof(text, fc.constant(undefined)),
    identities: fc.oneof({ arbitrary: fc.array(identity, { maxLength: 3 }), weight: 8 }, fc.jsonValue()),
    attributes: strings,
    attributeLists: fc.oneof({ arbitrary: fc.dictionary(fc.string(), fc.array(fc.string())), weight: 8 }, fc.jsonValue()),
    device,
    extra: rarely,
  },
  { requiredKeys: ["identities", "attributes", "attributeLists", "device"] },
);
const event = fc.record(
  {
    id: text,
    type: fc.oneof({ arbitrary: fc.constantFrom("custom_event", "screen_view", "user_attributes", "device_state", "uninstall"), weight: 8 }, text),
    timestampMs: integer,
    name: text,
    screenName: fc.oneof(text, fc.constant(undefined)),
    attributes: strings,
    extra: rarely,
  },
  { requiredKeys: ["id", "type"] },
);

describe("the mParticle model's fast paths", () => {
  it("vouch for the events and user normalised from the Firehose samples, as their schemas parse them", () => {
    for (const sample of ["EventProcessingRequest_ios.json", "EventProcessingRequest_android.json"]) {
      const request = configured({ ...fixture(sample), events: [customEvent("Level Up", { level: "2" }), screenView("Home")] });
      const batch = viaJson(normaliseEventProcessing(eventProcessingRequestSchema.parse(request))) as { events: unknown[]; user: unknown };

      expect(holdsTo(isMparticleUserAsIs, userSchema)(batch.user)).toBe(true);
      expect(batch.events.filter(holdsTo(isMparticleEventAsIs, mparticleEventSchema)).length).toBeGreaterThanOrEqual(2);
      expect(holdsTo(isContextAsIs, contextSchema)({ credentials: "sealed", serverApi: true, user: batch.user })).toBe(true);
    }
  });

  it.each([
    [
      "a user with an extra key (the schema drops it)",
      isMparticleUserAsIs,
      { identities: [], attributes: {}, attributeLists: {}, device: { platform: "ios" }, x: 1 },
    ],
    ["a user whose attribute is a number", isMparticleUserAsIs, { identities: [], attributes: { a: 1 }, attributeLists: {}, device: { platform: "ios" } }],
    ["a custom event without a name", isMparticleEventAsIs, { id: "e", type: "custom_event", timestampMs: 1, name: "", attributes: {} }],
    ["an event type it does not check", isMparticleEventAsIs, { id: "e", type: "uninstall", timestampMs: 1 }],
    ["a context without serverApi", isContextAsIs, { credentials: "sealed" }],
  ])("leave %s to the schema", (_label, check, value) => {
    expect(check(value)).toBe(false);
  });

  it.each([
    ["events", event, isMparticleEventAsIs, mparticleEventSchema],
    ["users", user, isMparticleUserAsIs, userSchema],
    [
      "contexts",
      fc.record({ credentials: text, serverApi: fc.oneof(fc.boolean(), text), user: fc.oneof(user, fc.constant(undefined)), extra: rarely }),
      isContextAsIs,
      contextSchema,
    ],
  ] as const)("vouch only for %s their schema accepts and returns equal", (_what, arbitrary, check, schema) => {
    let vouched = 0;
    fc.assert(
      fc.property(arbitrary as fc.Arbitrary<unknown>, (generated) => {
        if (holdsTo(check, schema)(viaJson(generated))) vouched++;
      }),
      { numRuns: 2000 },
    );
    // The property said something: a share of the values were vouched for.
    expect(vouched).toBeGreaterThan(20);
  });
});
