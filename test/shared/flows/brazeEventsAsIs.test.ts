import { describe, expect, it } from "vitest";
import { brazeToMixpanel } from "../../../shared/flows/brazeToMixpanel.js";
import { brazeToMparticle } from "../../../shared/flows/brazeToMparticle.js";
import { brazeEventSchema, isBrazeEventAsIs } from "../../../shared/sources/braze/schema.js";
import { fixture, fixtureEventTypes } from "../sources/braze/factories.js";

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * The Braze flows take the queued events isBrazeEventAsIs vouches for without a copy: mapping them must not
 * change them (a frozen event would throw), and must give what the schema's copy gives.
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
