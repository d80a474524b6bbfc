import { createHash } from "node:crypto";
import type { RelaySecrets } from "../../config/secrets.js";
import { fillBatches, isFull } from "../../fillBatches.js";
import { basicAuthorization } from "../../http/basicAuthorization.js";
import { jsonArrayBody } from "../../http/jsonArrayBody.js";
import type { PartnerHttpRequest } from "../../http/partnerRequest.js";
import type { KeyedItem } from "../delivery.js";
import {
  ATTRIBUTE_LIMITS,
  BULK_LIMITS,
  EVENTS_API_UUID,
  type AttributeValue,
  type MparticleBatch,
  type MparticleFeed,
  type MparticlePayload,
} from "./schema.js";
import { eventProblems, headerProblems, sizeProblems, type BatchHeader } from "./validate.js";

/** Namespace of the UUID v5 ids we derive (source_message_id for non-UUID Braze ids, source_request_id). */
const ID_NAMESPACE = "6f0b8c4e-2f1d-5a7e-9c3b-4d5e6f708192";

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

/**
 * Visits the leaf values with their dotted paths, depth first; lists become their JSON text (attribute
 * values are scalars). A plain recursion: a generator's `yield*` per level cost most of the mapping's time.
 */
function visitLeaves(value: unknown, path: string, visit: (path: string, leaf: AttributeValue) => void): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    visit(path, JSON.stringify(value));
  } else if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) visitLeaves(record[key], path ? `${path}.${key}` : key, visit);
  } else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    visit(path, value);
  }
}

/** What fitting to mParticle's limits cut from one event: over-long names dropped, values truncated, attributes past the 100th. */
export type AttributeCuts = Partial<Record<"attributeNames" | "attributeValues" | "attributes", number>>;

function count(cuts: AttributeCuts, limit: keyof AttributeCuts): void {
  cuts[limit] = (cuts[limit] ?? 0) + 1;
}

/**
 * Braze properties as mParticle custom attributes, within mParticle's limits: nested objects flattened
 * to dotted names; names over 256 characters dropped (a cut name could collide); values over 4096
 * characters truncated; attributes past the 100th, in Braze's order, dropped. What is cut is added to `cuts`.
 */
export function toCustomAttributes(properties: Record<string, unknown>, prefix = "", cuts: AttributeCuts = {}): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  let kept = 0;
  visitLeaves(properties, "", (path, value) => {
    const name = `${prefix}${path}`;
    if (name.length > ATTRIBUTE_LIMITS.nameLength) count(cuts, "attributeNames");
    else if (kept === ATTRIBUTE_LIMITS.count) count(cuts, "attributes");
    else {
      if (typeof value === "string" && value.length > ATTRIBUTE_LIMITS.valueLength) count(cuts, "attributeValues");
      attributes[name] = typeof value === "string" ? value.slice(0, ATTRIBUTE_LIMITS.valueLength) : value;
      kept++;
    }
  });
  return attributes;
}

/** A source's event id when it has the schema's UUID shape, else a UUID v5 of it (stable across redeliveries). */
export function sourceMessageId(sourceId: string): string {
  return EVENTS_API_UUID.test(sourceId) ? sourceId : uuidV5(sourceId);
}

const BULK_EVENTS_PATH = "/v2/bulkevents";

export interface BulkRequest {
  feed: MparticleFeed;
  http: PartnerHttpRequest;
  /** Keys of the items this request carries. */
  keys: string[];
  /** Another batch of its mean size would not fit: carry-over never holds a full request back. */
  full: boolean;
}

interface SizedBatch {
  json: string;
  bytes: number;
  keys: string[];
}

type Item = KeyedItem<MparticlePayload>;
const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

/**
 * The batch's JSON from its header and its events' JSON, each event serialised once (when it was sized);
 * the same text as serialising the whole batch.
 */
function closeBatch(feed: MparticleFeed, header: BatchHeader, events: Array<{ key: string; id: string; json: string }>): SizedBatch {
  // Same events, same id: a retried request is deduplicated by mParticle.
  const ids = events.map((event) => event.id).join(",");
  const head = JSON.stringify({
    ...header,
    source_request_id: uuidV5(`${feed}\u001f${header.user_identities.customer_id}\u001f${header.environment}\u001f${ids}`),
    events: [],
  });
  const json = `${head.slice(0, -"[]}".length)}[${events.map((event) => event.json).join(",")}]}`;
  return { json, bytes: Buffer.byteLength(json), keys: events.map((event) => event.key) };
}

/** Stands in for the source_request_id (same length) while a batch is being sized and checked. */
const UNSET_REQUEST_ID = "00000000-0000-0000-0000-000000000000";

/** Items that were not sent, with the reason (a batch mParticle would drop behind its 202). */
export type Rejected = Map<string, string>;

