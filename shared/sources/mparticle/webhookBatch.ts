import { ValidationError, validationErrorOf } from "../../errors.js";
import { documentKey, rawDocumentBatch, textKey } from "./accept.js";
import {
  EVENTS_API_EVENT_TYPES,
  eventsApiBatchSchema,
  eventsApiEventSchema,
  MAX_BATCHES_PER_REQUEST,
  parseEventsApiJson,
  type AttributeValue,
  type DeviceInfo,
  type EventsApiBatch,
  type EventsApiEvent,
  type UsedEventsApiEvent,
} from "./eventsApiBatch.js";
import { schemaOnly, type FastReader } from "../../jsonShape.js";
import { webhookReaders } from "./eventsApiReader.js";
import { normalisePushToken, type Device, type EventFailure, type MparticleEvent, type NormalisedBatch, type Platform, type TokenKind } from "./model.js";
import type { Identity } from "./schema.js";
import type { JsonScan } from "../../http/jsonScan.js";

/**
 * mParticle's JSON batches as its Webhook output POSTs them (docs.mparticle.com/integrations/webhook, in
 * the outgoing JSON of docs.mparticle.com/developers/server/json-reference) → the normalised model, the
 * same one the Firehose normalises to, so one flow maps both doors. Pure: the worker uses it too, to
 * normalise again a batch parked at ingest.
 */

/** A batch as it came, read, with the key its event ids derive from. */
export interface WebhookBatch {
  batch: EventsApiBatch;
  /** The batch's JSON as parsed: what is parked of it. */
  document: Record<string, unknown>;
  /** A hash of the batch's JSON: a retried batch (the same document) gets the same event and work item ids. */
  key: string;
}

/**
 * Each Webhook body's digest, by the value parsed from it: its batches' keys derive from the digest and their
 * place in the body, the same for the same body sent again, instead of serialising and hashing each batch
 * anew (which was a fifth of the door's time).
 */
const bodyDigests = new WeakMap<object, string>();

/** The Webhook body's parser: 64-bit-safe (parseEventsApiJson), remembering the text's digest for the keys. */
export function parseWebhookJson(text: string, scan?: JsonScan): unknown {
  const json = parseEventsApiJson(text, scan);
  if (typeof json === "object" && json !== null) bodyDigests.set(json, textKey(text));
  return json;
}

/** How the batches of a body are keyed: by the body's digest when it was parsed here, else each by its own JSON. */
function batchKeys(json: unknown): (document: unknown, position: number) => string {
  const digest = typeof json === "object" && json !== null ? bodyDigests.get(json) : undefined;
  if (digest === undefined) return documentKey;
  return Array.isArray(json) ? (_document, position) => textKey(`${digest}:${position}`) : () => digest;
}

const PLATFORMS: Record<string, Platform> = { ios: "ios", android: "android", web: "web" };
const TOKEN_KINDS: Partial<Record<Platform, TokenKind>> = { ios: "apns", android: "fcm", web: "web" };

function deviceOf(info: DeviceInfo | null | undefined): Device {
  const platform = PLATFORMS[(info?.platform ?? "").toLowerCase()] ?? "other";
  const kind = TOKEN_KINDS[platform];
  const deviceId = platform === "ios" ? info?.ios_idfv : platform === "android" ? info?.android_uuid : undefined;
  const token = info?.push_token ? normalisePushToken(info.push_token) : undefined;
  return {
    platform,
    ...(deviceId ? { deviceId } : {}),
    ...(token && kind ? { token: { value: token, kind } } : {}),
    ...(info?.http_header_user_agent !== undefined ? { userAgent: info.http_header_user_agent } : {}),
    ...(info?.timezone_offset !== undefined ? { timezoneSeconds: Math.round(info.timezone_offset * 3600) } : {}),
    ...(info?.locale_language ? { language: info.locale_language } : {}),
  };
}

/** mParticle identity names → the Firehose's identity types (the user id rule reads `customer`). */
const IDENTITY_TYPES: Record<string, string> = { customer_id: "customer", other_id_2: "other2", other_id_3: "other3", other_id_4: "other4" };

