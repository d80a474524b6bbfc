import { batchCarryMaxSeconds } from "../config/settings.js";
import { RetryableError, type DeliveryOutcome } from "../errors.js";
import { logger } from "../observability.js";
import { copiesOf, sendCopies } from "./copies.js";
import type { PackedMessage } from "./enqueue.js";
import { eventKey, type WorkerMessage } from "./workerMessage.js";
import { count, type WorkerRuntime } from "./workerRuntime.js";

/**
 * How long a carried message takes to come back to a worker: visible at once, received by the event source
 * mapping's long poll and its batching window (1 s for the carrying workers, infra/wiring.ts). A message is
 * carried only while it will be back before BATCH_CARRY_MAX_SECONDS, so no event waits longer than that.
 */
export const CARRY_RETURN_SECONDS = 1;

const timeOf = (iso: string | undefined): number => (iso === undefined ? Number.NaN : Date.parse(iso));

/**
 * The messages whose events the destination may carry over to a later invocation: those never carried,
 * and those carried first so recently that they would be back before the bound. Empty when the bound is 0.
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

/**
 * Puts the events the destination carried back on the queue, in copies of their messages visible at once,
 * before any message of the batch is settled (and so deleted): a container that dies now leaves the
 * original in the queue, never an event nowhere. A carry spends no attempt (like a hold) and keeps the
 * time of the first carry. If SQS refuses the copies, those events fail as retryable instead.
 */
export async function carryOver(runtime: WorkerRuntime, messages: WorkerMessage[], outcomes: Map<string, DeliveryOutcome>, now = Date.now()): Promise<void> {
  const copies: PackedMessage[] = [];
  const carriedKeys: string[] = [];
  let oldest = now;
  for (const message of messages) {
    const events = message.workItem.events.filter((queued) => outcomes.get(eventKey(message.messageId, queued.id))?.kind === "carried");
    if (events.length === 0) continue;
    const carriedAt = message.workItem.carriedAt ?? new Date(now).toISOString();
    oldest = Math.min(oldest, timeOf(carriedAt));
    copies.push(...copiesOf(message, events, { priorAttempts: message.attempt - 1, carriedAt }));
    for (const queued of events) carriedKeys.push(eventKey(message.messageId, queued.id));
  }
  if (carriedKeys.length === 0) return;
  try {
    await sendCopies(copies, 0);
  } catch (error) {
    const failed: DeliveryOutcome = { kind: "failed", error: new RetryableError(`carry-over not enqueued: ${(error as Error).message}`, { cause: error }) };
    for (const key of carriedKeys) outcomes.set(key, failed);
    return;
  }
  logger.info("part-filled request carried over to the next invocation", {
    destination: runtime.destination,
    events: carriedKeys.length,
    messages: copies.length,
    carriedForSeconds: Math.round((now - oldest) / 100) / 10,
  });
  count(runtime, "carried", carriedKeys.length);
}
