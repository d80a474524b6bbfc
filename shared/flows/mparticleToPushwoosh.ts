import { createHash } from "node:crypto";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import * as z from "../zod.js";
import { pushwooshMappingSettings, type PushwooshMappingSettings, type PushwooshTagType } from "../config/settings.js";
import { ValidationError } from "../errors.js";
import { sealCredentials } from "../destinations/pushwoosh/credentials.js";
import {
  DEVICE_TYPES,
  type BulkDevice,
  type DeviceType,
  type PushwooshCall,
  type PushwooshCredentials,
  type PushwooshPayload,
  type RegisterDeviceCall,
  type TagValue,
  type Tags,
} from "../destinations/pushwoosh/schema.js";
import { createMetrics, logger } from "../observability.js";
import type { MparticleRoute } from "../sources/mparticle/accept.js";
import { normaliseRawDocument } from "../sources/mparticle/rawDocument.js";
import {
  mparticleEventSchema,
  userSchema,
  type Device,
  type Identity,
  type MparticleEvent,
  type MparticleEventOf,
  type MparticleUser,
  type NormalisedBatch,
  type Platform,
  type TokenKind,
} from "../sources/mparticle/model.js";
import { defineFlow, type MappedItem } from "./flow.js";
import { setOwn } from "./ownProperty.js";

export const FLOW = "mparticle-to-pushwoosh";
/** Bulk membership pays off from this many device entries (Pushwoosh's advice for bulkSetTags). */
export const BULK_THRESHOLD = 50;
/** Device entries per bulkSetTags call. */
export const BULK_CHUNK = 500;

// ---- Tag typing: mParticle sends strings; Pushwoosh tags are typed.

// A number only when it reads back exactly: "02134", "1.50", "1e3" and 20-digit ids stay strings.
const INTEGER = /^-?(0|[1-9]\d*)$/;
const DECIMAL = /^-?(0|[1-9]\d*)\.\d*[1-9]$/;
// ISO 8601 date, optionally with a time and a zone; no zone means UTC.
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

