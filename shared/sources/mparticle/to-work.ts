import { loadSecrets } from "../../config/secrets.js";
import { ValidationError } from "../../errors.js";
import { sealCredentials } from "../../destinations/pushwoosh/credentials.js";
import { deviceTypeFor, hwidFromToken, toTypedValue, toTypedValues, type Platform, type TokenKind } from "../../destinations/pushwoosh/map.js";
import type { BulkDevice, PushwooshCall, PushwooshCredentials, PushwooshPayload, RegisterDeviceCall, Tags } from "../../destinations/pushwoosh/schema.js";
import { pushwooshMappingSettings, type PushwooshMappingSettings } from "../../destinations/pushwoosh/settings.js";
import { logger } from "../../observability.js";
import { deriveWorkItemId, type WorkItem } from "../../queue/workItem.js";
import type {
  AudienceMembershipChangeRequest,
  AudienceSubscriptionRequest,
  EventProcessingRequest,
  FirehoseResponse,
  Identity,
  RuntimeEnvironment,
} from "./schema.js";

/** Bulk membership pays off from this many device entries (Pushwoosh's advice for bulkSetTags). */
export const BULK_THRESHOLD = 50;
/** Device entries per bulkSetTags work item, to stay far below SQS's 256 KB message limit. */
export const BULK_CHUNK = 500;

export interface WorkContext {
  correlationId: string;
  /** The inbound mParticle token: the key material that seals the credentials. */
  secret: string;
  settings: PushwooshMappingSettings;
  receivedAt: string;
}

/** The token mParticle presents on events and audiences; it also keys the credential seal. */
export async function inboundMparticleToken(): Promise<string> {
  return (await loadSecrets()).inbound.mparticleToken;
}

export async function workContext(correlationId: string): Promise<WorkContext> {
  return {
    correlationId,
    secret: await inboundMparticleToken(),
    settings: pushwooshMappingSettings(),
    receivedAt: new Date().toISOString(),
  };
}

/** The matching `*_response`, with the request's id and version. */
export function responseTo(request: { type: string; id: string; firehose_version: string }, now = Date.now()): FirehoseResponse {
  return { type: request.type.replace(/_request$/, "_response"), id: request.id, timestamp_ms: now, firehose_version: request.firehose_version };
}

interface PlannedCall {
  /** mParticle ids that identify this call, for a deterministic work item id. */
  idParts: Array<string | number>;
  call: PushwooshCall;
}

function credentialsFrom(settings: Record<string, string>): PushwooshCredentials {
  const value = (id: string) => settings[id]?.trim() || undefined;
  const applicationCode = value("applicationCode");
  const apiToken = value("apiToken");
  if (!applicationCode) throw new ValidationError("account.account_settings.applicationCode is required", { field: "account.account_settings.applicationCode" });
  if (!apiToken) throw new ValidationError("account.account_settings.apiToken is required", { field: "account.account_settings.apiToken" });
  const serverApiToken = value("serverApiToken");
  return serverApiToken ? { applicationCode, apiToken, serverApiToken } : { applicationCode, apiToken };
}

function toWorkItems(calls: PlannedCall[], credentials: PushwooshCredentials, context: WorkContext): WorkItem[] {
  if (calls.length === 0) return [];
  // One seal per request: every item of it carries the same ciphertext of the same credentials.
  const sealed = sealCredentials(credentials, context.secret);
  return calls.map(({ idParts, call }) => {
    const payload: PushwooshPayload = { credentials: sealed, call };
    return {
      workItemId: deriveWorkItemId("pushwoosh", call.method, ...idParts),
      destination: "pushwoosh",
      correlationId: context.correlationId,
      receivedAt: context.receivedAt,
      payload,
    };
  });
}

/** The Pushwoosh user id: the raw customer id (unless configured to `mpid`), else the mpid; never a hash. */
export function userIdOf(identities: Identity[], mpid: string | undefined, choice: PushwooshMappingSettings["userId"]): string | undefined {
  if (choice === "customer") {
    const customer = identities.find((identity) => identity.type === "customer" && identity.encoding === "raw" && identity.value.trim() !== "");
    if (customer) return customer.value;
  }
  return mpid;
}

function rawIdentity(identities: Identity[], type: string): string | undefined {
  return identities.find((identity) => identity.type === type && identity.encoding === "raw" && identity.value !== "")?.value;
}

interface Device {
  platform: Platform;
  /** The device's own id (IDFV, Android id), which Pushwoosh SDKs also use as hwid. */
  deviceId?: string;
  /** A push token the runtime environment carries. */
  token?: { value: string; kind: TokenKind };
  userAgent?: string;
  timezone?: number;
  language?: string;
}

