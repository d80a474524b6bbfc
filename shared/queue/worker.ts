import { BatchProcessor, EventType } from "@aws-lambda-powertools/batch";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context, ScheduledEvent, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { createMetrics, logger } from "../observability.js";
import { processBatch } from "./batch.js";
import { PartnerGuard } from "./partnerGuard.js";
import { pauseWhenDown, probe } from "./partnerOutage.js";
import type { DestinationWorker, WorkerRuntime } from "./workerRuntime.js";

/** The EventBridge schedule that runs the probe (infra/wiring.ts): `{"source":"aws.events","detail-type":"Scheduled Event"}`. */
function isScheduledEvent(event: SQSEvent | ScheduledEvent): event is ScheduledEvent {
  return "source" in event && event.source === "aws.events" && event["detail-type"] === "Scheduled Event";
}

/**
 * The worker runtime, the same for every destination. From its queue: deliver the batch and settle each
 * message (shared/queue/settle.ts), then pause consumption if the partner is down. From its schedule: the
 * probe (shared/queue/partnerOutage.ts). The partner's health and pace live as long as the container.
 * Every log line carries the Lambda context (function name, request id, cold start).
 */
export function createWorkerHandler(worker: DestinationWorker): (event: SQSEvent | ScheduledEvent, context: Context) => Promise<SQSBatchResponse> {
  const runtime: WorkerRuntime = {
    worker,
    destination: worker.destination,
    metrics: createMetrics({ destination: worker.destination }),
    processor: new BatchProcessor(EventType.SQS),
    guard: new PartnerGuard(),
  };

  async function handler(event: SQSEvent | ScheduledEvent, context: Context): Promise<SQSBatchResponse> {
    if (isScheduledEvent(event)) {
      await probe(runtime, context);
      return { batchItemFailures: [] };
    }
    const { response, tally } = await processBatch(runtime, event, context, { carry: true });
    await pauseWhenDown(runtime, tally);
    return response;
  }
  // timeoutEarlyInMillis 0: no early timeout of middy's own; a batch runs until Lambda's deadline, as before.
  return middy(handler, { timeoutEarlyInMillis: 0 }).use(injectLambdaContext(logger));
}
