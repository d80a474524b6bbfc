import { createHash } from "node:crypto";
import { isConfiguredSecretValue, loadSecrets, unconfiguredPushwooshCredentials } from "../../config/secrets.js";
import { refuseUnconfigured } from "../../http/ingest.js";
import type { AcceptedWork } from "../../queue/ingest.js";
import { ValidationError } from "../../errors.js";
import { accept, type MparticleAcceptContext } from "./accept.js";
import {
  EVENTS_API_EVENT_TYPES,
  eventsApiBatchSchema,
  MAX_BATCHES_PER_REQUEST,
  type AttributeValue,
  type DeviceInfo,
  type EventsApiBatch,
} from "./eventsApiBatch.js";
import type { Device, Identity, MparticleEvent, NormalisedBatch, Platform, TokenKind } from "./model.js";

/**
 * The mParticle Webhook output (docs.mparticle.com/integrations/webhook): Events API JSON batches →
 * the normalised model, the same one the Firehose normalises to, so one flow maps both doors.
 */

/** The Authorization value the Webhook output presents; it also seals this door's Pushwoosh credentials. */
export async function inboundWebhookAuthorization(): Promise<string> {
  const value = (await loadSecrets()).inbound.mparticleWebhookAuthorization;
  if (!isConfiguredSecretValue(value)) refuseUnconfigured("inbound.mparticleWebhookAuthorization");
  return value;
}

/**
 * The Pushwoosh application of this door, from the secret document, as the account settings the flow
 * reads. Refuses the request with 503 naming the first unconfigured field (fail closed).
 */
export async function webhookAccountSettings(): Promise<Record<string, string>> {
  const { pushwoosh } = await loadSecrets();
  const [unconfigured] = unconfiguredPushwooshCredentials(pushwoosh);
  if (unconfigured || !pushwoosh) refuseUnconfigured(unconfigured ?? "pushwoosh.applicationCode");
  const settings: Record<string, string> = { applicationCode: pushwoosh.applicationCode.trim(), apiToken: pushwoosh.apiToken.trim() };
  if (isConfiguredSecretValue(pushwoosh.serverApiToken)) settings.serverApiToken = pushwoosh.serverApiToken.trim();
  return settings;
}

/** A batch as it came, with the key its event ids derive from. */
export interface WebhookBatch {
  batch: EventsApiBatch;
  /** A hash of the batch's JSON: a retried batch (the same document) gets the same event and work item ids. */
  key: string;
}

/** The Webhook body (one batch or an array of batches) → its batches; a 400 names the field, e.g. `1.events.0.data.event_name`. */
export function parseWebhookBody(json: unknown): WebhookBatch[] {
  const documents = Array.isArray(json) ? json : [json];
  if (Array.isArray(json) && json.length > MAX_BATCHES_PER_REQUEST) {
    throw new ValidationError(`body: ${json.length} batches, more than the limit of ${MAX_BATCHES_PER_REQUEST} per request`, { field: "body" });
  }
  return documents.map((document, index) => {
    const parsed = eventsApiBatchSchema.safeParse(document);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = [...(Array.isArray(json) ? [index] : []), ...(issue?.path ?? [])];
      const field = path.length > 0 ? path.join(".") : "body";
      throw new ValidationError(`${field}: ${issue?.message ?? "invalid"}`, { field });
    }
    return { batch: parsed.data, key: createHash("sha256").update(JSON.stringify(document)).digest("hex").slice(0, 32) };
  });
}

const PLATFORMS: Record<string, Platform> = { ios: "ios", android: "android", web: "web" };
const TOKEN_KINDS: Partial<Record<Platform, TokenKind>> = { ios: "apns", android: "fcm", web: "web" };

function deviceOf(info: DeviceInfo | null | undefined): Device {
  const platform = PLATFORMS[(info?.platform ?? "").toLowerCase()] ?? "other";
  const kind = TOKEN_KINDS[platform];
  const deviceId = platform === "ios" ? info?.ios_idfv : platform === "android" ? info?.android_uuid : undefined;
  return {
    platform,
    ...(deviceId ? { deviceId } : {}),
    ...(info?.push_token && kind ? { token: { value: info.push_token, kind } } : {}),
    ...(info?.http_header_user_agent !== undefined ? { userAgent: info.http_header_user_agent } : {}),
    ...(typeof info?.timezone_offset === "number" ? { timezoneSeconds: Math.round(info.timezone_offset * 3600) } : {}),
    ...(info?.locale_language ? { language: info.locale_language } : {}),
  };
}

/** Events API identity names → the Firehose's identity types (the user id rule reads `customer`). */
const IDENTITY_TYPES: Record<string, string> = { customer_id: "customer", other_id_2: "other2", other_id_3: "other3", other_id_4: "other4" };

function identitiesOf(userIdentities: EventsApiBatch["user_identities"]): Identity[] {
  return Object.entries(userIdentities ?? {})
    .filter(([, value]) => value !== null && String(value).trim() !== "")
    .map(([name, value]) => ({ type: IDENTITY_TYPES[name] ?? name, encoding: "raw" as const, value: String(value) }));
}

/** mParticle attribute values are strings (typed later by the flow); lists stay lists; null means none. */
function stringValues(values: Record<string, AttributeValue> | null | undefined): { scalars: Record<string, string>; lists: Record<string, string[]> } {
  const scalars: Record<string, string> = {};
  const lists: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(values ?? {})) {
    if (Array.isArray(value)) lists[key] = value.filter((item) => item !== null).map(String);
    else if (value !== null) scalars[key] = String(value);
  }
  return { scalars, lists };
}

