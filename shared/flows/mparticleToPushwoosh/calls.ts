import type { BulkDevice, PushwooshCall, Tags } from "../../destinations/pushwoosh/schema.js";
import { normaliseRawDocument } from "../../sources/mparticle/rawDocument.js";
import type { Device, MparticleEvent, MparticleEventOf, MparticleUser } from "../../sources/mparticle/model.js";
import type { MappedItem } from "../flow.js";
import type { PushwooshFlowContext } from "./context.js";
import { erasureTargets, routedEvents } from "./route.js";
import type { PushwooshMappingSettings } from "./settings.js";
import { setTag, toTypedValues } from "./tags.js";
import { TOKEN_KIND_OF_PLATFORM, deviceRegistration, hwidFromToken, segmentName, userIdOf } from "./users.js";

// Worker side: events → Pushwoosh calls.

/** Bulk membership pays off from this many device entries (Pushwoosh's advice for bulkSetTags). */
const BULK_THRESHOLD = 50;
/** Device entries per bulkSetTags call. */
const BULK_CHUNK = 500;

/** A call, the events it stands for and, for a user's tags, when they were true (its merge order: mergeTags.ts). */
type Call = MappedItem<PushwooshCall> & { eventTimeMs?: number };

/** The latest event time of a batch: the moment its user attributes describe. */
function latestEventTime(events: Array<{ event: MparticleEvent }>): number | undefined {
  let latest: number | undefined;
  for (const { event } of events) if ("timestampMs" in event && (latest === undefined || event.timestampMs > latest)) latest = event.timestampMs;
  return latest;
}

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

/** A custom event or screen view → postEvent, on the device's wall clock as well as in UTC. */
function postEventCall(
  event: MparticleEventOf<"custom_event" | "screen_view">,
  userId: string,
  hwid: string | undefined,
  device: Device,
  settings: PushwooshMappingSettings,
): PushwooshCall {
  const timestampUTC = Math.floor(event.timestampMs / 1000);
  const attributes = toTypedValues(event.attributes);
  const call: PushwooshCall = {
    method: "postEvent",
    userId,
    event: event.type === "custom_event" ? event.name : settings.screenViewEvent,
    attributes: event.type === "custom_event" || event.screenName === undefined ? attributes : { ...attributes, screen_name: event.screenName },
    timestampUTC,
    timestampCurrent: timestampUTC + (device.timezoneSeconds ?? 0),
  };
  // The reference marks hwid required; without it the event triggers no Customer Journey (user-centric-api).
  if (hwid) call.hwid = hwid;
  return call;
}

/** A push subscription → registerDevice or unregisterDevice, by the hwid it is about. */
function subscriptionCall(event: MparticleEventOf<"push_subscription">, device: Device, userId: string | undefined): { hwid: string; call?: PushwooshCall } {
  const hwid = device.deviceId ?? hwidFromToken(event.token);
  if (event.action !== "subscribe") return { hwid, call: { method: "unregisterDevice", hwid } };
  return { hwid, call: deviceRegistration(device, event.token, device.token?.kind ?? TOKEN_KIND_OF_PLATFORM[device.platform], userId) };
}

/**
 * A batch's events → setTags (one per user, all attributes, dated by the batch's latest event), postEvent per
 * event, registerDevice / unregisterDevice.
 */
function eventCalls(events: Array<{ id: string; event: MparticleEvent }>, user: MparticleUser, settings: PushwooshMappingSettings): Call[] {
  const userId = userIdOf(user.identities, user.mpid, settings.userId);
  const { device } = user;
  const hwid = batchHwid(device, events);
  const changes: Array<MparticleEventOf<"user_attribute_change">> = [];
  const tagEvents: string[] = [];
  const userCalls: Call[] = [];
  // Device calls by hwid: the batch's last word on a device wins.
  const deviceCalls = new Map<string, Call>();
  let deviceState: string | undefined;

  for (const { id, event } of events) {
    switch (event.type) {
      case "custom_event":
      case "screen_view":
        if (userId) userCalls.push({ eventIds: [id], item: postEventCall(event, userId, hwid, device, settings) });
        break;
      case "user_attribute_change":
        changes.push(event);
        tagEvents.push(id);
        break;
      case "user_attributes":
        tagEvents.push(id);
        break;
      case "push_subscription": {
        const { hwid: target, call } = subscriptionCall(event, device, userId);
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
      // Not the user's own events: pushwooshCalls maps each of these by itself.
      case "erasure":
      case "audience_subscription":
      case "audience_membership":
      case "raw_document":
    }
  }
  // A token in the runtime environment keeps the device registered (and a changed token re-registered).
  if (deviceState && device.token && hwid && !deviceCalls.has(hwid)) {
    const call = deviceRegistration(device, device.token.value, device.token.kind, userId);
    if (call) deviceCalls.set(hwid, { eventIds: [deviceState], item: call });
  }
  if (userId && tagEvents.length > 0) {
    const tags = userTags(user, changes, settings);
    const eventTimeMs = latestEventTime(events);
    const call: Call = { eventIds: tagEvents, item: { method: "setTags", userId, tags }, ...(eventTimeMs === undefined ? {} : { eventTimeMs }) };
    if (Object.keys(tags).length > 0) userCalls.unshift(call);
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

function membershipChanges(
  events: Array<{ id: string; event: MparticleEventOf<"audience_membership"> }>,
  settings: PushwooshMappingSettings,
): MembershipChange[] {
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
  const calls = pushwooshCalls(
    events.map((routed) => ({ id: routed.id, event: routed })),
    { serverApi, ...(batch.user ? { user: batch.user } : {}) },
    settings,
  );
  return calls.map((call) => ({ ...call, eventIds: [id] }));
}

/** Pure: one message's events → Pushwoosh calls, each naming the events it stands for. */
export function pushwooshCalls(
  events: Array<{ id: string; event: MparticleEvent }>,
  context: Omit<PushwooshFlowContext, "credentials">,
  settings: PushwooshMappingSettings,
): Call[] {
  const calls: Call[] = [];
  for (const { id, event } of events) if (event.type === "raw_document") calls.push(...rawDocumentCalls(id, event, context.serverApi, settings));
  if (context.user) calls.push(...eventCalls(events, context.user, settings));
  for (const { id, event } of events) {
    if (event.type === "erasure") calls.push(...erasureCalls(id, event, settings));
    if (event.type !== "audience_subscription") continue;
    const name = segmentName(event.audienceName);
    const call: PushwooshCall =
      event.action === "remove"
        ? { method: "deleteFilter", name }
        : { method: "createFilter", name, tagName: settings.audienceTag, tagValue: event.audienceName };
    calls.push({ eventIds: [id], item: call });
  }
  const memberships = events.filter(
    (entry): entry is { id: string; event: MparticleEventOf<"audience_membership"> } => entry.event.type === "audience_membership",
  );
  calls.push(...membershipCalls(membershipChanges(memberships, settings), context.serverApi, settings.audienceTag));
  return calls;
}
