import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { ChangeMessageVisibilityCommand } from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { RetryableError, ValidationError, toRelayError, type DeliveryOutcome, type RelayError } from "../errors.js";
import { createMetrics, logger } from "../observability.js";
import type { Destination } from "./definition.js";
import { enqueueWork, packWorkBatch } from "./enqueue.js";
import { sqsJson } from "./messageText.js";
import { park, parkRecord } from "./park.js";
import { decideRetry, type ParkReason } from "./retryPolicy.js";
import { queueUrlFor, sqsClient } from "./sqsClient.js";
import { workItemSchema, type ParsedWorkItem, type QueuedEvent } from "./workItem.js";

export type { DeliveryOutcome };

export interface WorkerMessage {
  /** The SQS message id. */
  messageId: string;
  workItem: ParsedWorkItem;
  /** Attempts including this one: the work item's prior attempts plus the receive count. */
  attempt: number;
}

/** The key of one event's outcome: its message and its source id. */
export function eventKey(messageId: string, eventId: string): string {
  return `${messageId}\u001f${eventId}`;
}

/** What plugs into the runtime for one destination queue (see shared/flows). */
export interface DestinationWorker {
  destination: Destination;
  /**
   * Maps and delivers every event of the batch and reports one outcome per event (keyed by eventKey).
   * An event with no outcome counts as failed (retryable): an empty map never passes for success.
   */
  deliver(messages: WorkerMessage[]): Promise<Map<string, DeliveryOutcome>>;
}

/** SQS's longest DelaySeconds: a partial retry waits at most this long. */
export const MAX_DELAY_SECONDS = 900;

function receiveCount(record: SQSRecord): number {
  return Number(record.attributes.ApproximateReceiveCount) || 1;
}

function firstFailedAt(record: SQSRecord): string {
  const first = Number(record.attributes.ApproximateFirstReceiveTimestamp);
  return new Date(Number.isFinite(first) && first > 0 ? first : Date.now()).toISOString();
}

function parseRecord(record: SQSRecord): { message: WorkerMessage } | { error: ValidationError } {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    return { error: new ValidationError("message body is not JSON") };
  }
  const parsed = workItemSchema.safeParse(json);
  if (!parsed.success) {
    // A failed parse has at least one issue; the park record keeps the message, so no `field` here.
    const issue = parsed.error.issues[0]!;
    return { error: new ValidationError(`work item invalid at ${issue.path.join(".") || "(root)"}: ${issue.message}`) };
  }
  return { message: { messageId: record.messageId, workItem: parsed.data, attempt: parsed.data.priorAttempts + receiveCount(record) } };
}

interface Failed {
  event: QueuedEvent;
  error: RelayError;
}

/**
 * The SQS worker runtime, the same for every destination: parse, deliver the whole batch, then settle
 * each message by the outcomes of its events. Delivered and skipped events are done. When every event of a
 * message failed and all may retry, the message comes back (visibility extended, reported as failed).
 * Otherwise the retryable failures go back on the queue as a new message (attempts carried forward),
 * the others are parked by reason, and the original is deleted.
 */