const PLATFORMS: Record<string, Platform> = { ios: "ios", android: "android", mobileweb: "web" };

function deviceOf(environment: RuntimeEnvironment): Device {
  const platform = PLATFORMS[environment.type] ?? "other";
  const ids = environment.identities;
  const apns = rawIdentity(ids, "apple_push_notification_token");
  const fcm = rawIdentity(ids, "google_cloud_messaging_token");
  const token = apns ? { value: apns, kind: "apns" as const }
    : fcm ? { value: fcm, kind: "fcm" as const }
    : environment.push_token ? { value: environment.push_token, kind: "web" as const }
    : undefined;
  return {
    platform,
    deviceId: platform === "ios" ? rawIdentity(ids, "ios_vendor_id") : platform === "android" ? rawIdentity(ids, "android_id") : undefined,
    token,
    userAgent: environment.http_header_user_agent,
    timezone: environment.timezone_offset === undefined ? undefined : Math.round(environment.timezone_offset * 3600),
    language: environment.locale_language || undefined,
  };
}

const TOKEN_KIND_OF_PLATFORM: Record<Platform, TokenKind | undefined> = { ios: "apns", android: "fcm", web: "web", other: undefined };

function registration(device: Device, token: string, kind: TokenKind | undefined, userId: string | undefined): RegisterDeviceCall | undefined {
  const deviceType = deviceTypeFor(device.platform, kind, device.userAgent);
  if (deviceType === undefined) return undefined;
  const call: RegisterDeviceCall = { method: "registerDevice", hwid: device.deviceId ?? hwidFromToken(token), push_token: token, device_type: deviceType };
  if (userId) call.userId = userId;
  if (device.timezone !== undefined) call.timezone = device.timezone;
  if (device.language) call.language = device.language;
  return call;
}

/** An event batch → setTags (one per user), postEvent per event, registerDevice / unregisterDevice. */
export function eventProcessingWork(request: EventProcessingRequest, context: WorkContext): WorkItem[] {
  // A heartbeat: mParticle checks we are alive; whatever its runtime environment says is not news.
  if (request.events.length === 0) return [];
  const { settings } = context;
  const userId = userIdOf(request.user_identities, request.mpid, settings.userId);
  const device = deviceOf(request.runtime_environment);
  const hwid = device.deviceId ?? (device.token ? hwidFromToken(device.token.value) : undefined);
  const offset = device.timezone ?? 0;
  const tags: Tags = {};
  const userCalls: PlannedCall[] = [];
  // Device calls by hwid: the batch's last word on a device wins.
  const deviceCalls = new Map<string, PlannedCall>();

  for (const event of request.events) {
    switch (event.type) {
      case "custom_event":
      case "screen_view": {
        if (!userId) break;
        const timestampUTC = Math.floor(event.timestamp_ms / 1000);
        const attributes = toTypedValues(event.attributes);
        const call: PushwooshCall = {
          method: "postEvent",
          userId,
          event: event.type === "custom_event" ? event.name : settings.screenViewEvent,
          attributes: event.type === "custom_event" ? attributes : { ...attributes, screen_name: event.screen_name },
          timestampUTC,
          timestampCurrent: timestampUTC + offset,
        };
        if (hwid) call.hwid = hwid;
        userCalls.push({ idParts: [event.id], call });
        break;
      }
      case "user_attribute_change":
        for (const [key, added] of Object.entries(event.added)) {
          tags[key] = request.user_attribute_lists[key] ?? toTypedValue(request.user_attributes[key] ?? added);
        }
        for (const key of Object.keys(event.removed)) tags[key] = null;
        break;
      case "push_subscription": {
        const target = device.deviceId ?? hwidFromToken(event.token);
        const call = event.action === "subscribe"
          ? registration(device, event.token, device.token?.kind ?? TOKEN_KIND_OF_PLATFORM[device.platform], userId)
          : { method: "unregisterDevice" as const, hwid: target };
        if (call) deviceCalls.set(target, { idParts: [event.id], call });
        break;
      }
      case "application_state_transition":
        if (event.application_state === "uninstall" && hwid) {
          deviceCalls.set(hwid, { idParts: [event.id], call: { method: "unregisterDevice", hwid } });
        }
        break;
      default:
        break;
    }
  }
  // A token in the runtime environment keeps the device registered (and a changed token re-registered).
  if (device.token && hwid && !deviceCalls.has(hwid)) {
    const call = registration(device, device.token.value, device.token.kind, userId);
    if (call) deviceCalls.set(hwid, { idParts: [request.id, hwid], call });
  }
  if (userId && Object.keys(tags).length > 0) userCalls.unshift({ idParts: [request.id, userId], call: { method: "setTags", userId, tags } });
  if (!userId) logger.warn("batch has no customer id or mpid; its tags and events are not sent", { requestId: request.id });

  const calls = [...userCalls, ...deviceCalls.values()];
  return calls.length === 0 ? [] : toWorkItems(calls, credentialsFrom(request.account.account_settings), context);
}

