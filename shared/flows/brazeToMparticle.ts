import * as z from "../zod.js";
import { mparticleAttributePrefix } from "../config/settings.js";
import { sourceMessageId, toCustomAttributes, type AttributeCuts } from "../destinations/mparticle/map.js";
import {
  ATTRIBUTE_LIMITS,
  EVENTS_API_UUID,
  type DeviceInfo,
  type MparticleEvent,
  type MparticleFeed,
  type MparticlePayload,
  type UserAttributes,
} from "../destinations/mparticle/schema.js";
import { reportTrimmed } from "../observability.js";
import { brazeEventSchema, isBrazeEventAsIs, type BrazeEvent } from "../sources/braze/schema.js";
import { readableEventName } from "./brazeEventNames.js";
import { CURRENTS_FLOWS } from "./brazeRouting.js";
import { defineFlow } from "./flow.js";
import { setOwn } from "./ownProperty.js";

/**
 * The `event_name`s Braze's own mParticle connector uses, from its current Currents glossary, mParticle tabs
 * (shared/flows/brazeGlossary.json names the braze-docs commit; test/shared/flows/brazeGlossary.test.ts holds
 * this table against it): irregular plurals, so a table rather than a rule. Where the glossary names a LINE
 * or RCS event without its channel ("Aborts", "Clicks") the channel is put in front, so the two channels'
 * events stay apart. Types Braze does not export to mParticle (custom events, purchases, sessions, iOS
 * foreground opens, ...) keep our readable name (brazeEventNames.ts).
 */
export const MPARTICLE_EVENT_NAMES: Readonly<Record<string, string>> = {
  "users.behaviors.subscription.GlobalStateChange": "Global Subscription State Changes",
  "users.behaviors.subscriptiongroup.StateChange": "Subscription Group State Changes",
  "users.campaigns.Conversion": "Campaign Conversions",
  "users.campaigns.EnrollInControl": "Campaign Control Group Enrollments",
  "users.canvas.Conversion": "Canvas Conversions",
  "users.canvas.Entry": "Canvas Entries",
  "users.canvas.exit.MatchedAudience": "Exit Matched Audiences",
  "users.canvas.exit.PerformedEvent": "Exit Performed Events",
  "users.canvas.experimentstep.Conversion": "Experiment Step Conversions",
  "users.canvas.experimentstep.SplitEntry": "Experiment Split Entries",
  "users.canvasstep.Progression": "Canvas Step Progressions",
  "users.messages.banner.Abort": "Banner Aborts",
  "users.messages.banner.Click": "Banner Clicks",
  "users.messages.banner.Impression": "Banner Impressions",
  "users.messages.contentcard.Abort": "Content Card Aborts",
  "users.messages.contentcard.Click": "Content Card Clicks",
  "users.messages.contentcard.Dismiss": "Content Card Dismisses",
  "users.messages.contentcard.Impression": "Content Card Impressions",
  "users.messages.contentcard.Send": "Content Card Sends",
  "users.messages.email.Abort": "Email Aborts",
  "users.messages.email.Bounce": "Email Bounces",
  "users.messages.email.Click": "Email Clicks",
  "users.messages.email.Deferral": "Email Deferrals",
  "users.messages.email.Delivery": "Email Deliveries",
  "users.messages.email.MarkAsSpam": "Email Marks As Spam",
  "users.messages.email.Open": "Email Opens",
  "users.messages.email.Send": "Email Sends",
  "users.messages.email.SoftBounce": "Email Soft Bounces",
  "users.messages.email.Unsubscribe": "Email Unsubscribes",
  "users.messages.featureflag.Impression": "Feature Flag Experiment Impressions",
  "users.messages.inappmessage.Abort": "In-App Message Aborts",
  "users.messages.inappmessage.Click": "In-App Message Clicks",
  "users.messages.inappmessage.Impression": "In-App Message Impressions",
  "users.messages.line.Abort": "LINE Aborts",
  "users.messages.line.Click": "LINE Clicks",
  "users.messages.line.InboundReceive": "LINE Inbound Receives",
  "users.messages.line.Send": "LINE Sends",
  "users.messages.liveactivity.Outcome": "Live Activity Outcomes",
  "users.messages.liveactivity.Send": "Live Activity Sends",
  "users.messages.pushnotification.Abort": "Push Notification Aborts",
  "users.messages.pushnotification.Bounce": "Push Notification Bounces",
  "users.messages.pushnotification.Open": "Push Notification Opens",
  "users.messages.pushnotification.Send": "Push Notification Sends",
  "users.messages.rcs.Abort": "RCS Aborts",
  "users.messages.rcs.Click": "RCS Clicks",
  "users.messages.rcs.Delivery": "RCS Deliveries",
  "users.messages.rcs.InboundReceive": "RCS Inbound Receives",
  "users.messages.rcs.Read": "RCS Reads",
  "users.messages.rcs.Rejection": "RCS Rejections",
  "users.messages.rcs.Send": "RCS Sends",
  "users.messages.sms.Abort": "SMS Aborts",
  "users.messages.sms.CarrierSend": "SMS Carrier Sends",
  "users.messages.sms.Delivery": "SMS Deliveries",
  "users.messages.sms.DeliveryFailure": "SMS Delivery Failures",
  "users.messages.sms.InboundReceive": "SMS Inbound Received",
  "users.messages.sms.Rejection": "SMS Rejections",
  "users.messages.sms.Send": "SMS Sends",
  "users.messages.sms.ShortLinkClick": "SMS Short Link Clicks",
  "users.messages.webhook.Abort": "Webhook Aborts",
  "users.messages.webhook.Failure": "Webhook Failures",
  "users.messages.webhook.Send": "Webhook Sends",
  "users.messages.whatsapp.Abort": "WhatsApp Aborts",
  "users.messages.whatsapp.Click": "WhatsApp Tracked Link Clicks",
  "users.messages.whatsapp.Delivery": "WhatsApp Deliveries",
  "users.messages.whatsapp.Failure": "WhatsApp Failures",
  "users.messages.whatsapp.InboundReceive": "WhatsApp Inbound Received",
  "users.messages.whatsapp.Read": "WhatsApp Reads",
  "users.messages.whatsapp.Send": "WhatsApp Sends",
};

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