function identitiesOf(pairs: EventsApiBatch["user_identities"]): Identity[] {
  return pairs.map(([name, value]) => ({ type: IDENTITY_TYPES[name] ?? name, encoding: "raw" as const, value }));
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

/** Why an event is not sent on, as counted in the answer's `skipped`. */
function skipReason(eventType: string): string {
  return EVENTS_API_EVENT_TYPES.has(eventType) ? eventType : "unknown_event_type";
}

/** One batch document → the batch, or the error naming the field (`prefix` is its place in an array body). */
export function readWebhookBatch(
  document: unknown,
  prefix: Array<string | number> = [],
  usualBatch: FastReader<EventsApiBatch> = schemaOnly,
  key: (document: unknown) => string = documentKey,
): WebhookBatch | ValidationError {
  const usual = usualBatch(document);
  const parsed = usual ? { success: true as const, data: usual } : eventsApiBatchSchema.safeParse(document);
  if (!parsed.success) return validationErrorOf(parsed.error, prefix);
  return { batch: parsed.data, document: document as Record<string, unknown>, key: key(document) };
}

export interface NormalisedWebhookBatch {
  batch: NormalisedBatch;
  /** Events in the batch as sent. */
  events: number;
  /** Model events that stand for events as sent (not the batch's device or deleted attributes). */
  sourceEventIds: Set<string>;
  /** Events not sent on, by reason (their event type). */
  skipped: Record<string, number>;
  /** Events that failed their type's schema, by position: parked alone. */
  failures: EventFailure[];
}

/** The user and device a batch's events read and, for attribute changes, complete. */
interface BatchUser {
  device: Device;
  attributes: Record<string, string>;
  attributeLists: Record<string, string[]>;
}

/**
 * One event of a type the relay takes → its normalised form; undefined for a push registration without a
 * token (neither its own nor the device's). An attribute change's value becomes the user's latest when the
 * batch's own attributes lack it.
 */
function normaliseEvent(event: UsedEventsApiEvent, id: string, timestampMs: number, user: BatchUser): MparticleEvent | undefined {
  switch (event.event_type) {
    case "custom_event":
      // The schema refuses a missing or empty name; its refinement leaves the type optional.
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion
      return { id, timestampMs, type: "custom_event", name: event.data.event_name!, attributes: stringValues(event.data.custom_attributes).scalars };
    case "screen_view":
      return {
        id,
        timestampMs,
        type: "screen_view",
        ...(event.data.screen_name ? { screenName: event.data.screen_name } : {}),
        attributes: stringValues(event.data.custom_attributes).scalars,
      };
    case "push_registration": {
      const token = event.data.registration_token ? normalisePushToken(event.data.registration_token) : user.device.token?.value;
      return token ? { id, timestampMs, type: "push_subscription", action: event.data.register ? "subscribe" : "unsubscribe", token } : undefined;
    }
    case "uninstall":
      return { id, timestampMs, type: "uninstall" };
    case "user_attribute_change": {
      const { user_attribute_name: name, new: value, deleted } = event.data;
      // As for event_name: the schema refuses a missing or empty name.
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion
      const attribute = name!;
      const removed = deleted === true || value === null || value === undefined;
      const list = Array.isArray(value) ? value.filter((item) => item !== null).map(String) : undefined;
      if (!removed && list) user.attributeLists[attribute] ??= list;
      else if (!removed) user.attributes[attribute] ??= String(value);
      const added = removed ? {} : { [attribute]: list ? list.join(",") : String(value) };
      return { id, timestampMs, type: "user_attribute_change", added, removed: removed ? [attribute] : [] };
    }
  }
}

/**
 * One batch → the normalised model. `custom_event`, `screen_view` and `uninstall` as they are,
 * `push_registration` as a push subscription (its token, else the device's), `user_attribute_change` and
 * `deleted_user_attributes` as attribute changes; the device's push token as the batch's device state (when
 * the batch has events). Other event types (sessions, commerce, crashes, ...) are counted as skipped. Pure.
 */
export function normaliseWebhookBatch(
  { batch, key }: WebhookBatch,
  accountSettings: Record<string, string>,
  receivedAtMs: number,
  prefix: Array<string | number> = [],
  usualEvent: FastReader<EventsApiEvent> = schemaOnly,
): NormalisedWebhookBatch {
  const device = deviceOf(batch.device_info);
  const { scalars: attributes, lists: attributeLists } = stringValues(batch.user_attributes);
  const batchTime = batch.timestamp_unixtime_ms ?? receivedAtMs;
  const rawEvents = batch.events;
  const events: MparticleEvent[] = [];
  const sourceEventIds = new Set<string>();
  const skipped: Record<string, number> = {};
  const failures: EventFailure[] = [];
  const seen = new Set<string>();

  rawEvents.forEach((raw, index) => {
    const usual = usualEvent(raw);
    const parsed = usual ? { success: true as const, data: usual } : eventsApiEventSchema.safeParse(raw);
    if (!parsed.success) {
      failures.push({ index, error: validationErrorOf(parsed.error, [...prefix, "events", index]) });
      return;
    }
    const event = parsed.data;
    if ("other" in event) {
      const reason = skipReason(event.event_type);
      skipped[reason] = (skipped[reason] ?? 0) + 1;
      return;
    }
    const ownId = event.data.source_message_id;
    // mParticle's own id when it has one (and it is unique here), else the batch's key and the position.
    const id = ownId && !seen.has(ownId) ? ownId : `${key}:${index}`;
    const timestampMs = event.data.timestamp_unixtime_ms ?? batchTime;
    const normalised = normaliseEvent(event, id, timestampMs, { device, attributes, attributeLists });
    if (normalised === undefined) {
      const field = [...prefix, "events", index, "data", "registration_token"].join(".");
      failures.push({ index, error: new ValidationError(`${field}: a push registration needs a token (here or in device_info.push_token)`, { field }) });
      return;
    }
    seen.add(id);
    sourceEventIds.add(id);
    events.push(normalised);
  });

  const deleted = batch.deleted_user_attributes;
  if (deleted.length > 0)
    events.push({ id: `${key}:deleted_user_attributes`, timestampMs: batchTime, type: "user_attribute_change", added: {}, removed: deleted });
  // The device's push token is news about the device whenever the batch has events (as on the Firehose).
  if (rawEvents.length > 0 && device.token) events.push({ id: `${key}:device`, type: "device_state" });

  const user = {
    ...(batch.mpid ? { mpid: batch.mpid } : {}),
    identities: identitiesOf(batch.user_identities),
    attributes,
    attributeLists,
    device,
  };
  return { batch: { requestId: key, events, user, accountSettings }, events: rawEvents.length, sourceEventIds, skipped, failures };
}

/** What a Webhook body became: its batches, and what is parked of it (a batch that could not be read, an event that failed). */
export interface ReadWebhookBody {
  batches: NormalisedWebhookBatch[];
  rejected: NormalisedBatch[];
  /** Batch documents in the body. */
  documents: number;
}

/**
 * The Webhook body (one batch, or an array of batches: "Send as Batch") → its batches. A batch that cannot
 * be read is kept whole, an event that fails its type's schema is kept in its batch without the other
 * events: both as `raw_document` batches with the reason naming the field (e.g. `1.events.0.data.event_name`).
 * More batches than mParticle's bulk limit is refused (400). Pure.
 */
export function readWebhookBody(json: unknown, accountSettings: Record<string, string>, receivedAtMs: number): ReadWebhookBody {
  const documents = Array.isArray(json) ? json : [json];
  if (Array.isArray(json) && json.length > MAX_BATCHES_PER_REQUEST) {
    throw new ValidationError(`body: ${json.length} batches, more than the limit of ${MAX_BATCHES_PER_REQUEST} per request`, { field: "body" });
  }
  const body: ReadWebhookBody = { batches: [], rejected: [], documents: documents.length };
  const keyOf = batchKeys(json);
  documents.forEach((document, position) => {
    const prefix = Array.isArray(json) ? [position] : [];
    const key = (batch: unknown) => keyOf(batch, position);
    const read = readWebhookBatch(document, prefix, webhookReaders.batch, key);
    if (read instanceof ValidationError) {
      body.rejected.push(rawDocumentBatch("webhook", key(document), document, read, accountSettings));
      return;
    }
    const normalised = normaliseWebhookBatch(read, accountSettings, receivedAtMs, prefix, webhookReaders.event);
    body.batches.push(normalised);
    for (const { index, error } of normalised.failures) {
      body.rejected.push(rawDocumentBatch("webhook", `${read.key}:${index}`, { ...read.document, events: [read.batch.events[index]] }, error, accountSettings));
    }
  });
  return body;
}
