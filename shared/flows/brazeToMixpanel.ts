import { z } from "zod";
import type { MixpanelEvent } from "../destinations/mixpanel/schema.js";
import { brazeEventSchema, type BrazeEvent } from "../sources/braze/schema.js";
import { readableEventName } from "./brazeEventNames.js";
import { defineFlow } from "./flow.js";

export const PARTNER_ID = "braze";
export const CUSTOM_EVENT_PREFIX = "[Braze Custom Event] ";
export const CUSTOM_PROPERTY_PREFIX = "[Custom event property] ";
export const PURCHASE_PROPERTY_PREFIX = "[Purchase property] ";

/** Braze platform → Mixpanel `$os`; an unlisted platform is passed on as Braze wrote it. */
const OS_NAMES: Record<string, string> = { ios: "iOS", android: "Android", kindle: "Kindle", web: "Web", tvos: "tvOS", roku: "Roku" };

function prefixed(bag: Record<string, unknown> | null | undefined, prefix: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(bag ?? {}).map(([name, value]) => [`${prefix}${name}`, value]));
}

/** The event name and its event-specific properties; everything else Braze sent is passed on as is. */
function nameAndProperties(event: BrazeEvent): { event: string; properties: Record<string, unknown> } {
  switch (event.event_type) {
    case "users.behaviors.CustomEvent": {
      const { name, custom_properties, ...rest } = event.properties;
      return {
        event: `${CUSTOM_EVENT_PREFIX}${name || readableEventName(event.event_type)}`,
        properties: { ...rest, ...prefixed(custom_properties, CUSTOM_PROPERTY_PREFIX) },
      };
    }
    case "users.behaviors.Purchase": {
      const { product_id, purchase_properties, ...rest } = event.properties;
      return {
        event: readableEventName(event.event_type),
        properties: { ...rest, product: product_id, ...prefixed(purchase_properties, PURCHASE_PROPERTY_PREFIX) },
      };
    }
    default:
      return { event: readableEventName(event.event_type), properties: { ...event.properties } };
  }
}

/** One Braze event as a Mixpanel import event, the way Braze's own Mixpanel export names it. Pure. */
export function toMixpanelEvent(event: BrazeEvent, distinctId: string): MixpanelEvent {
  const { platform, os_version, device_model } = event.properties;
  const mapped = nameAndProperties(event);
  const device: Record<string, string> = {};
  if (platform) device.$os = OS_NAMES[platform.toLowerCase()] ?? platform;
  if (os_version) device.$os_version = os_version;
  if (device_model) device.$device = device_model;
  return {
    event: mapped.event,
    properties: {
      ...mapped.properties,
      ...device,
      distinct_id: distinctId,
      time: Math.round(event.time * 1000),
      $insert_id: event.id,
      $partner_id: PARTNER_ID,
    },
  };
}

/** Braze Currents → Mixpanel Import API: one import event per Braze event, by external_user_id. */
export const brazeToMixpanel = defineFlow({
  name: "braze-to-mixpanel",
  destination: "mixpanel",
  eventSchema: brazeEventSchema,
  contextSchema: z.undefined(),
  map: (events) =>
    events.flatMap(({ id, event }) => {
      // Ingest skips events without a user id; the check keeps the mapping total.
      const userId = event.user.external_user_id;
      return userId ? [{ eventIds: [id], item: toMixpanelEvent(event, userId) }] : [];
    }),
});