/** The Pushwoosh segment (filter) of an mParticle audience. */
export function segmentName(audienceName: string): string {
  return `mParticle: ${audienceName}`;
}

/** add / update → createFilter on the membership tag; remove → deleteFilter. Needs the server API token. */
export function audienceSubscriptionWork(request: AudienceSubscriptionRequest, context: WorkContext): WorkItem[] {
  const credentials = credentialsFrom(request.account.account_settings);
  if (!credentials.serverApiToken) {
    logger.info("no Pushwoosh server API token: the audience's segment is not managed", { audienceId: request.audience_id });
    return [];
  }
  const name = segmentName(request.audience_name);
  const call: PushwooshCall = request.action === "remove"
    ? { method: "deleteFilter", name }
    : { method: "createFilter", name, tagName: context.settings.audienceTag, tagValue: request.audience_name };
  return toWorkItems([{ idParts: [request.audience_id, request.action, request.id], call }], credentials, context);
}

interface MembershipChange {
  userId: string;
  append: string[];
  remove: string[];
  attributes: Tags;
}

function membershipChanges(request: AudienceMembershipChangeRequest, settings: PushwooshMappingSettings): MembershipChange[] {
  const changes: MembershipChange[] = [];
  for (const profile of request.user_profiles) {
    const userId = userIdOf(profile.user_identities, profile.mpid, settings.userId);
    if (!userId) {
      logger.warn("user profile has no customer id or mpid; its membership is not sent", { requestId: request.id });
      continue;
    }
    const change: MembershipChange = { userId, append: [], remove: [], attributes: {} };
    for (const audience of profile.audiences) {
      if (audience.action === "add") change.append.push(audience.audience_name);
      else if (audience.action === "delete") change.remove.push(audience.audience_name);
      for (const attribute of audience.user_attributes) {
        change.attributes[attribute.key] = attribute.action === "delete" ? null : (attribute.list_value ?? toTypedValue(attribute.value ?? ""));
      }
    }
    changes.push(change);
  }
  return changes;
}

function bulkDevices(changes: MembershipChange[], tag: string): BulkDevice[] {
  return changes.flatMap(({ userId, append, remove, attributes }) => {
    const devices: BulkDevice[] = [];
    if (remove.length > 0) devices.push({ user_id: userId, list_operator: "remove", tags: { [tag]: remove } });
    if (append.length > 0) devices.push({ user_id: userId, list_operator: "append", tags: { [tag]: append } });
    if (Object.keys(attributes).length > 0) devices.push({ user_id: userId, list_operator: "set", tags: attributes });
    return devices;
  });
}

/**
 * Membership lives in one List tag per user, edited with append / remove. From BULK_THRESHOLD device
 * entries on (and with the server API token) it goes as bulkSetTags; else as setTags per user.
 */
export function audienceMembershipWork(request: AudienceMembershipChangeRequest, context: WorkContext): WorkItem[] {
  const changes = membershipChanges(request, context.settings);
  const tag = context.settings.audienceTag;
  const devices = bulkDevices(changes, tag);
  if (devices.length === 0) return [];
  const credentials = credentialsFrom(request.account.account_settings);
  const calls: PlannedCall[] = [];
  if (credentials.serverApiToken && devices.length >= BULK_THRESHOLD) {
    for (let start = 0; start < devices.length; start += BULK_CHUNK) {
      calls.push({ idParts: [request.id, start], call: { method: "bulkSetTags", devices: devices.slice(start, start + BULK_CHUNK) } });
    }
  } else {
    for (const { userId, append, remove, attributes } of changes) {
      // A tag takes one list edit per call, so a user who leaves and joins audiences needs two.
      if (remove.length > 0) calls.push({ idParts: [request.id, userId, "remove"], call: { method: "setTags", userId, tags: { [tag]: { operation: "remove", value: remove } } } });
      const tags: Tags = { ...attributes };
      if (append.length > 0) tags[tag] = { operation: "append", value: append };
      if (Object.keys(tags).length > 0) calls.push({ idParts: [request.id, userId, "append"], call: { method: "setTags", userId, tags } });
    }
  }
  return toWorkItems(calls, credentials, context);
}