/** Why an event is not sent to Pushwoosh, as counted in the answer's `skipped`. */
function skipReason(eventType: string): string {
  return EVENTS_API_EVENT_TYPES.has(eventType) ? eventType : "unknown_event_type";
}

export interface NormalisedWebhookBatch {
  batch: NormalisedBatch;
  /** Events in the batch as sent. */
  events: number;
  /** Model events that stand for events as sent (not the batch's device or deleted attributes). */
  sourceEventIds: Set<string>;
  /** Events not sent to Pushwoosh, by reason (their event type). */
  skipped: Record<string, number>;
}

/**
 * One Events API batch → the normalised model. `custom_event`, `screen_view` and `uninstall` as they are,
 * `push_registration` as a push subscription, `user_attribute_change` and `deleted_user_attributes` as
 * attribute changes; the device's push token as the batch's device state (when the batch has events).
 * Other event types (sessions, commerce, crashes, ...) are counted as skipped. Pure.
 */
export function normaliseWebhookBatch({ batch, key }: WebhookBatch, accountSettings: Record<string, string>, receivedAtMs: number): NormalisedWebhookBatch {
  const device = deviceOf(batch.device_info);
  const { scalars: attributes, lists: attributeLists } = stringValues(batch.user_attributes);
  const batchTime = batch.timestamp_unixtime_ms ?? receivedAtMs;
  const rawEvents = batch.events ?? [];
  const events: MparticleEvent[] = [];
  const sourceEventIds = new Set<string>();
  const skipped: Record<string, number> = {};
  const seen = new Set<string>();

  rawEvents.forEach((event, index) => {
    if ("other" in event) {
      const reason = skipReason(event.event_type);
      skipped[reason] = (skipped[reason] ?? 0) + 1;
      return;
    }
    const ownId = event.data.source_message_id;
    // mParticle's own id when it has one (and it is unique here), else the batch's key and the position.
    const id = ownId && !seen.has(ownId) ? ownId : `${key}:${index}`;
    seen.add(id);
    sourceEventIds.add(id);
    const timestampMs = event.data.timestamp_unixtime_ms ?? batchTime;
    switch (event.event_type) {
      case "custom_event":
        events.push({ id, timestampMs, type: "custom_event", name: event.data.event_name, attributes: stringValues(event.data.custom_attributes).scalars });
        break;
      case "screen_view":
        events.push({ id, timestampMs, type: "screen_view", screenName: event.data.screen_name, attributes: stringValues(event.data.custom_attributes).scalars });
        break;
      case "push_registration":
        events.push({ id, timestampMs, type: "push_subscription", action: event.data.register ? "subscribe" : "unsubscribe", token: event.data.registration_token });
        break;
      case "uninstall":
        events.push({ id, timestampMs, type: "uninstall" });
        break;
      case "user_attribute_change": {
        const { user_attribute_name: name, new: value, deleted } = event.data;
        const removed = deleted === true || value === null || value === undefined;
        const list = Array.isArray(value) ? value.filter((item) => item !== null).map(String) : undefined;
        // The change's value is the user's latest when the batch's own attributes lack it.
        if (!removed && list) attributeLists[name] ??= list;
        else if (!removed) attributes[name] ??= String(value);
        const added = removed ? {} : { [name]: list ? list.join(",") : String(value) };
        events.push({ id, timestampMs, type: "user_attribute_change", added, removed: removed ? [name] : [] });
        break;
      }
    }
  });

  const deleted = (batch.deleted_user_attributes ?? []).filter((name) => name !== "");
  if (deleted.length > 0) events.push({ id: `${key}:deleted_user_attributes`, timestampMs: batchTime, type: "user_attribute_change", added: {}, removed: deleted });
  // The device's push token is news about the device whenever the batch has events (as on the Firehose).
  if (rawEvents.length > 0 && device.token) events.push({ id: `${key}:device`, type: "device_state" });

  const user = {
    ...(batch.mpid ? { mpid: batch.mpid } : {}),
    identities: identitiesOf(batch.user_identities),
    attributes,
    attributeLists,
    device,
  };
  return { batch: { requestId: key, events, user, accountSettings }, events: rawEvents.length, sourceEventIds, skipped };
}

/** The answer to the Webhook output: counts only (mParticle reads nothing but the status). */
export interface WebhookSummary {
  batches: number;
  events: number;
  workItems: number;
  skipped: Record<string, number>;
}

/**
 * Normalised batches → the work for the queue, and the summary (less the work item count, known once
 * enqueued). An event no flow takes (a user with neither customer id nor mpid) is skipped as `no_user_id`. Pure.
 */
export function acceptWebhookBatches(batches: NormalisedWebhookBatch[], context: MparticleAcceptContext): AcceptedWork & { summary: Omit<WebhookSummary, "workItems"> } {
  const workItems = batches.flatMap((normalised) => accept(normalised.batch, context).workItems);
  const taken = new Set(workItems.flatMap((item) => item.events.map((event) => event.id)));
  const skipped: Record<string, number> = {};
  for (const normalised of batches) {
    for (const [reason, count] of Object.entries(normalised.skipped)) skipped[reason] = (skipped[reason] ?? 0) + count;
    const notTaken = [...normalised.sourceEventIds].filter((id) => !taken.has(id)).length;
    if (notTaken > 0) skipped.no_user_id = (skipped.no_user_id ?? 0) + notTaken;
  }
  return {
    workItems,
    rejected: [],
    summary: { batches: batches.length, events: batches.reduce((sum, normalised) => sum + normalised.events, 0), skipped },
  };
}
