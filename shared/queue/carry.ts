import { batchCarryMaxSeconds } from "../config/settings.js";
import { RetryableError, type DeliveryOutcome } from "../errors.js";
import { logger } from "../observability.js";
import { CARRY_RETURN_SECONDS } from "./definition.js";
import { packWork, sendPackedWork } from "./enqueue.js";
import { eventKey, type WorkerMessage } from "./workerMessage.js";
import { count, type BatchCarry, type WorkerRuntime } from "./workerRuntime.js";
import type { QueuedEvent, WorkBatch } from "./workItem.js";

const timeOf = (iso: string | undefined): number => (iso === undefined ? Number.NaN : Date.parse(iso));

/**
 * The messages whose events the destination may carry over to a later invocation: those never carried,
 * and those carried first so recently that they would be back (CARRY_RETURN_SECONDS) before the bound, so
 * no event waits longer than BATCH_CARRY_MAX_SECONDS beyond its first carry. Empty when the bound is 0.
 */
export function carriable(messages: WorkerMessage[], now = Date.now()): Set<string> {
  const boundMs = batchCarryMaxSeconds() * 1000;
  const carriable = new Set<string>();
  if (boundMs === 0) return carriable;
  for (const { messageId, workItem } of messages) {
    const since = workItem.carriedAt === undefined ? now : timeOf(workItem.carriedAt);
    if (now - since + CARRY_RETURN_SECONDS * 1000 <= boundMs) carriable.add(messageId);
  }
  return carriable;
}

/**
 * Carried messages first, oldest first (by when ingest took them), then the rest in the order SQS gave
 * them: carried events lead the requests they join, and one user's events keep the order they came in.
 */
export function carriedFirst(messages: WorkerMessage[]): WorkerMessage[] {
  const carried = messages.filter((message) => message.workItem.carriedAt !== undefined);
  if (carried.length === 0) return messages;
  carried.sort((a, b) => timeOf(a.workItem.receivedAt) - timeOf(b.workItem.receivedAt));
  return [...carried, ...messages.filter((message) => message.workItem.carriedAt === undefined)];
}

interface CarryGroup {
  batch: WorkBatch & { priorAttempts: number; carriedAt: string; carriedFrom: string[] };
  keys: string[];
}

/** Adds a message's carried events to the carry of its flow, whose envelope stays the most conservative. */
function addToCarry(groups: Map<string, CarryGroup>, message: WorkerMessage, events: QueuedEvent[], now: string): void {
  const { flow, destination, context, correlationId, receivedAt, carriedAt = now, carriedFrom = [] } = message.workItem;
  const key = `${flow}\u001f${JSON.stringify(context ?? null)}`;
  const priorAttempts = message.attempt - 1;
  let group = groups.get(key);
  if (!group) {
    const envelope = { flow, destination, correlationId, receivedAt, priorAttempts, carriedAt, carriedFrom: [], ...(context === undefined ? {} : { context }) };
    group = { batch: { ...envelope, events: [] }, keys: [] };
    groups.set(key, group);
  }
  const { batch } = group;
  // The oldest intake (RETRY_HOLD_SECONDS), the oldest carry (the bound), the most attempts: nothing waits or retries longer.
  if (timeOf(receivedAt) < timeOf(batch.receivedAt)) batch.receivedAt = receivedAt;
  if (timeOf(carriedAt) < timeOf(batch.carriedAt)) batch.carriedAt = carriedAt;
  batch.priorAttempts = Math.max(batch.priorAttempts, priorAttempts);
  batch.events.push(...events);
  for (const queued of events) group.keys.push(eventKey(message.messageId, queued.id));
  // Every request whose events it carries, so logs and traces still lead from each request to its partner call.
  for (const id of [correlationId, ...carriedFrom]) if (!batch.carriedFrom.includes(id)) batch.carriedFrom.push(id);
}

/**
 * Puts the events the destination carried back on their queue before any message of the batch is settled
 * (and so deleted): a container that dies now leaves the originals in the queue, never an event nowhere.
 * The carried events of a flow go as one work item, packed like ingest's (one message unless over 1 MiB),
 * visible at once, so one invocation gets them all back; in the order they were planned, so one user's
 * events keep theirs. A carry spends no attempt (like a hold) and keeps the time of the first carry. If
 * SQS refuses the carry, those events fail as retryable instead (their messages come back).
 */
export async function carryOver(runtime: WorkerRuntime, messages: WorkerMessage[], outcomes: Map<string, DeliveryOutcome>, now = Date.now()): Promise<void> {
  const groups = new Map<string, CarryGroup>();
  const nowIso = new Date(now).toISOString();
  for (const message of messages) {
    const events = message.workItem.events.filter((queued) => outcomes.get(eventKey(message.messageId, queued.id))?.kind === "carried");
    if (events.length > 0) addToCarry(groups, message, events, nowIso);
  }
  if (groups.size === 0) return;
  const carried = [...groups.values()];
  const keys = carried.flatMap((group) => group.keys);
  const packed = packWork(carried.map((group) => group.batch));
  try {
    // Each event fitted in a message with an envelope like this one: none is too large now.
    if (packed.tooLarge.length > 0) throw new Error(`${packed.tooLarge.length} event(s) too large for a message`);
    await sendPackedWork(packed);
  } catch (error) {
    const failed: DeliveryOutcome = { kind: "failed", error: new RetryableError(`carry-over not enqueued: ${(error as Error).message}`, { cause: error }) };
    for (const key of keys) outcomes.set(key, failed);
    return;
  }
  logger.debug("part-filled requests carried over to the next invocation", {
    destination: runtime.destination,
    events: keys.length,
    workItemIds: packed.messages.map((message) => message.workItemId),
    correlationIds: carried.flatMap((group) => group.batch.carriedFrom),
    carriedForSeconds: Math.max(...carried.map((group) => (now - timeOf(group.batch.carriedAt)) / 1000)),
  });
  count(runtime, "carried", keys.length);
}

/** What a batching destination's worker plugs in (shared/flows/<destination>Worker.ts). */
export const batchCarry: BatchCarry = { carriable, carriedFirst, carryOver };
