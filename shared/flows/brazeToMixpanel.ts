import * as z from "../zod.js";
import { fitEventLimits, isPlaceholderId, toInsertId } from "../destinations/mixpanel/limits.js";
import type { MixpanelEvent } from "../destinations/mixpanel/schema.js";
import { logger, reportTrimmed } from "../observability.js";
import { brazeEventSchema, isBrazeEventAsIs, type BrazeEvent } from "../sources/braze/schema.js";
import { readableEventName } from "./brazeEventNames.js";
import { CURRENTS_FLOWS } from "./brazeRouting.js";
import { defineFlow } from "./flow.js";
import { setOwn } from "./ownProperty.js";

const PARTNER_ID = "braze";
const CUSTOM_EVENT_PREFIX = "[Braze Custom Event] ";
const CUSTOM_PROPERTY_PREFIX = "[Custom event property] ";
const PURCHASE_PROPERTY_PREFIX = "[Purchase property] ";
const FLOW = CURRENTS_FLOWS.mixpanel;

/**
 * Where Braze's own Mixpanel export names an event differently from our readable names: its current Currents
 * glossary, Mixpanel tabs (shared/flows/brazeGlossary.json names the braze-docs commit; test/shared/flows/brazeGlossary.test.ts
 * holds the names against it). Every other type's Mixpanel name is the readable name (brazeEventNames.ts);
 * LINE and RCS keep the channel in front where the glossary leaves it out ("Abort", "Click").
 */
const MIXPANEL_EVENT_NAMES: Readonly<Record<string, string>> = {
  "users.canvas.exit.MatchedAudience": "Exit Match Audience",
  "users.canvas.exit.PerformedEvent": "Exit Perform Event",
  "users.canvas.experimentstep.Conversion": "Experiment Step Conversion",
  "users.canvas.experimentstep.SplitEntry": "Experiment Split Entry",
  "users.messages.featureflag.Impression": "Feature Flag Experiment Impression",
  "users.messages.pushnotification.IosForeground": "Push Notification iOS Foreground Open",
  "users.messages.sms.InboundReceive": "SMS Inbound Received",
  "users.messages.whatsapp.Click": "WhatsApp Tracked Link Click",
  "users.messages.whatsapp.InboundReceive": "WhatsApp Inbound Received",
};

/** Braze fields the export renames: `os_version` → `$os` (the OS version), `device_model` → `$device`, `content_card_id` → `card_id`. */
const RENAMED: ReadonlyMap<string, string> = new Map([
  ["os_version", "$os"],
  ["device_model", "$device"],
  ["content_card_id", "card_id"],
]);

/** Copies `bag` into `target`, each name prefixed. Plain loops: this runs per event (docs/performance.md, "Mapping"). */
function addPrefixed(target: Record<string, unknown>, bag: Record<string, unknown> | null | undefined, prefix: string): void {
  if (!bag) return;
  for (const name of Object.keys(bag)) setOwn(target, `${prefix}${name}`, bag[name]);
}

/** Copies `properties` into `target` but for the names in `except`, renamed as Braze's export does. */
function addRenamed(target: Record<string, unknown>, properties: Record<string, unknown>, except?: string, exceptToo?: string): void {
  for (const name of Object.keys(properties)) {
    if (name === except || name === exceptToo) continue;
    // A Map, so a property named `constructor` or `toString` is never "renamed" to one of Object's members.
    setOwn(target, RENAMED.get(name) ?? name, properties[name]);
  }
}

/** The event name and its event-specific properties; everything else Braze sent is passed on (renamed as Braze does). */
function nameAndProperties(event: BrazeEvent): { event: string; properties: Record<string, unknown> } {
  const readable = MIXPANEL_EVENT_NAMES[event.event_type] ?? readableEventName(event.event_type);
  const properties: Record<string, unknown> = {};
  switch (event.event_type) {
    case "users.behaviors.CustomEvent": {
      const { name, custom_properties } = event.properties;
      addRenamed(properties, event.properties, "name", "custom_properties");
      addPrefixed(properties, custom_properties, CUSTOM_PROPERTY_PREFIX);
      return { event: `${CUSTOM_EVENT_PREFIX}${name || readable}`, properties };
    }
    case "users.behaviors.Purchase": {
      addRenamed(properties, event.properties, "purchase_properties");
      addPrefixed(properties, event.properties.purchase_properties, PURCHASE_PROPERTY_PREFIX);
      return { event: readable, properties };
    }
    default:
      addRenamed(properties, event.properties);
      return { event: readable, properties };
  }
}

/**
 * One Braze event as a Mixpanel import event, the way Braze's own Mixpanel export names it, before the
 * per-event limits are applied (fitEventLimits). `$insert_id` is the Braze id when Mixpanel takes it, else
 * a stable hash of it. Pure.
 */
export function toMixpanelEvent(event: BrazeEvent, distinctId: string): MixpanelEvent {
  const { event: name, properties } = nameAndProperties(event);
  const deviceId = event.user.device_id;
  if (deviceId) properties.device_id = deviceId;
  properties.distinct_id = distinctId;
  properties.time = Math.round(event.time * 1000);
  properties.$insert_id = toInsertId(event.id);
  properties.$partner_id = PARTNER_ID;
  return { event: name, properties: properties as MixpanelEvent["properties"] };
}

/** Braze Currents → Mixpanel Import API: one import event per Braze event, by external_user_id. */
export const brazeToMixpanel = defineFlow({
  name: FLOW,
  destination: "mixpanel",
  eventSchema: brazeEventSchema,
  eventAsIs: isBrazeEventAsIs,
  contextSchema: z.undefined(),
  map: (events) =>
    events.flatMap(({ id, event }) => {
      // Ingest skips events without a user id; the check keeps the mapping total.
      const userId = event.user.external_user_id;
      if (!userId) return [];
      if (isPlaceholderId(userId)) {
        // Mixpanel refuses it, and no other id may stand in for the user: not sent (the worker counts it skipped).
        logger.warn("braze event not sent to Mixpanel: external_user_id is a placeholder Mixpanel refuses", { flow: FLOW, eventId: id });
        return [];
      }
      const { event: fitted, cuts } = fitEventLimits(toMixpanelEvent(event, userId));
      reportTrimmed(FLOW, id, cuts);
      return [{ eventIds: [id], item: fitted }];
    }),
});
