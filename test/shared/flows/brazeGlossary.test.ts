import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { planBulkRequests } from "../../../shared/destinations/mparticle/map.js";
import type { MparticleBatch } from "../../../shared/destinations/mparticle/schema.js";
import { fitEventLimits } from "../../../shared/destinations/mixpanel/limits.js";
import { currentsRoutes, ROUTING_DEFAULTS, patternToRegExp, type CurrentsRouting } from "../../../shared/flows/brazeRouting.js";
import { currentsDestinationsOf } from "../../support/currentsDestinations.js";
import { toMixpanelEvent } from "../../../shared/flows/brazeToMixpanel.js";
import { toMparticlePayload } from "../../../shared/flows/brazeToMparticle.js";
import { brazeEventSchema, type BrazeEvent } from "../../../shared/sources/braze/schema.js";
import { batchProblems } from "../../../infra/local/sandboxes/mparticle.js";
import { validateImportEvent } from "../../../infra/local/sandboxes/mixpanel.js";
import { TEST_SECRETS } from "../../support/secrets.js";
import { defined } from "../../support/defined.js";

/**
 * Parity with Braze's own connectors, held against Braze's current Currents glossary kept as data in
 * shared/flows/brazeGlossary.json: for every event type with a Mixpanel or mParticle tab, a Braze event
 * carrying the fields the tab lists is mapped by the real flow, and the name and keys it gets must be the
 * tab's. The few places we differ on purpose are the functions below, each listed in
 * docs/flows/braze-to-mparticle-and-mixpanel.md#differences-from-brazes-own-connectors.
 */
const keyList = z.array(z.string());
const glossarySchema = z.object({
  source: z.object({ files: z.record(z.string(), z.object({ path: z.string(), commit: z.string().regex(/^[0-9a-f]{40}$/), url: z.url() })) }),
  renamed: z.object({ mixpanel: z.record(z.string(), z.string()) }),
  events: z.record(
    z.string(),
    z.object({
      glossary: z.string(),
      renamed: z.record(z.string(), z.string()).optional(),
      mixpanel: z.object({ name: z.string(), properties: keyList }).nullable(),
      mparticle: z
        .object({
          name: z.string(),
          eventType: z.literal("uninstall").optional(),
          customAttributes: keyList,
          userIdentities: keyList,
          userAttributes: keyList,
          deviceInfo: keyList,
        })
        .nullable(),
    }),
  ),
});
const GLOSSARY = glossarySchema.parse(JSON.parse(readFileSync(new URL("../../../shared/flows/brazeGlossary.json", import.meta.url), "utf8")));
type GlossaryEvent = (typeof GLOSSARY.events)[string];

const UUID = "f47ac10b-58cc-4372-a567-0e02b2c3d479";
const CUSTOM_EVENT_NAME = "Level Up";
/** What every Mixpanel event of ours carries; Braze's tabs add `token`, which we never send (a secret in event data). */
const MIXPANEL_ENVELOPE = ["$insert_id", "$partner_id", "distinct_id", "time"];
/** The advertising-id fields of device_info: one is filled, the one `ad_id_type` names (here ios_idfa). */
const AD_ID_FIELDS = new Set(["android_advertising_id", "ios_advertising_id", "microsoft_advertising_id", "roku_advertising_id"]);
const CHANNEL_LABELS: Record<string, string> = { line: "LINE", rcs: "RCS" };

/** The glossary's name, but a LINE or RCS name given without its channel ("Abort ", "Clicks") gets it in front. */
function expectedName(eventType: string, glossaryName: string): string {
  const name = glossaryName.trim();
  const label = CHANNEL_LABELS[/^users\.messages\.([a-z]+)\./.exec(eventType)?.[1] ?? ""];
  return label && !name.startsWith(label) ? `${label} ${name}` : name;
}

/** A plausible value of a Braze field, of the type the source schema reads it as. */
function sampleValue(key: string): unknown {
  if (key === "price") return 3.14;
  if (key === "platform") return "ios";
  if (key === "email_address") return "user@example.com";
  if (key.endsWith("phone_number")) return "+14155552671";
  if (key.startsWith("is_") || key === "ad_tracking_enabled" || key === "in_control_group") return true;
  return `${key} value`;
}

/** A Braze event of the type carrying `properties`, and the device id when the tab shows one. */
function brazeEvent(eventType: string, properties: Record<string, unknown>, withDeviceId: boolean): BrazeEvent {
  return brazeEventSchema.parse({
    event_type: eventType,
    id: "00000000-0000-4000-8000-000000000001",
    time: 1767225600,
    user: { user_id: "braze-user", external_user_id: "user-1", ...(withDeviceId ? { device_id: UUID } : {}) },
    properties,
  });
}

/** The Braze key a connector key comes from: the destination's renames and the event's own, reversed. */
function brazeKeyOf(key: string, renamed: Record<string, string>): string {
  return Object.entries(renamed).find(([, to]) => to === key)?.[0] ?? key;
}

const withTab = (destination: "mixpanel" | "mparticle") =>
  Object.entries(GLOSSARY.events).filter((entry): entry is [string, GlossaryEvent & Record<typeof destination, object>] => entry[1][destination] !== null);