function reject(rejected: Rejected, keys: Iterable<string>, problems: string[]): void {
  const reason = problems.join("; ");
  for (const key of keys) rejected.set(key, reason);
}

/**
 * One user's events on one feed and device, split into batches under the batch size limit. The batch is
 * checked in parts (header once, each event once, its size) with the rules of validate.ts: a bad event
 * is rejected alone, a bad header rejects the group.
 */
function userBatches(feed: MparticleFeed, items: Item[], environment: MparticleBatch["environment"], rejected: Rejected): SizedBatch[] {
  const first = items[0]?.item;
  if (!first) return [];
  const email = items.find(({ item }) => item.email)?.item.email;
  const header: BatchHeader = {
    source_request_id: UNSET_REQUEST_ID,
    environment,
    user_identities: { customer_id: first.customerId, ...(email ? { email } : {}) },
    ...(first.userAttributes ? { user_attributes: first.userAttributes } : {}),
    ...(first.deviceInfo ? { device_info: first.deviceInfo } : {}),
  };
  const invalidHeader = headerProblems(header);
  if (invalidHeader.length > 0) {
    reject(
      rejected,
      items.map(({ key }) => key),
      invalidHeader,
    );
    return [];
  }
  const baseBytes = bytesOf({ ...header, events: [] });
  const events: Array<{ key: string; id: string; json: string; bytes: number }> = [];
  for (const { key, item } of items) {
    const json = JSON.stringify(item.event);
    const bytes = Buffer.byteLength(json) + 1;
    const problems = [...eventProblems(item.event), ...sizeProblems(baseBytes + bytes)];
    if (problems.length > 0) reject(rejected, [key], problems);
    else events.push({ key, id: item.event.data.source_message_id, json, bytes });
  }
  // Under the batch limit, not at it (sizeProblems).
  const batches = fillBatches(events, (event) => event.bytes, { bytes: BULK_LIMITS.batchBytes - 1, frameBytes: baseBytes });
  return batches.map(({ items: batch }) => closeBatch(feed, header, batch));
}

export interface BulkTarget {
  environment: MparticleBatch["environment"];
  feeds: RelaySecrets["mparticle"]["feeds"];
  baseUrl: string;
}

/** Events of one batch share the user, the feed, the device and the user attributes. */
function batchKey({ feed, customerId, deviceInfo, userAttributes }: MparticlePayload): string {
  return [feed, customerId, JSON.stringify(deviceInfo ?? {}), JSON.stringify(userAttributes ?? {})].join("\u001f");
}

/**
 * Items → `/v2/bulkevents` requests: one batch per user, feed, device and user attributes (split if it
 * would reach 128 KB), at most 100 batches and under 256 KB per request, one feed per request (each feed
 * has its own key/secret). `rejected` names the items that are not sent because their batch would break
 * the Events API schema or mParticle's limits, with the reason. Pure.
 */
export function planBulkRequests(items: Item[], target: BulkTarget): { requests: BulkRequest[]; rejected: Rejected } {
  const groups = new Map<string, { feed: MparticleFeed; items: Item[] }>();
  for (const keyed of items) {
    const groupKey = batchKey(keyed.item);
    const group = groups.get(groupKey) ?? { feed: keyed.item.feed, items: [] };
    group.items.push(keyed);
    groups.set(groupKey, group);
  }
  const rejected: Rejected = new Map();
  const byFeed = new Map<MparticleFeed, Array<SizedBatch & { order: number }>>();
  let order = 0;
  for (const { feed, items: userItems } of groups.values()) {
    const sized = byFeed.get(feed) ?? [];
    for (const batch of userBatches(feed, userItems, target.environment, rejected)) sized.push({ ...batch, order: order++ });
    byFeed.set(feed, sized);
  }
  // Each batch is counted with a comma, the list with its brackets; under the request limit, not at it.
  const limits = { count: BULK_LIMITS.batches, bytes: BULK_LIMITS.requestBytes - 1, frameBytes: 2 };
  const planned = [...byFeed].flatMap(([feed, sized]) =>
    fillBatches(sized, (batch) => batch.bytes + 1, limits).map((filled) => ({
      feed,
      full: isFull(filled, limits),
      batches: filled.items.map((batch) => batch.json),
      keys: filled.items.flatMap((batch) => batch.keys),
      order: filled.items[0]?.order ?? 0,
    })),
  );
  // In the order the requests were opened, feeds interleaved as their users came.
  planned.sort((a, b) => a.order - b.order);
  const url = `${target.baseUrl}${BULK_EVENTS_PATH}`;
  const requests = planned.map(({ feed, full, batches, keys }) => {
    const { key, secret } = target.feeds[feed];
    const headers = { authorization: basicAuthorization(key, secret), "content-type": "application/json", accept: "application/json" };
    return { feed, keys, full, http: { method: "POST" as const, url, headers, body: jsonArrayBody(batches) } };
  });
  return { requests, rejected };
}
