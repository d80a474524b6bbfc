import { z } from "zod";
import { mparticleAttributePrefix } from "../config/settings.js";
import { sourceMessageId, toCustomAttributes } from "../destinations/mparticle/map.js";
import type { MparticleEvent, MparticleFeed, MparticlePayload } from "../destinations/mparticle/schema.js";
import { brazeEventSchema, type BrazeEvent } from "../sources/braze/schema.js";
import { readableEventName } from "./brazeEventNames.js";
import { defineFlow } from "./flow.js";

/** ios → iOS feed, android and kindle → Android, web → Web; anything else (email, SMS, canvas...) → Unbound. */
export function feedForPlatform(platform: string | null | undefined): MparticleFeed {
  switch (platform?.toLowerCase()) {
    case "ios":
      return "ios";
    case "android":
    case "kindle":
      return "android";
    case "web":
      return "web";
    default:
      return "unbound";
  }
}

function eventName(event: BrazeEvent): string {
  if (event.event_type === "users.behaviors.CustomEvent" && event.properties.name) return event.properties.name;
  return readableEventName(event.event_type);
}

/** One Braze event as an mParticle event plus the feed and identities of its batch. Pure. */
export function toMparticlePayload(event: BrazeEvent, customerId: string, attributePrefix = ""): MparticlePayload {
  const data = {
    source_message_id: sourceMessageId(event.id),
    timestamp_unixtime_ms: Math.round(event.time * 1000),
    custom_attributes: toCustomAttributes(event.properties, attributePrefix),
  };
  const mapped: MparticleEvent =
    event.event_type === "users.behaviors.Uninstall"
      ? { event_type: "uninstall", data }
      : { event_type: "custom_event", data: { ...data, event_name: eventName(event), custom_event_type: "other" } };
  const email = event.properties.email_address || undefined;
  return { feed: feedForPlatform(event.properties.platform), customerId, ...(email ? { email } : {}), event: mapped };
}

/** Braze Currents → mParticle Events API: one event per Braze event, on the feed of its platform. */
export const brazeToMparticle = defineFlow({
  name: "braze-to-mparticle",
  destination: "mparticle",
  eventSchema: brazeEventSchema,
  contextSchema: z.undefined(),
  map: (events) => {
    // Read when the worker maps, so a changed prefix applies to queued and redriven events too.
    const prefix = mparticleAttributePrefix();
    return events.flatMap(({ id, event }) => {
      const userId = event.user.external_user_id;
      return userId ? [{ eventIds: [id], item: toMparticlePayload(event, userId, prefix) }] : [];
    });
  },
});
