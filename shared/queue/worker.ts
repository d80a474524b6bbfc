import { BatchProcessor, EventType } from "@aws-lambda-powertools/batch";
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
  // What Powertools' injectLambdaContext does before a handler, by the Logger's own methods (its manual form):
  // the worker has no other middleware, and middy and the middleware were 3 KB of a bundle near its 300 KB.
  return (event, context) => {
    logger.refreshSampleRateCalculation();
    logger.addContext(context);
    logger.logEventIfEnabled(event);
    return handler(event, context);
  };
}
