import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { ChangeMessageVisibilityCommand } from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { z } from "zod";
import { ValidationError, toRelayError, type RelayError } from "../errors.js";
import { createMetrics, logger } from "../observability.js";
import type { Destination } from "./definition.js";
import { queueUrlFor } from "./enqueue.js";
import { park } from "./park.js";
import { decideRetry } from "./retryPolicy.js";
import { sqsClient } from "./sqsClient.js";
import { workItemSchema, type WorkItem } from "./workItem.js";

export type DeliveryOutcome =
  | { kind: "delivered" }
  | { kind: "skipped"; reason: string }
  | { kind: "failed"; error: RelayError };

export interface DeliveryItem<Payload> {
  /** The SQS message id: the key of the outcome map. */
  messageId: string;
  workItem: WorkItem & { payload: Payload };
  /** 1 on the first receive. */
  attempt: number;
}

/** What a destination plugs into the runtime: its payload schema and one bulk delivery call. */
export interface DestinationWorker<Payload> {
  destination: Destination;
  payloadSchema: z.ZodType<Payload>;
  /**
   * Delivers the batch and reports one outcome per message id. A message with no outcome counts as
   * failed (retryable): an empty map never passes for success.
   */
  deliver(items: DeliveryItem<Payload>[]): Promise<Map<string, DeliveryOutcome>>;
}

const MISSING_OUTCOME: DeliveryOutcome = {
  kind: "failed",
  error: toRelayError(new Error("the destination reported no outcome for this message")),
};

function receiveCount(record: SQSRecord): number {
  return Number(record.attributes.ApproximateReceiveCount) || 1;
}

function firstFailedAt(record: SQSRecord): string {
  const first = Number(record.attributes.ApproximateFirstReceiveTimestamp);
  return new Date(Number.isFinite(first) && first > 0 ? first : Date.now()).toISOString();
}

function parseRecord<Payload>(
  record: SQSRecord,
  payloadSchema: z.ZodType<Payload>,
): { item: DeliveryItem<Payload> } | { error: ValidationError; workItemId?: string } {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    return { error: new ValidationError("message body is not JSON") };
  }
  const envelope = workItemSchema.safeParse(json);
  if (!envelope.success) {
    return { error: new ValidationError(`work item envelope invalid: ${envelope.error.issues[0]?.path.join(".")}`) };
  }
  const payload = payloadSchema.safeParse(envelope.data.payload);
  if (!payload.success) {
    const issue = payload.error.issues[0];
    return {
      workItemId: envelope.data.workItemId,
      error: new ValidationError(`payload invalid at ${issue?.path.join(".") || "(root)"}: ${issue?.message}`, {
        field: issue?.path.join("."),
      }),
    };
  }
  return {
    item: {
      messageId: record.messageId,
      workItem: { ...envelope.data, payload: payload.data },
      attempt: receiveCount(record),
    },
  };
}

/**
 * The SQS worker runtime, the same for every destination: parse, deliver in bulk, then settle each
 * record through the retry policy. A record that should come back throws (Powertools reports it in
 * batchItemFailures); a record that is delivered, skipped or parked returns and is deleted.
 */
export function createWorkerHandler<Payload>(worker: DestinationWorker<Payload>) {
  const processor = new BatchProcessor(EventType.SQS);
  const { destination } = worker;
  const metrics = createMetrics({ destination });

  async function settle(record: SQSRecord, outcome: DeliveryOutcome, workItemId?: string): Promise<void> {
    const correlationId = record.messageAttributes.correlationId?.stringValue;
    if (outcome.kind === "delivered") {
      metrics.addMetric("delivered", MetricUnit.Count, 1);
      return;
    }
    if (outcome.kind === "skipped") {
      logger.info("work item skipped", { destination, workItemId, correlationId, reason: outcome.reason });
      const metric = metrics.singleMetric();
      metric.addDimensions({ reason: outcome.reason });
      metric.addMetric("skipped", MetricUnit.Count, 1);
      return;
    }
    const { error } = outcome;
    const attempt = receiveCount(record);
    const decision = decideRetry(error, attempt);
    if (error.errorClass === "auth") metrics.addMetric("credentialFailures", MetricUnit.Count, 1);
    if (decision.action === "retry") {
      logger.warn("delivery failed, will retry", {
        destination, workItemId, correlationId, attempt, delaySeconds: decision.delaySeconds,
        errorClass: error.errorClass, status: error.status, error: error.message,
      });
      metrics.addMetric("retried", MetricUnit.Count, 1);
      await sqsClient().send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrlFor(destination),
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: decision.delaySeconds,
        }),
      );
      throw error;
    }
    const passThrough: Record<string, string> = {};
    for (const [name, value] of Object.entries(record.messageAttributes)) {
      if (value.stringValue !== undefined && name !== "failure") passThrough[name] = value.stringValue;
    }
    await park(destination, record.body, {
      destination,
      workItemId,
      reason: decision.reason,
      errorClass: error.errorClass,
      message: error.message,
      status: error.status,
      partnerMessage: error.partnerMessage,
      firstFailedAt: firstFailedAt(record),
      parkedAt: new Date().toISOString(),
      attempts: attempt,
    }, passThrough);
    logger.error("work item parked in the DLQ", {
      destination, workItemId, correlationId, attempt, reason: decision.reason,
      errorClass: error.errorClass, status: error.status, error: error.message,
    });
    const metric = metrics.singleMetric();
    metric.addDimensions({ reason: decision.reason });
    metric.addMetric("parked", MetricUnit.Count, 1);
  }

  return async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    const outcomes = new Map<string, { outcome: DeliveryOutcome; workItemId?: string }>();
    const items: DeliveryItem<Payload>[] = [];
    for (const record of event.Records) {
      const parsed = parseRecord(record, worker.payloadSchema);
      if ("item" in parsed) items.push(parsed.item);
      else outcomes.set(record.messageId, { outcome: { kind: "failed", error: parsed.error }, workItemId: parsed.workItemId });
    }
    if (items.length > 0) {
      let delivered: Map<string, DeliveryOutcome>;
      const started = performance.now();
      try {
        delivered = await worker.deliver(items);
        // The partner calls dominate a delivery; this is what the dashboard shows as partner latency.
        metrics.addMetric("partnerLatency", MetricUnit.Milliseconds, performance.now() - started);
      } catch (error) {
        const failure: DeliveryOutcome = { kind: "failed", error: toRelayError(error) };
        delivered = new Map(items.map((item) => [item.messageId, failure]));
      }
      for (const item of items) {
        outcomes.set(item.messageId, {
          outcome: delivered.get(item.messageId) ?? MISSING_OUTCOME,
          workItemId: item.workItem.workItemId,
        });
      }
    }
    try {
      return await processPartialResponse(
        event,
        async (record: SQSRecord) => {
          const settled = outcomes.get(record.messageId);
          await settle(record, settled?.outcome ?? MISSING_OUTCOME, settled?.workItemId);
        },
        processor,
        { context, throwOnFullBatchFailure: false },
      );
    } finally {
      // Parked and skipped records publish their own single metrics; an empty flush only warns.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