/** Braze platform → the schema's `device_info.platform` enum (Kindle is Android-based; Braze's mapping is not documented). */
const DEVICE_PLATFORMS: Record<string, DeviceInfo["platform"]> = { ios: "iOS", android: "Android", kindle: "Android", web: "web", tvos: "tvOS", roku: "roku" };

/** Braze `ad_id_type` → the `device_info` field of that advertising id (glossary: ios_idfa, google_ad_id, windows_ad_id, roku_ad_id). */
const AD_ID_FIELDS: Record<string, "ios_advertising_id" | "android_advertising_id" | "microsoft_advertising_id" | "roku_advertising_id"> = {
  ios_idfa: "ios_advertising_id",
  google_ad_id: "android_advertising_id",
  windows_ad_id: "microsoft_advertising_id",
  roku_ad_id: "roku_advertising_id",
};

/** Channels whose user phone number Braze sends as the reserved `$mobile` user attribute (glossary, mParticle tabs). */
const PHONE_CHANNEL_TYPES = ["users.messages.sms.", "users.messages.whatsapp.", "users.messages.rcs."];

/** Properties Braze's connector moves out of the custom attributes (into identities, device_info, user_attributes) or drops. */
const MOVED_PROPERTIES: ReadonlySet<string> = new Set([
  "email_address",
  "platform",
  "os_version",
  "device_model",
  "ad_id",
  "ad_id_type",
  "ad_tracking_enabled",
]);
const PHONE_PROPERTIES: ReadonlySet<string> = new Set(["to_phone_number", "user_phone_number", "media_urls"]);
/** Braze fields the connector sends under another name: a content card's `content_card_id` is `card_id` (glossary, mParticle tabs). */
const RENAMED: ReadonlyMap<string, string> = new Map([["content_card_id", "card_id"]]);

const FLOW = CURRENTS_FLOWS.mparticle;

/** What the mapping cut from one event to fit mParticle's limits. */
export type MparticleCuts = AttributeCuts & { eventName?: number };

function eventName(event: BrazeEvent, cuts: MparticleCuts): string {
  const name =
    event.event_type === "users.behaviors.CustomEvent" && event.properties.name
      ? event.properties.name
      : (MPARTICLE_EVENT_NAMES[event.event_type] ?? readableEventName(event.event_type));
  // mParticle truncates longer names of server-to-server data itself (default service limits).
  if (name.length > ATTRIBUTE_LIMITS.eventNameLength) cuts.eventName = 1;
  return name.slice(0, ATTRIBUTE_LIMITS.eventNameLength);
}

const isUuid = (value: unknown): value is string => typeof value === "string" && EVENTS_API_UUID.test(value);

/**
 * The device as Braze's connector describes it: `ios_idfv` = Braze's device id (on every platform, as the
 * glossary shows), model, platform and advertising id. Fields the schema types as UUIDs are sent only in
 * that shape; the Braze device id always stays in the `device_id` attribute.
 */
