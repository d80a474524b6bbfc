import { hash } from "node:crypto";
import { hasOnlyKeys, isJsonObject, isNonEmptyString } from "../jsonShape.js";
import * as z from "../zod.js";
import { DESTINATIONS } from "./definition.js";

/** One source event as it came in (validated and normalised by its source), with the source's own id. */
export const queuedEventSchema = z.object({ id: z.string().check(z.minLength(1)), event: z.unknown() });
export type QueuedEvent = z.infer<typeof queuedEventSchema>;

/**
 * One message on a destination queue: the source events meant for that destination, never the partner's
 * request. The worker maps them with the flow deployed now, so a mapping fix reaches queued and parked work.
 */
export const workItemSchema = z.object({
  /** Deterministic, from the source's own ids: a redelivered webhook yields the same id. */
  workItemId: z.string().check(z.minLength(1)),
  /** The flow (shared/flows) that maps these events for the destination. */
  flow: z.string().check(z.minLength(1)),
  destination: z.enum(DESTINATIONS),
  /** Follows the events from the webhook request to the partner call. */
  correlationId: z.string().check(z.minLength(1)),
  receivedAt: z.iso.datetime(),
  /** Attempts spent before this message was sent (a partial retry carries them forward). */
  priorAttempts: z._default(z.int().check(z.nonnegative()), 0),
  /** When a worker first carried these events over to a later invocation (BATCH_CARRY_MAX_SECONDS counts from it). */
  carriedAt: z.optional(z.iso.datetime()),
  /** A carry-over merges several requests' events: the correlation ids of all of them (`correlationId` is the first's). */
  carriedFrom: z.optional(z.array(z.string())),
  /** What the flow needs besides the events (e.g. sealed credentials, the user profile). */
  context: z.optional(z.unknown()),
  events: z.array(queuedEventSchema).check(z.minLength(1)),
});
export type WorkItem = z.input<typeof workItemSchema>;
export type ParsedWorkItem = z.output<typeof workItemSchema>;

/** What a source hands to the queue for one flow: the envelope without id, and the events to pack. */
export type WorkBatch = Omit<ParsedWorkItem, "workItemId" | "priorAttempts" | "events"> & { events: QueuedEvent[]; priorAttempts?: number };

/** A stable id from the parts that identify a piece of work (source ids, never a queue message id). */
export function deriveWorkItemId(...parts: Array<string | number>): string {
  return hash("sha256", parts.map(String).join("\u001f"), "hex").slice(0, 32);
}

const WORK_ITEM_KEYS = new Set([
  "workItemId",
  "flow",
  "destination",
  "correlationId",
  "receivedAt",
  "priorAttempts",
  "carriedAt",
  "carriedFrom",
  "context",
  "events",
]);
const QUEUED_EVENT_KEYS = new Set(["id", "event"]);
const receivedAtSchema = workItemSchema.shape.receivedAt;

function isQueuedEventAsIs(value: unknown): boolean {
  return isJsonObject(value) && isNonEmptyString(value.id) && "event" in value && hasOnlyKeys(value, QUEUED_EVENT_KEYS);
}

/**
 * Whether a parsed message body is a work item that `workItemSchema` would return equal to itself (as ingest
 * and the worker write them: every field, no other), checked without zod's interpreter, which cost a third
 * of the worker's record parse. Anything else goes through the schema, which names what is wrong.
 */
export function isWorkItemAsIs(value: unknown): value is ParsedWorkItem {
  if (!isJsonObject(value) || !hasOnlyKeys(value, WORK_ITEM_KEYS)) return false;
  const { workItemId, flow, destination, correlationId, receivedAt, priorAttempts, carriedAt, carriedFrom, events } = value;
  if (!isNonEmptyString(workItemId) || !isNonEmptyString(flow) || !isNonEmptyString(correlationId)) return false;
  if (!(DESTINATIONS as readonly unknown[]).includes(destination)) return false;
  if (!Number.isSafeInteger(priorAttempts) || (priorAttempts as number) < 0) return false;
  if (!Array.isArray(events) || events.length === 0 || !events.every(isQueuedEventAsIs)) return false;
  if (carriedFrom !== undefined && !(Array.isArray(carriedFrom) && carriedFrom.every((id) => typeof id === "string"))) return false;
  if (carriedAt !== undefined && !receivedAtSchema.safeParse(carriedAt).success) return false;
  return receivedAtSchema.safeParse(receivedAt).success;
}
