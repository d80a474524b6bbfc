import type { BrazeEvent } from "../../sources/braze/schema.js";
import { readableEventName } from "../../sources/braze/eventNames.js";
import type { MixpanelEvent } from "./schema.js";

/** Import API limits per request. */
export const IMPORT_LIMITS = { events: 2000, bytes: 10 * 1024 * 1024 } as const;

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

/** Splits events into import requests of at most 2000 events and 10 MB of JSON. Pure. */
export function chunkImports<Item>(items: Item[], eventOf: (item: Item) => MixpanelEvent): Item[][] {
  const chunks: Item[][] = [];
  let chunk: Item[] = [];
  let bytes = 2;
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(eventOf(item))) + 1;
    if (chunk.length === IMPORT_LIMITS.events || (chunk.length > 0 && bytes + size > IMPORT_LIMITS.bytes)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 2;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