export function createWorkerHandler(worker: DestinationWorker) {
  const processor = new BatchProcessor(EventType.SQS);
  const { destination } = worker;
  const metrics = createMetrics({ destination });

  function passThroughAttributes(record: SQSRecord): Record<string, string> {
    const attributes: Record<string, string> = {};
    for (const [name, value] of Object.entries(record.messageAttributes)) {
      // park() replaces any earlier park record (PARK_ATTRIBUTE) itself.
      if (value.stringValue !== undefined) attributes[name] = value.stringValue;
    }
    return attributes;
  }

  function countParked(reason: ParkReason, count: number): void {
    const metric = metrics.singleMetric();
    metric.addDimensions({ reason });
    metric.addMetric("parked", MetricUnit.Count, count);
  }

  /** A message that could not be read is parked whole, as it came. */
  async function parkUnreadable(record: SQSRecord, error: ValidationError): Promise<void> {
    const attempt = receiveCount(record);
    const correlationId = record.messageAttributes.correlationId?.stringValue;
    const workItemId = record.messageAttributes.workItemId?.stringValue;
    await park(destination, record.body, parkRecord(destination, workItemId, "validation", error, attempt, firstFailedAt(record)), passThroughAttributes(record));
    logger.error("work item parked in the DLQ", { destination, workItemId, correlationId, attempt, reason: "validation", error: error.message });
    countParked("validation", 1);
  }

  async function settle(record: SQSRecord, message: WorkerMessage, outcomes: Map<string, DeliveryOutcome>): Promise<void> {
    const { workItem, attempt } = message;
    const { workItemId, correlationId } = workItem;
    const failed: Failed[] = [];
    let delivered = 0;
    for (const event of workItem.events) {
      const outcome = outcomes.get(eventKey(message.messageId, event.id));
      if (outcome?.kind === "delivered") delivered++;
      else if (outcome?.kind === "skipped") {
        logger.info("event skipped", { destination, workItemId, correlationId, eventId: event.id, reason: outcome.reason });
        const metric = metrics.singleMetric();
        metric.addDimensions({ reason: outcome.reason });
        metric.addMetric("skipped", MetricUnit.Count, 1);
      } else failed.push({ event, error: outcome?.error ?? new RetryableError("the destination reported no outcome for this event") });
    }
    if (delivered > 0) metrics.addMetric("delivered", MetricUnit.Count, delivered);
    if (failed.length === 0) return;

    const retry: Failed[] = [];
    const parked = new Map<ParkReason, Failed[]>();
    let delaySeconds = 0;
    for (const failure of failed) {
      if (failure.error.errorClass === "auth") metrics.addMetric("credentialFailures", MetricUnit.Count, 1);
      const decision = decideRetry(failure.error, attempt);
      if (decision.action === "retry") {
        retry.push(failure);
        delaySeconds = Math.max(delaySeconds, decision.delaySeconds);
      } else {
        parked.set(decision.reason, [...(parked.get(decision.reason) ?? []), failure]);
      }
    }
    const firstError = failed[0]!.error;
    if (retry.length === workItem.events.length) {
      logger.warn("delivery failed, will retry", {
        destination, workItemId, correlationId, attempt, delaySeconds,
        errorClass: firstError.errorClass, status: firstError.status, error: firstError.message,
      });
      metrics.addMetric("retried", MetricUnit.Count, retry.length);
      await sqsClient().send(
        new ChangeMessageVisibilityCommand({ QueueUrl: queueUrlFor(destination), ReceiptHandle: record.receiptHandle, VisibilityTimeout: delaySeconds }),
      );
      throw firstError;
    }
    const { workItemId: _id, priorAttempts: _prior, events: _events, ...envelope } = workItem;
    if (retry.length > 0) {
      await enqueueWork([{ ...envelope, priorAttempts: attempt, events: retry.map((failure) => failure.event) }], Math.min(MAX_DELAY_SECONDS, delaySeconds));
      logger.warn("some events failed, retrying them in a new message", {
        destination, workItemId, correlationId, attempt, delaySeconds, events: retry.length,
        errorClass: retry[0]!.error.errorClass, error: retry[0]!.error.message,
      });
      metrics.addMetric("retried", MetricUnit.Count, retry.length);
    }
    for (const [reason, failures] of parked) {
      const error = failures[0]!.error;
      // Parked with no attempts spent, so a redrive gets the whole retry budget again. A message parked
      // whole keeps its id; a part of one gets the id of its own events.
      const whole = failures.length === workItem.events.length;
      const messages = whole
        ? [{ workItemId, body: sqsJson({ ...workItem, priorAttempts: 0 }) }]
        : packWorkBatch({ ...envelope, priorAttempts: 0, events: failures.map((failure) => failure.event) }).messages;
      for (const message of messages) {
        const attributes = { ...passThroughAttributes(record), workItemId: message.workItemId };
        await park(destination, message.body, parkRecord(destination, message.workItemId, reason, error, attempt, firstFailedAt(record)), attributes);
      }
      logger.error("work item parked in the DLQ", {
        destination, workItemId, correlationId, attempt, reason, events: failures.length,
        errorClass: error.errorClass, status: error.status, error: error.message,
      });
      countParked(reason, failures.length);
    }
  }

  return async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    const messages = new Map<string, WorkerMessage>();
    const unreadable = new Map<string, ValidationError>();
    for (const record of event.Records) {
      const parsed = parseRecord(record);
      if ("message" in parsed) messages.set(record.messageId, parsed.message);
      else unreadable.set(record.messageId, parsed.error);
    }
    let outcomes = new Map<string, DeliveryOutcome>();
    if (messages.size > 0) {
      const started = performance.now();
      try {
        outcomes = await worker.deliver([...messages.values()]);
        // The partner calls dominate a delivery; this is what the dashboard shows as partner latency.
        metrics.addMetric("partnerLatency", MetricUnit.Milliseconds, performance.now() - started);
      } catch (error) {
        const failure: DeliveryOutcome = { kind: "failed", error: toRelayError(error) };
        for (const message of messages.values()) {
          for (const queued of message.workItem.events) outcomes.set(eventKey(message.messageId, queued.id), failure);
        }
      }
    }
    try {
      return await processPartialResponse(
        event,
        async (record: SQSRecord) => {
          const message = messages.get(record.messageId);
          if (message) await settle(record, message, outcomes);
          // Every record is either a message or unreadable.
          else await parkUnreadable(record, unreadable.get(record.messageId)!);
        },
        processor,
        { context, throwOnFullBatchFailure: false },
      );
    } finally {
      // Parked and skipped records publish their own single metrics; an empty flush only warns.
      // Stryker disable next-line ConditionalExpression: flushing no metrics only writes Powertools' warning line
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
