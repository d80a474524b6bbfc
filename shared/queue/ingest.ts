import { PayloadTooLargeError, RetryableError, type ValidationError } from "../errors.js";
import { createMetrics, logger, publishCount } from "../observability.js";
import { packWork, packWorkBatch, sendPackedWork, type PackedMessage, type TooLargeEvent } from "./enqueue.js";
import { park, parkRecord } from "./park.js";
import type { WorkBatch } from "./workItem.js";

/** Events that failed validation at ingest, kept for the destination they were meant for. */
export interface RejectedWork {
  batch: WorkBatch;
  error: ValidationError;
}

/** What a source (through its flows) accepted from one webhook request. */
export interface AcceptedWork {
  workItems: WorkBatch[];
  rejected: RejectedWork[];
}

/**
 * Counted for every source event a door parks in a DLQ instead of enqueueing it (docs/operations.md,
 * "Parked at ingest"): dimensions `destination`, and `destination` with `flow`. Alarmed on.
 */
export const PARKED_AT_INGEST_METRIC = "parkedAtIngest";

const metrics = createMetrics({});

/** Parks one rejected batch's messages in its destination's DLQ, with the same record the worker writes; counts and logs them. */
async function parkRejected(messages: PackedMessage[], { batch, error }: RejectedWork, now: Date): Promise<void> {
  for (const message of messages) {
    try {
      await park(batch.destination, message.body, parkRecord(batch.destination, message.workItemId, "validation", error, 0, now.toISOString(), now), {
        destination: batch.destination,
        workItemId: message.workItemId,
        correlationId: batch.correlationId,
      });
    } catch (cause) {
      // Like a failed enqueue: the sender is answered 503 and sends again; the work item id stays the same.
      throw new RetryableError(`SQS SendMessage to the ${batch.destination} DLQ failed: ${(cause as Error).message}`, { cause });
    }
    logger.warn("parked at ingest", {
      destination: batch.destination,
      flow: batch.flow,
      workItemId: message.workItemId,
      eventIds: message.eventIds,
      error: error.message,
      correlationId: batch.correlationId,
    });
    // Two dimension sets: the per-destination total the alarm reads, and its split by flow.
    publishCount(
      metrics,
      PARKED_AT_INGEST_METRIC,
      message.eventIds.length,
      { destination: batch.destination },
      { destination: batch.destination, flow: batch.flow },
    );
  }
}

function refuseTooLarge(first: TooLargeEvent, tooLarge: TooLargeEvent[]): never {
  const eventIds = [...new Set(tooLarge.map((event) => event.id))];
  logger.warn("request refused: events too large to enqueue", { eventIds, reason: first.reason });
  publishCount(metrics, "rejected", eventIds.length, { reason: "too-large-to-queue" });
  throw new PayloadTooLargeError(`event ${first.id} is too large to queue: ${first.reason}`, { field: "events", eventId: first.id });
}

/**
 * The one ingest step: enqueue the work items, park the rejected events; returns the ids of the
 * messages enqueued. When an event (to enqueue or to park) is too large for any queue message nothing is
 * enqueued or parked: the request fails with a PayloadTooLargeError (HTTP 413) naming it, so the sender
 * splits the request (Braze does on a 413) and no part of it is queued twice.
 */
export async function ingestWork(accepted: AcceptedWork, now = new Date()): Promise<{ workItemIds: string[] }> {
  const packed = packWork(accepted.workItems);
  const parking = accepted.rejected.map((rejected) => ({ rejected, packed: packWorkBatch(rejected.batch) }));
  const tooLarge = [...packed.tooLarge, ...parking.flatMap((entry) => entry.packed.tooLarge)];
  const [firstTooLarge] = tooLarge;
  if (firstTooLarge) refuseTooLarge(firstTooLarge, tooLarge);
  await Promise.all([sendPackedWork(packed), ...parking.map((entry) => parkRejected(entry.packed.messages, entry.rejected, now))]);
  return { workItemIds: packed.messages.map((message) => message.workItemId) };
}
