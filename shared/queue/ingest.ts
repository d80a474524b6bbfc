import { PayloadTooLargeError, type ValidationError } from "../errors.js";
import { logger } from "../observability.js";
import { enqueueWork, packWorkBatch } from "./enqueue.js";
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

/** Parks rejected events in their destination's DLQ, with the same record the worker writes. */
async function parkRejected({ batch, error }: RejectedWork, now: Date): Promise<void> {
  for (const message of packWorkBatch(batch).messages) {
    await park(
      batch.destination,
      message.body,
      parkRecord(batch.destination, message.workItemId, "validation", error, 0, now.toISOString(), now),
      { destination: batch.destination, workItemId: message.workItemId, correlationId: batch.correlationId },
    );
  }
}

/**
 * The one ingest step: enqueue the work items, park the rejected events; returns the ids of the
 * messages enqueued. An event too large for any queue message is not enqueued: it fails the request
 * with a PayloadTooLargeError (HTTP 413) naming it, after the rest went through.
 */
export async function ingestWork(accepted: AcceptedWork, now = new Date()): Promise<{ workItemIds: string[] }> {
  const [{ messages, tooLarge }] = await Promise.all([
    enqueueWork(accepted.workItems),
    ...accepted.rejected.map((rejected) => parkRejected(rejected, now)),
  ]);
  const first = tooLarge[0];
  if (first) {
    logger.warn("events too large to enqueue", { eventIds: tooLarge.map((event) => event.id) });
    throw new PayloadTooLargeError(`event ${first.id} is too large to queue: ${first.reason}`, { field: "events" });
  }
  return { workItemIds: messages.map((message) => message.workItemId) };
}