describe("Braze's Currents glossary as data", () => {
  it("names the braze-docs commit of each glossary file it holds, and holds every event type of both", () => {
    const files = Object.keys(GLOSSARY.source.files);

    expect(files.sort()).toEqual(["customer_behavior_events", "message_engagement_events"]);
    for (const event of Object.values(GLOSSARY.events)) expect(files).toContain(event.glossary);
    expect(Object.keys(GLOSSARY.events).length).toBeGreaterThan(75);
  });

  it.each(Object.keys(GLOSSARY.events))("routes %s by default to each destination whose tab the glossary has", (eventType) => {
    const routing = Object.fromEntries(
      Object.entries(ROUTING_DEFAULTS).map(([destination, { patterns }]) => [destination, { enabled: true, patterns: patterns.map(patternToRegExp) }]),
    ) as CurrentsRouting;
    const event = defined(GLOSSARY.events[eventType]);

    const destinations = currentsDestinationsOf(eventType, routing);

    if (event.mixpanel) expect(destinations).toContain("mixpanel");
    if (event.mparticle) expect(destinations).toContain("mparticle");
    expect(currentsRoutes(routing)).toHaveLength(2);
  });
});

describe("parity with Braze's Mixpanel connector (glossary, Mixpanel tabs)", () => {
  it.each(withTab("mixpanel"))("%s: the tab's event name and exactly its properties", (eventType, { mixpanel, renamed = {} }) => {
    const renames = { ...GLOSSARY.renamed.mixpanel, ...renamed };
    const properties = Object.fromEntries(mixpanel.properties.filter((key) => key !== "device_id").map((key) => [brazeKeyOf(key, renames), sampleValue(key)]));
    const custom = eventType === "users.behaviors.CustomEvent";
    if (custom) properties.name = CUSTOM_EVENT_NAME;

    const mapped = toMixpanelEvent(brazeEvent(eventType, properties, mixpanel.properties.includes("device_id")), "user-1");

    // The custom event's glossary name is the prefix; the event's own name follows.
    expect(mapped.event).toBe(custom ? `${mixpanel.name} ${CUSTOM_EVENT_NAME}` : expectedName(eventType, mixpanel.name));
    expect(Object.keys(mapped.properties).sort()).toEqual([...mixpanel.properties, ...MIXPANEL_ENVELOPE].sort());
    const { event: fitted, cuts } = fitEventLimits(mapped);
    expect(cuts).toEqual({});
    expect(validateImportEvent(fitted)).toBeUndefined();
  });
});

describe("parity with Braze's mParticle connector (glossary, mParticle tabs)", () => {
  const target = { environment: "production" as const, feeds: TEST_SECRETS.mparticle.feeds, baseUrl: "https://s2s.mparticle.test" };

  it.each(withTab("mparticle"))(
    "%s: the tab's event name, custom attributes, identities, user attributes and device_info",
    (eventType, { mparticle, renamed = {} }) => {
      const properties: Record<string, unknown> = Object.fromEntries(
        mparticle.customAttributes.filter((key) => key !== "device_id").map((key) => [brazeKeyOf(key, renamed), sampleValue(key)]),
      );
      // Where Braze's connector moves fields out of the custom attributes, the Braze event carries them as Braze sends them.
      if (mparticle.userIdentities.includes("email")) properties.email_address = sampleValue("email_address");
      if (mparticle.userAttributes.includes("$mobile")) properties.to_phone_number = sampleValue("to_phone_number");
      if (mparticle.deviceInfo.includes("device_model")) properties.device_model = "iPhone 16";
      if (mparticle.deviceInfo.includes("platform")) properties.platform = "ios";
      if (mparticle.deviceInfo.some((key) => AD_ID_FIELDS.has(key))) Object.assign(properties, { ad_id: UUID, ad_id_type: "ios_idfa" });
      if (mparticle.deviceInfo.includes("limit_ad_tracking")) properties.ad_tracking_enabled = true;
      const withDeviceId = mparticle.customAttributes.includes("device_id") || mparticle.deviceInfo.includes("ios_idfv");

      const payload = toMparticlePayload(brazeEvent(eventType, properties, withDeviceId), "user-1");
      const [request] = planBulkRequests([{ key: "k", item: payload }], target).requests;
      const [batch] = JSON.parse(String(request?.http.body)) as MparticleBatch[];

      expect(batch).toBeDefined();
      const [event] = defined(batch).events ?? [];
      if (mparticle.eventType) {
        expect(event?.event_type).toBe(mparticle.eventType);
      } else {
        expect(event).toMatchObject({ event_type: "custom_event", data: { event_name: expectedName(eventType, mparticle.name), custom_event_type: "other" } });
      }
      expect(Object.keys(event?.data.custom_attributes ?? {}).sort()).toEqual([...mparticle.customAttributes, "source_request_id"].sort());
      // The glossary's `customerid` is `customer_id` in the Events API schema (user_identities is closed).
      expect(Object.keys(defined(batch).user_identities ?? {}).sort()).toEqual(
        mparticle.userIdentities.map((key) => (key === "customerid" ? "customer_id" : key)).sort(),
      );
      expect(Object.keys(defined(batch).user_attributes ?? {}).sort()).toEqual([...mparticle.userAttributes].sort());
      expect(Object.keys(defined(batch).device_info ?? {}).sort()).toEqual(
        mparticle.deviceInfo.filter((key) => !AD_ID_FIELDS.has(key) || key === "ios_advertising_id").sort(),
      );
      expect(batchProblems(batch)).toEqual([]);
    },
  );
});
