import { createHash } from "node:crypto";
import type { BrazeEvent } from "../../sources/braze/schema.js";
import { readableEventName } from "../../sources/braze/eventNames.js";
import type { DeliveryItem } from "../../queue/worker.js";
import {
  EVENTS_API_UUID,
  type AttributeValue,
  type MparticleBatch,
  type MparticleEvent,
  type MparticleFeed,
  type MparticlePayload,
} from "./schema.js";

/** mParticle's per-event attribute limits (default service limits). */
export const ATTRIBUTE_LIMITS = { count: 100, nameLength: 256, valueLength: 4096 } as const;
/** Events API limits: a bulk request under 256 KB with at most 100 batches, each batch under 128 KB. */
export const BULK_LIMITS = { batches: 100, requestBytes: 256 * 1024, batchBytes: 128 * 1024 } as const;

/** Namespace of the UUID v5 ids we derive (source_message_id for non-UUID Braze ids, source_request_id). */
export const ID_NAMESPACE = "6f0b8c4e-2f1d-5a7e-9c3b-4d5e6f708192";

/** RFC 4122 version 5 (SHA-1, name-based) UUID. */
export function uuidV5(name: string, namespace = ID_NAMESPACE): string {
  const hash = createHash("sha1")
    .update(Buffer.from(namespace.replaceAll("-", ""), "hex"))
    .update(name, "utf8")
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

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

/** Leaf values with dotted paths; lists become their JSON text (attribute values are scalars). */
function* leaves(value: unknown, path: string): Generator<[string, AttributeValue]> {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    yield [path, JSON.stringify(value)];
  } else if (typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) yield* leaves(inner, path ? `${path}.${key}` : key);
  } else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    yield [path, value];
  }
}

/**
 * Braze properties as mParticle custom attributes, within mParticle's limits: nested objects flattened
 * to dotted names; names over 256 characters dropped (a cut name could collide); values over 4096
 * characters truncated; attributes past the 100th, in Braze's order, dropped.
 */
export function toCustomAttributes(properties: Record<string, unknown>, prefix = ""): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  let count = 0;
  for (const [path, value] of leaves(properties, "")) {
    const name = `${prefix}${path}`;
    if (name.length > ATTRIBUTE_LIMITS.nameLength) continue;
    if (count === ATTRIBUTE_LIMITS.count) break;
    attributes[name] = typeof value === "string" ? value.slice(0, ATTRIBUTE_LIMITS.valueLength) : value;
    count++;
  }
  return attributes;
}

/** The Braze id when it has the schema's UUID shape, else a UUID v5 of it (stable across redeliveries). */
export function sourceMessageId(brazeId: string): string {
  return EVENTS_API_UUID.test(brazeId) ? brazeId : uuidV5(brazeId);
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

export interface BulkRequest {
  feed: MparticleFeed;
  batches: MparticleBatch[];
  /** Message ids of the work items this request carries. */
  messageIds: string[];
}

interface SizedBatch {
  batch: MparticleBatch;
  bytes: number;
  messageIds: string[];
}

const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));
/** Stands in for the source_request_id (same length) while a batch is being sized. */
const UNSET_REQUEST_ID = "00000000-0000-0000-0000-000000000000";

function closeBatch(feed: MparticleFeed, batch: MparticleBatch, messageIds: string[]): SizedBatch {
  // Same events, same id: a retried request is deduplicated by mParticle.
  const ids = batch.events.map((event) => event.data.source_message_id).join(",");
  const closed = { ...batch, source_request_id: uuidV5(`${feed}\u001f${batch.user_identities.customer_id}\u001f${batch.environment}\u001f${ids}`) };
  return { batch: closed, bytes: bytesOf(closed), messageIds };
}

/** One user's events on one feed, split into batches under the batch size limit. */
function userBatches(
  feed: MparticleFeed,
  items: DeliveryItem<MparticlePayload>[],
  environment: MparticleBatch["environment"],
  oversized: string[],
): SizedBatch[] {
  const first = items[0]?.workItem.payload;
  if (!first) return [];
  const email = items.find((item) => item.workItem.payload.email)?.workItem.payload.email;
  const empty = (): MparticleBatch => ({
    source_request_id: UNSET_REQUEST_ID,
    environment,
    user_identities: { customer_id: first.customerId, ...(email ? { email } : {}) },
    events: [],
  });
  const batches: SizedBatch[] = [];
  let batch = empty();
  let bytes = bytesOf(batch);
  let messageIds: string[] = [];
  const baseBytes = bytes;
  for (const item of items) {
    const eventBytes = bytesOf(item.workItem.payload.event) + 1;
    if (baseBytes + eventBytes >= BULK_LIMITS.batchBytes) {
      oversized.push(item.messageId);
      continue;
    }
    if (bytes + eventBytes >= BULK_LIMITS.batchBytes) {
      batches.push(closeBatch(feed, batch, messageIds));
      batch = empty();
      bytes = baseBytes;
      messageIds = [];
    }
    batch.events.push(item.workItem.payload.event);
    bytes += eventBytes;
    messageIds.push(item.messageId);
  }
  if (batch.events.length > 0) batches.push(closeBatch(feed, batch, messageIds));
  return batches;
}

/**
 * Work items → `/v2/bulkevents` requests: one batch per user per feed (split if it would reach 128 KB),
 * at most 100 batches and under 256 KB per request, one feed per request (each feed has its own key).
 * `oversized` lists items whose single event cannot fit in a batch. Pure.
 */
export function planBulkRequests(
  items: DeliveryItem<MparticlePayload>[],
  environment: MparticleBatch["environment"],
): { requests: BulkRequest[]; oversized: string[] } {
  const groups = new Map<string, { feed: MparticleFeed; items: DeliveryItem<MparticlePayload>[] }>();
  for (const item of items) {
    const { feed, customerId } = item.workItem.payload;
    const key = `${feed}\u001f${customerId}`;
    const group = groups.get(key) ?? { feed, items: [] };
    group.items.push(item);
    groups.set(key, group);
  }
  const oversized: string[] = [];
  const open = new Map<MparticleFeed, { request: BulkRequest; bytes: number }>();
  const requests: BulkRequest[] = [];
  for (const { feed, items: userItems } of groups.values()) {
    for (const sized of userBatches(feed, userItems, environment, oversized)) {
      let current = open.get(feed);
      const full =
        current &&
        (current.request.batches.length === BULK_LIMITS.batches || current.bytes + sized.bytes + 1 >= BULK_LIMITS.requestBytes);
      if (!current || full) {
        current = { request: { feed, batches: [], messageIds: [] }, bytes: 2 };
        open.set(feed, current);
        requests.push(current.request);
      }
      current.request.batches.push(sized.batch);
      current.request.messageIds.push(...sized.messageIds);
      current.bytes += sized.bytes + 1;
    }
  }
  return { requests, oversized };
}