function deviceInfoOf(event: BrazeEvent): DeviceInfo | undefined {
  const { platform, device_model, ad_id, ad_id_type, ad_tracking_enabled } = event.properties;
  const info: DeviceInfo = {};
  if (isUuid(event.user.device_id)) info.ios_idfv = event.user.device_id;
  if (device_model) info.device_model = device_model;
  // Own keys only: a platform named "constructor" or "toString" must not find Object's.
  const devicePlatform = platform && Object.hasOwn(DEVICE_PLATFORMS, platform.toLowerCase()) ? DEVICE_PLATFORMS[platform.toLowerCase()] : undefined;
  if (devicePlatform) info.platform = devicePlatform;
  const adField = typeof ad_id_type === "string" && Object.hasOwn(AD_ID_FIELDS, ad_id_type) ? AD_ID_FIELDS[ad_id_type] : undefined;
  if (adField && typeof ad_id === "string" && (adField === "microsoft_advertising_id" || isUuid(ad_id))) info[adField] = ad_id;
  // Braze says whether tracking is enabled, mParticle whether it is limited.
  if (typeof ad_tracking_enabled === "boolean") info.limit_ad_tracking = !ad_tracking_enabled;
  return Object.keys(info).length > 0 ? info : undefined;
}

/** SMS, WhatsApp and RCS events: the user's phone number as mParticle's reserved `$mobile` attribute. */
function userAttributesOf(event: BrazeEvent, cuts: MparticleCuts): UserAttributes | undefined {
  if (!PHONE_CHANNEL_TYPES.some((prefix) => event.event_type.startsWith(prefix))) return undefined;
  const { to_phone_number, user_phone_number } = event.properties;
  const phone = typeof to_phone_number === "string" && to_phone_number ? to_phone_number : user_phone_number;
  if (typeof phone !== "string" || !phone) return undefined;
  if (phone.length > ATTRIBUTE_LIMITS.valueLength) cuts.attributeValues = (cuts.attributeValues ?? 0) + 1;
  return { $mobile: phone.slice(0, ATTRIBUTE_LIMITS.valueLength) };
}

/** The custom attributes: what Braze's connector keeps, plus `source_request_id` (Braze id) and `device_id`. */
function attributeProperties(event: BrazeEvent, movesPhone: boolean): Record<string, unknown> {
  // Copied without the moved names rather than spread and deleted from: `delete` makes every event's copy slow.
  const properties: Record<string, unknown> = {};
  for (const name of Object.keys(event.properties)) {
    if (MOVED_PROPERTIES.has(name) || (movesPhone && PHONE_PROPERTIES.has(name))) continue;
    // A Map, so a property named `constructor` or `toString` is never "renamed" to one of Object's members.
    setOwn(properties, RENAMED.get(name) ?? name, event.properties[name]);
  }
  properties.source_request_id = event.id;
  if (event.user.device_id) properties.device_id = event.user.device_id;
  return properties;
}

/**
 * One Braze event as an mParticle event plus the feed, identities, user attributes and device of its batch.
 * What it cuts to fit mParticle's limits is added to `cuts`. Pure.
 */
export function toMparticlePayload(event: BrazeEvent, customerId: string, attributePrefix = "", cuts: MparticleCuts = {}): MparticlePayload {
  const userAttributes = userAttributesOf(event, cuts);
  const data = {
    source_message_id: sourceMessageId(event.id),
    timestamp_unixtime_ms: Math.round(event.time * 1000),
    custom_attributes: toCustomAttributes(attributeProperties(event, userAttributes !== undefined), attributePrefix, cuts),
  };
  const mapped: MparticleEvent =
    event.event_type === "users.behaviors.Uninstall"
      ? { event_type: "uninstall", data }
      : { event_type: "custom_event", data: { ...data, event_name: eventName(event, cuts), custom_event_type: "other" } };
  const email = event.properties.email_address || undefined;
  const deviceInfo = deviceInfoOf(event);
  return {
    feed: feedForPlatform(event.properties.platform),
    customerId,
    ...(email ? { email } : {}),
    ...(userAttributes ? { userAttributes } : {}),
    ...(deviceInfo ? { deviceInfo } : {}),
    event: mapped,
  };
}

/** Braze Currents → mParticle Events API: one event per Braze event, on the feed of its platform. */
export const brazeToMparticle = defineFlow({
  name: FLOW,
  destination: "mparticle",
  eventSchema: brazeEventSchema,
  eventAsIs: isBrazeEventAsIs,
  contextSchema: z.undefined(),
  map: (events) => {
    // Read when the worker maps, so a changed prefix applies to queued and redriven events too.
    const prefix = mparticleAttributePrefix();
    return events.flatMap(({ id, event }) => {
      const userId = event.user.external_user_id;
      if (!userId) return [];
      const cuts: MparticleCuts = {};
      const item = toMparticlePayload(event, userId, prefix, cuts);
      reportTrimmed(FLOW, id, cuts);
      return [{ eventIds: [id], item }];
    });
  },
});
