import { describe, expect, it } from "vitest";
import { brazeToMixpanel } from "../../../shared/flows/brazeToMixpanel.js";
import { brazeToMparticle } from "../../../shared/flows/brazeToMparticle.js";
import { mparticleToPushwoosh } from "../../../shared/flows/mparticleToPushwoosh.js";
import { contextSchema } from "../../../shared/flows/mparticleToPushwoosh/context.js";
import { normaliseEventProcessing } from "../../../shared/sources/mparticle/accept.js";
import { mparticleEventSchema } from "../../../shared/sources/mparticle/model.js";
import { eventProcessingRequestSchema } from "../../../shared/sources/mparticle/schema.js";
import { brazeEventSchema, isBrazeEventAsIs } from "../../../shared/sources/braze/schema.js";
import { fixture, fixtureEventTypes } from "../sources/braze/factories.js";
import { configured, customEvent, fixture as firehoseFixture, screenView } from "../sources/mparticle/factories.js";

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * The flows take the queued events and contexts their fast paths vouch for without a copy: mapping them must
 * not change them (a frozen one would throw), and must give what the schemas' copies give.
 */
describe("Braze flows on events taken as they are", () => {
  it.each(fixtureEventTypes())("maps the %s fixture, frozen, as it maps the schema's copy", (eventType) => {
    const raw = deepFreeze(fixture(eventType));
    expect(isBrazeEventAsIs(raw)).toBe(true);

    for (const flow of [brazeToMixpanel, brazeToMparticle]) {
      const asIs = flow.spec.map([{ id: raw.id, event: raw as never }], undefined);
      const copied = flow.spec.map([{ id: raw.id, event: brazeEventSchema.parse(raw) }], undefined);

      expect(flow.mapMessage([{ id: raw.id, event: raw }], undefined)).toEqual({ items: asIs, failed: new Map() });
      expect(asIs).toEqual(copied);
    }
  });
});

describe("mParticle → Pushwoosh on events and context taken as they are", () => {
  it.each(["EventProcessingRequest_ios.json", "EventProcessingRequest_android.json"])(
    "maps the %s sample, frozen, as it maps the schemas' copies",
    (sample) => {
      const request = configured({ ...firehoseFixture(sample), events: [customEvent("Level Up", { level: "2" }), screenView("Home")] });
      const batch = JSON.parse(JSON.stringify(normaliseEventProcessing(eventProcessingRequestSchema.parse(request)))) as {
        events: Array<{ id: string }>;
        user: unknown;
      };
      const context = deepFreeze({ credentials: "sealed", serverApi: true, user: batch.user });
      const queued = deepFreeze(batch.events.map((event) => ({ id: event.id, event })));

      const asIs = mparticleToPushwoosh.mapMessage(queued, context);
      const copied = mparticleToPushwoosh.spec.map(
        queued.map(({ id, event }) => ({ id, event: mparticleEventSchema.parse(event) })),
        contextSchema.parse(context),
      );

      expect(asIs.failed).toEqual(new Map());
      expect(asIs.items).toEqual(copied);
      expect(asIs.items.length).toBeGreaterThan(0);
    },
  );
});
