import { PayloadTooLargeError, RetryableError, type ValidationError } from "../errors.js";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { createMetrics, logger } from "../observability.js";
import { packWork, packWorkBatch, sendPackedWork } from "./enqueue.js";
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
    await parkOrRetry(
      batch.destination,
      message.body,
      parkRecord(batch.destination, message.workItemId, "validation", error, 0, now.toISOString(), now),
      { destination: batch.destination, workItemId: message.workItemId, correlationId: batch.correlationId },
    );
  }
}

/** A DLQ that cannot be written is a failure to retry (503), as a queue that cannot be written is: the sender sends again. */
async function parkOrRetry(...args: Parameters<typeof park>): Promise<void> {
  try {
    await park(...args);
  } catch (error) {
    throw new RetryableError(`SQS SendMessage to the DLQ failed: ${(error as Error).message}`, { cause: error });
  }
}

const metrics = createMetrics({});

/**
 * The one ingest step: enqueue the work items, park the rejected events; returns the ids of the
 * messages enqueued. When an event is too large for any queue message nothing is enqueued or parked: the
 * request fails with a PayloadTooLargeError (HTTP 413) naming it, so the sender splits the request (Braze
 * does on a 413) and no part of it is queued twice.
 */
export async function ingestWork(accepted: AcceptedWork, now = new Date()): Promise<{ workItemIds: string[] }> {
  const packed = packWork(accepted.workItems);
  const first = packed.tooLarge[0];
  if (first) {
    const eventIds = [...new Set(packed.tooLarge.map((event) => event.id))];
    logger.warn("request refused: events too large to enqueue", { eventIds, reason: first.reason });
    const metric = metrics.singleMetric();
    metric.addDimensions({ reason: "too-large-to-queue" });
    metric.addMetric("rejected", MetricUnit.Count, eventIds.length);
    throw new PayloadTooLargeError(`event ${first.id} is too large to queue: ${first.reason}`, { field: "events", eventId: first.id });
  }
  await Promise.all([sendPackedWork(packed), ...accepted.rejected.map((rejected) => parkRejected(rejected, now))]);
  return { workItemIds: packed.messages.map((message) => message.workItemId) };
}