/** "YYYY-MM-DD HH:mm" in UTC, Pushwoosh's Date tag format; undefined when `value` is no ISO 8601 date. */
export function toPushwooshDate(value: string): string | undefined {
  const match = ISO_DATE.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hours = "00", minutes = "00", seconds = "00", zone] = match;
  // Date rolls 2024-02-30 over to March; a calendar date that does not exist is not a date, zone or not
  // (an invalid one, month 13, has NaN for its day).
  if (new Date(`${year}-${month}-${day}T00:00:00Z`).getUTCDate() !== Number(day)) return undefined;
  // Stryker disable next-line Regex,StringLiteral: V8 also reads "+0130"; the colon keeps the string in ECMAScript's date time format.
  const colonZone = zone?.replace(/^([+-]\d{2})(\d{2})$/, "$1:$2");
  const zoned = `${year}-${month}-${day}T${hours}:${minutes}:${seconds}${colonZone ?? "Z"}`;
  const date = new Date(zoned);
  if (Number.isNaN(date.getTime())) return undefined;
  // "YYYY": a zone can carry 9999-12-31 into year 10000, which the format cannot hold.
  const utcYear = date.getUTCFullYear();
  if (utcYear > 9999) return undefined;
  return `${String(utcYear).padStart(4, "0")}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
}

/** Whether `value` starts as every number and ISO date does (a digit or "-"): the only values worth the regexes below. */
function startsLikeNumberOrDate(value: string): boolean {
  const first = value.charCodeAt(0);
  return first === 45 || (first >= 48 && first <= 57);
}

/** Types an mParticle string attribute: integer, decimal, boolean, date, else the string itself. */
export function toTypedValue(value: string): string | number | boolean {
  // Most attribute values are words: one character test spares them three regexes (docs/performance.md, "Mapping").
  if (!startsLikeNumberOrDate(value)) {
    const lower = value.toLowerCase();
    return lower === "true" || lower === "false" ? lower === "true" : value;
  }
  if (INTEGER.test(value)) {
    const number = Number(value);
    return Number.isSafeInteger(number) && String(number) === value ? number : value;
  }
  if (DECIMAL.test(value)) {
    const number = Number(value);
    return String(number) === value ? number : value;
  }
  return toPushwooshDate(value) ?? value;
}

/** Pushwoosh tag and attribute names are non-empty: an attribute mParticle sent without a name is left out. */
export function toTypedValues(values: Record<string, string>): Record<string, string | number | boolean> {
  const typed: Record<string, string | number | boolean> = {};
  for (const key of Object.keys(values)) if (key !== "") setOwn(typed, key, toTypedValue(values[key] as string));
  return typed;
}

/**
 * mParticle's reserved user attributes and their Pushwoosh tag types. A tag's type is fixed when Pushwoosh
 * creates it (docs.pushwoosh.com/platform-docs/api-reference/tags), so these never go by the value:
 * postal codes and phone numbers are strings ("02134" and "33431" alike), the age an integer. The keys are
 * mParticle's "reserved" user attribute keys (docs.mparticle.com/developers/sdk/web/users, "Reserved
 * Attributes"), as the Firehose samples' `user_attributes` carry them.
 */
export const RESERVED_TAG_TYPES: Readonly<Record<string, PushwooshTagType>> = {
  $Age: "integer",
  $Zip: "string",
  $Mobile: "string",
  $FirstName: "string",
  $LastName: "string",
  $Gender: "string",
  $City: "string",
  $State: "string",
  $Country: "string",
  $Address: "string",
};

/** The reserved keys in any case: the Firehose samples write `$Zip`, the Events API JSON reference `$zip`. */
const RESERVED_TAG_TYPES_BY_LOWER_CASE = new Map(Object.entries(RESERVED_TAG_TYPES).map(([key, type]) => [key.toLowerCase(), type]));

const PINNED_INTEGER = /^[-+]?\d+$/;
const PINNED_DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)$/;

/** A value converted to a tag's fixed type; undefined when it does not convert (never another type). */
export function convertToTagType(type: PushwooshTagType, value: string | string[]): string | number | boolean | string[] | undefined {
  if (type === "list") return Array.isArray(value) ? value : [value];
  if (Array.isArray(value)) return undefined;
  switch (type) {
    case "string":
      return value;
    case "integer": {
      const number = Number(value);
      return PINNED_INTEGER.test(value) && Number.isSafeInteger(number) ? number : undefined;
    }
    case "decimal":
      return PINNED_DECIMAL.test(value) && Number.isFinite(Number(value)) ? Number(value) : undefined;
    case "boolean": {
      const lower = value.toLowerCase();
      return lower === "true" || lower === "false" ? lower === "true" : undefined;
    }
    case "date":
      return toPushwooshDate(value);
  }
}

/** Counted (metric `tagSkipped`, dimension `reason`) and logged for every tag value left out. */
export const TAG_SKIPPED_REASON = "value does not convert to the tag's type";
const metrics = createMetrics({ flow: FLOW });

function count(metric: string, reason: string): void {
  const single = metrics.singleMetric();
  single.addDimensions({ reason });
  single.addMetric(metric, MetricUnit.Count, 1);
}

/**
 * A tag's value: the type pinned by PUSHWOOSH_TAG_TYPES, else mParticle's reserved type, else detected from
 * the value (a list stays a list). Undefined, counted and logged, when it does not convert to a fixed type.
 */
export function tagValue(key: string, value: string | string[], settings: PushwooshMappingSettings): TagValue | undefined {
  // Own keys only: an attribute named "toString" or "constructor" must not find Object's.
  const reserved = key.startsWith("$") ? RESERVED_TAG_TYPES_BY_LOWER_CASE.get(key.toLowerCase()) : undefined;
  const type = (Object.hasOwn(settings.tagTypes, key) ? settings.tagTypes[key] : undefined) ?? reserved;
  if (type === undefined) return Array.isArray(value) ? value : toTypedValue(value);
  const converted = convertToTagType(type, value);
  if (converted === undefined) {
    logger.warn("tag value skipped", { tag: key, type, reason: TAG_SKIPPED_REASON });
    count("tagSkipped", TAG_SKIPPED_REASON);
  }
  return converted;
}

function setTag(tags: Tags, key: string, value: string | string[], settings: PushwooshMappingSettings): void {
  // Pushwoosh tag names are non-empty: an attribute mParticle sent without a name is left out.
  if (key === "") return;
  const typed = tagValue(key, value, settings);
  if (typed !== undefined) tags[key] = typed;
}

// ---- Devices and users.

/** Pushwoosh device_type from the platform and, for the web, the browser in the User-Agent. */
export function deviceTypeFor(platform: Platform, tokenKind: TokenKind | undefined, userAgent = ""): DeviceType | undefined {
  if (tokenKind === "apns" || (platform === "ios" && tokenKind !== "fcm")) return DEVICE_TYPES.ios;
  if (tokenKind === "fcm" || platform === "android") return DEVICE_TYPES.android;
  if (platform !== "web") return undefined;
  if (/Firefox\//.test(userAgent)) return DEVICE_TYPES.firefox;
  if (/(Chrome|Chromium|CriOS|Edg|OPR)\//.test(userAgent)) return DEVICE_TYPES.chrome;
  if (/Safari\//.test(userAgent)) return DEVICE_TYPES.safari;
  return undefined;
}

/** A stable hwid for a device that has no id of its own: the token's hash (the token is the device). */
export function hwidFromToken(token: string): string {
  return createHash("sha256").update(token).digest("hex").slice(0, 32);
}

/** The Pushwoosh user id: the raw customer id (unless configured to `mpid`), else the mpid; never a hash. */
export function userIdOf(identities: Identity[], mpid: string | undefined, choice: PushwooshMappingSettings["userId"]): string | undefined {
  if (choice === "customer") {
    const customer = identities.find((identity) => identity.type === "customer" && identity.encoding === "raw" && identity.value.trim() !== "");
    if (customer) return customer.value;
  }
  return mpid;
}

/** The Pushwoosh segment (filter) of an mParticle audience. */
export function segmentName(audienceName: string): string {
  return `mParticle: ${audienceName}`;
}

const TOKEN_KIND_OF_PLATFORM: Record<Platform, TokenKind | undefined> = { ios: "apns", android: "fcm", web: "web", other: undefined };

function registration(device: Device, token: string, kind: TokenKind | undefined, userId: string | undefined): RegisterDeviceCall | undefined {
  const deviceType = deviceTypeFor(device.platform, kind, device.userAgent);
  if (deviceType === undefined) return undefined;
  const call: RegisterDeviceCall = { method: "registerDevice", hwid: device.deviceId ?? hwidFromToken(token), push_token: token, device_type: deviceType };
  if (userId) call.userId = userId;
  if (device.timezoneSeconds !== undefined) call.timezone = device.timezoneSeconds;
  if (device.language) call.language = device.language;
  return call;
}

// ---- Ingest side: which events go to Pushwoosh, and the sealed credentials they need.

function credentialsFrom(settings: Record<string, string>): PushwooshCredentials {
  const value = (id: string) => settings[id]?.trim() || undefined;
  const applicationCode = value("applicationCode");
  const apiToken = value("apiToken");
  if (!applicationCode) throw new ValidationError("account.account_settings.applicationCode is required", { field: "account.account_settings.applicationCode" });
  if (!apiToken) throw new ValidationError("account.account_settings.apiToken is required", { field: "account.account_settings.apiToken" });
  const serverApiToken = value("serverApiToken");
  return serverApiToken ? { applicationCode, apiToken, serverApiToken } : { applicationCode, apiToken };
}

export const contextSchema = z.object({
  /** The customer's credentials, sealed (shared/destinations/pushwoosh/credentials.ts). */
  credentials: z.string().check(z.minLength(1)),
  /** Whether a server API token is among them (bulk calls and segments need one). */
  serverApi: z.boolean(),
  user: z.optional(userSchema),
});
export type PushwooshFlowContext = z.infer<typeof contextSchema>;

/** Whether an event other than a membership change or an erasure (those have their own checks) goes to Pushwoosh. */
function takesEvent(event: Exclude<MparticleEvent, MparticleEventOf<"audience_membership" | "erasure">>, hasUser: boolean): boolean {
  switch (event.type) {
    case "custom_event":
    case "screen_view":
    case "user_attribute_change":
    case "user_attributes":
      return hasUser;
    case "uninstall":
    case "push_subscription":
    case "device_state":
    case "audience_subscription":
    case "raw_document":
      return true;
  }
}

/** Why an erasure is answered but not carried out: logged and counted (metric `erasureNotCarriedOut`, dimension `reason`). */
export const ERASURE_REASONS = {
  noIdentity: "erasure has no identity Pushwoosh can act on",
  noSettings: "erasure without Pushwoosh account settings",
} as const;

/** Identity types of an erasure that name a Pushwoosh device here: the hwids this flow registers. */
const ERASURE_DEVICE_IDENTITIES = ["ios_vendor_id", "android_id"];

/** The Pushwoosh user id and hwids an erasure reaches (see docs/flows/mparticle-to-pushwoosh.md#erasure). */
export function erasureTargets(identities: Identity[], settings: PushwooshMappingSettings): { userId?: string; hwids: string[] } {
  const raw = (type: string) => identities.filter((identity) => identity.type === type && identity.encoding === "raw" && identity.value.trim() !== "").map((identity) => identity.value);
  // The connector's user id is the customer id only under PUSHWOOSH_USER_ID=customer; an erasure carries no mpid.
  const userId = settings.userId === "customer" ? raw("controller_customer_id")[0] : undefined;
  const hwids = [...new Set(ERASURE_DEVICE_IDENTITIES.flatMap(raw))];
  return { ...(userId ? { userId } : {}), hwids };
}

function hasErasureTarget(event: MparticleEventOf<"erasure">, batch: NormalisedBatch, settings: PushwooshMappingSettings, checkSettings: boolean): boolean {
  const targets = erasureTargets(event.identities, settings);
  let reason: string | undefined;
  if (!targets.userId && targets.hwids.length === 0) reason = ERASURE_REASONS.noIdentity;
  else if (checkSettings && (!batch.accountSettings.applicationCode?.trim() || !batch.accountSettings.apiToken?.trim())) reason = ERASURE_REASONS.noSettings;
  if (reason === undefined) return true;
  logger.warn("erasure answered, not carried out", { requestId: batch.requestId, subjectRequestId: event.subjectRequestId, reason });
  count("erasureNotCarriedOut", reason);
  return false;
}

function hasMembershipChange(event: MparticleEventOf<"audience_membership">, settings: PushwooshMappingSettings): boolean {
  if (!userIdOf(event.identities, event.mpid, settings.userId)) {
    logger.warn("user profile has no customer id or mpid; its membership is not sent", { eventId: event.id });
    return false;
  }
  return event.audiences.some((audience) => audience.action !== "attribute_update" || audience.attributes.length > 0);
}

/**
 * The events of a batch Pushwoosh takes, plus one `user_attributes` event when the batch carries the user's
 * attributes: every batch carries them all, changed or not, eventless batches too (mParticle's Webhook sends
 * those by default, the Firehose when the module asks for them), so they become one setTags. A heartbeat
 * (no events, no attributes) takes nothing. `checkErasureSettings`: at ingest an erasure needs the account's
 * settings; a re-normalised parked document has them sealed in its work item instead.
 */
export function routedEvents(batch: NormalisedBatch, settings: PushwooshMappingSettings, checkErasureSettings = true): MparticleEvent[] {
  const hasUser = batch.user ? userIdOf(batch.user.identities, batch.user.mpid, settings.userId) !== undefined : false;
  if (batch.user && !hasUser && batch.events.length > 0) {
    logger.warn("batch has no customer id or mpid; its tags and events are not sent", { requestId: batch.requestId });
  }
  const events = batch.events.filter((event) =>
    event.type === "audience_membership" ? hasMembershipChange(event, settings)
    : event.type === "erasure" ? hasErasureTarget(event, batch, settings, checkErasureSettings)
    : takesEvent(event, hasUser),
  );
  const { user } = batch;
  if (hasUser && user && Object.keys(user.attributes).length + Object.keys(user.attributeLists).length > 0) {
    events.push({ id: `${batch.requestId}/attributes`, type: "user_attributes" });
  }
  return events;
}

/**
 * The route of this flow: the events Pushwoosh takes, and the context they need (credentials sealed
 * under the inbound mParticle token). Without credentials in the account settings the events are
 * returned with the error naming the missing setting, to be parked.
 */
export function pushwooshRoute(secret: string, settings = pushwooshMappingSettings()): MparticleRoute {
  return (batch: NormalisedBatch) => {
    const events = routedEvents(batch, settings);
    if (events.length === 0) return undefined;
    let credentials: PushwooshCredentials;
    try {
      credentials = credentialsFrom(batch.accountSettings);
    } catch (error) {
      return { flow: FLOW, destination: "pushwoosh", events, error: error as ValidationError };
    }
    if (events.some((event) => event.type === "audience_subscription") && !credentials.serverApiToken) {
      logger.info("no Pushwoosh server API token: the audience's segment is not managed", { requestId: batch.requestId });
      return undefined;
    }
    const context: PushwooshFlowContext = {
      credentials: sealCredentials(credentials, secret),
      serverApi: credentials.serverApiToken !== undefined,
      ...(batch.user ? { user: batch.user } : {}),
    };
    return { flow: FLOW, destination: "pushwoosh", context, events };
  };
}

// ---- Worker side: events → Pushwoosh calls.

type Call = MappedItem<PushwooshCall>;

/**
 * The user's tags: every attribute and attribute list the batch carries, typed per tag, plus `null` for the
 * keys its user_attribute_change events removed. The batch's attributes are the user's state: they win.
 */
function userTags(user: MparticleUser, changes: Array<MparticleEventOf<"user_attribute_change">>, settings: PushwooshMappingSettings): Tags {
  const tags: Tags = {};
  for (const change of changes) {
    for (const [key, added] of Object.entries(change.added)) setTag(tags, key, added, settings);
    for (const key of change.removed) if (key !== "") tags[key] = null;
  }
  for (const [key, value] of Object.entries(user.attributes)) setTag(tags, key, value, settings);
  for (const [key, list] of Object.entries(user.attributeLists)) setTag(tags, key, list, settings);
  return tags;
}

/** The hwid of the batch's device: its own id, else its token's hash, else that of a token it subscribed in the batch. */
function batchHwid(device: Device, events: Array<{ event: MparticleEvent }>): string | undefined {
  if (device.deviceId) return device.deviceId;
  if (device.token) return hwidFromToken(device.token.value);
  const subscribed = events.find(({ event }) => event.type === "push_subscription" && event.action === "subscribe");
  return subscribed?.event.type === "push_subscription" ? hwidFromToken(subscribed.event.token) : undefined;
}

/** A batch's events → setTags (one per user, all attributes), postEvent per event, registerDevice / unregisterDevice. */
function eventCalls(events: Array<{ id: string; event: MparticleEvent }>, user: MparticleUser, settings: PushwooshMappingSettings): Call[] {
  const userId = userIdOf(user.identities, user.mpid, settings.userId);
  const { device } = user;
  const hwid = batchHwid(device, events);
  const offset = device.timezoneSeconds ?? 0;
  const changes: Array<MparticleEventOf<"user_attribute_change">> = [];
  const tagEvents: string[] = [];
  const userCalls: Call[] = [];
  // Device calls by hwid: the batch's last word on a device wins.
  const deviceCalls = new Map<string, Call>();
  let deviceState: string | undefined;

  for (const { id, event } of events) {
    switch (event.type) {
      case "custom_event":
      case "screen_view": {
        if (!userId) break;
        const timestampUTC = Math.floor(event.timestampMs / 1000);
        const attributes = toTypedValues(event.attributes);
        const call: PushwooshCall = {
          method: "postEvent",
          userId,
          event: event.type === "custom_event" ? event.name : settings.screenViewEvent,
          attributes: event.type === "custom_event" || event.screenName === undefined ? attributes : { ...attributes, screen_name: event.screenName },
          timestampUTC,
          timestampCurrent: timestampUTC + offset,
        };
        // The reference marks hwid required; without it the event triggers no Customer Journey (user-centric-api).
        if (hwid) call.hwid = hwid;
        userCalls.push({ eventIds: [id], item: call });
        break;
      }
      case "user_attribute_change":
        changes.push(event);
        tagEvents.push(id);
        break;
      case "user_attributes":
        tagEvents.push(id);
        break;
      case "push_subscription": {
        const target = device.deviceId ?? hwidFromToken(event.token);
        const call = event.action === "subscribe"
          ? registration(device, event.token, device.token?.kind ?? TOKEN_KIND_OF_PLATFORM[device.platform], userId)
          : { method: "unregisterDevice" as const, hwid: target };
        if (call) deviceCalls.set(target, { eventIds: [id], item: call });
        break;
      }
      case "uninstall":
        // unregisterDevice removes the push token; the device record stays (device-api reference).
        if (hwid) deviceCalls.set(hwid, { eventIds: [id], item: { method: "unregisterDevice", hwid } });
        break;
      case "device_state":
        deviceState = id;
        break;
    }
  }
  // A token in the runtime environment keeps the device registered (and a changed token re-registered).
  if (deviceState && device.token && hwid && !deviceCalls.has(hwid)) {
    const call = registration(device, device.token.value, device.token.kind, userId);
    if (call) deviceCalls.set(hwid, { eventIds: [deviceState], item: call });
  }
  if (userId && tagEvents.length > 0) {
    const tags = userTags(user, changes, settings);
    if (Object.keys(tags).length > 0) userCalls.unshift({ eventIds: tagEvents, item: { method: "setTags", userId, tags } });
  }
  return [...userCalls, ...deviceCalls.values()];
}

/** An erasure → deleteUser for the connector's user id, unregisterDevice for each device id that is a hwid here. */
function erasureCalls(id: string, event: MparticleEventOf<"erasure">, settings: PushwooshMappingSettings): Call[] {
  const { userId, hwids } = erasureTargets(event.identities, settings);
  const calls: Call[] = hwids.map((hwid) => ({ eventIds: [id], item: { method: "unregisterDevice", hwid } }));
  if (userId) calls.unshift({ eventIds: [id], item: { method: "deleteUser", userId } });
  return calls;
}

interface MembershipChange {
  eventId: string;
  userId: string;
  append: string[];
  remove: string[];
  attributes: Tags;
}

function membershipChanges(events: Array<{ id: string; event: MparticleEventOf<"audience_membership"> }>, settings: PushwooshMappingSettings): MembershipChange[] {
  const changes: MembershipChange[] = [];
  for (const { id, event } of events) {
    const userId = userIdOf(event.identities, event.mpid, settings.userId);
    if (!userId) continue;
    const change: MembershipChange = { eventId: id, userId, append: [], remove: [], attributes: {} };
    for (const audience of event.audiences) {
      if (audience.action === "add") change.append.push(audience.audienceName);
      else if (audience.action === "delete") change.remove.push(audience.audienceName);
      for (const attribute of audience.attributes) {
        if (attribute.action === "delete") change.attributes[attribute.key] = null;
        else setTag(change.attributes, attribute.key, attribute.listValue ?? attribute.value ?? "", settings);
      }
    }
    changes.push(change);
  }
  return changes;
}

function bulkDevices(change: MembershipChange, tag: string): BulkDevice[] {
  const { userId, append, remove, attributes } = change;
  const devices: BulkDevice[] = [];
  if (remove.length > 0) devices.push({ user_id: userId, list_operator: "remove", tags: { [tag]: remove } });
  if (append.length > 0) devices.push({ user_id: userId, list_operator: "append", tags: { [tag]: append } });
  if (Object.keys(attributes).length > 0) devices.push({ user_id: userId, list_operator: "set", tags: attributes });
  return devices;
}

/**
 * Membership lives in one List tag per user, edited with append / remove. From BULK_THRESHOLD device
 * entries on (and with the server API token) it goes as bulkSetTags; else as setTags per user.
 */
function membershipCalls(changes: MembershipChange[], serverApi: boolean, tag: string): Call[] {
  const entries = changes.flatMap((change) => bulkDevices(change, tag).map((device) => ({ eventId: change.eventId, device })));
  const calls: Call[] = [];
  if (serverApi && entries.length >= BULK_THRESHOLD) {
    for (let start = 0; start < entries.length; start += BULK_CHUNK) {
      const chunk = entries.slice(start, start + BULK_CHUNK);
      calls.push({ eventIds: [...new Set(chunk.map((entry) => entry.eventId))], item: { method: "bulkSetTags", devices: chunk.map((entry) => entry.device) } });
    }
    return calls;
  }
  for (const { eventId, userId, append, remove, attributes } of changes) {
    // A tag takes one list edit per call, so a user who leaves and joins audiences needs two.
    if (remove.length > 0) calls.push({ eventIds: [eventId], item: { method: "setTags", userId, tags: { [tag]: { operation: "remove", value: remove } } } });
    const tags: Tags = { ...attributes };
    if (append.length > 0) tags[tag] = { operation: "append", value: append };
    if (Object.keys(tags).length > 0) calls.push({ eventIds: [eventId], item: { method: "setTags", userId, tags } });
  }
  return calls;
}

/**
 * A document parked at ingest, normalised again with the source's parsers deployed now, → its calls, each
 * standing for the parked event. Throws the ValidationError while the document still cannot be read.
 */
function rawDocumentCalls(id: string, event: MparticleEventOf<"raw_document">, serverApi: boolean, settings: PushwooshMappingSettings): Call[] {
  const batch = normaliseRawDocument(event.door, event.document, Date.now());
  const events = routedEvents(batch, settings, false).filter((routed) => serverApi || routed.type !== "audience_subscription");
  const calls = pushwooshCalls(events.map((routed) => ({ id: routed.id, event: routed })), { serverApi, ...(batch.user ? { user: batch.user } : {}) }, settings);
  return calls.map((call) => ({ eventIds: [id], item: call.item }));
}

/** Pure: one message's events → Pushwoosh calls, each naming the events it stands for. */
export function pushwooshCalls(events: Array<{ id: string; event: MparticleEvent }>, context: Omit<PushwooshFlowContext, "credentials">, settings: PushwooshMappingSettings): Call[] {
  const calls: Call[] = [];
  for (const { id, event } of events) if (event.type === "raw_document") calls.push(...rawDocumentCalls(id, event, context.serverApi, settings));
  if (context.user) calls.push(...eventCalls(events, context.user, settings));
  for (const { id, event } of events) {
    if (event.type === "erasure") calls.push(...erasureCalls(id, event, settings));
    if (event.type !== "audience_subscription") continue;
    const name = segmentName(event.audienceName);
    const call: PushwooshCall = event.action === "remove"
      ? { method: "deleteFilter", name }
      : { method: "createFilter", name, tagName: settings.audienceTag, tagValue: event.audienceName };
    calls.push({ eventIds: [id], item: call });
  }
  const memberships = events.filter((entry): entry is { id: string; event: MparticleEventOf<"audience_membership"> } => entry.event.type === "audience_membership");
  calls.push(...membershipCalls(membershipChanges(memberships, settings), context.serverApi, settings.audienceTag));
  return calls;
}

/** mParticle (Firehose events and audiences) → Pushwoosh: tags, events, devices and audience segments. */
export const mparticleToPushwoosh = defineFlow({
  name: FLOW,
  destination: "pushwoosh",
  eventSchema: mparticleEventSchema,
  contextSchema,
  map: (events, context): MappedItem<PushwooshPayload>[] =>
    pushwooshCalls(events, context, pushwooshMappingSettings()).map(({ eventIds, item }) => ({ eventIds, item: { credentials: context.credentials, call: item } })),
});
