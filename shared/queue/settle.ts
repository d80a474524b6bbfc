import { ChangeMessageVisibilityCommand } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import { RetryableError, type DeliveryOutcome, type RelayError } from "../errors.js";
import { logger, publishCount } from "../observability.js";
import { enqueueWork, packWorkBatch, sendPackedWork } from "./enqueue.js";
import { sqsJson } from "./messageText.js";
import { park, parkRecord } from "./park.js";
import { MAX_DELAY_SECONDS, decideFailure, type FailureSituation, type ParkReason } from "./retryPolicy.js";
import { queueUrlFor, sqsClient } from "./sqsClient.js";
import { eventKey, firstFailedAt, passThroughAttributes, receiveCount, waitedSeconds, type WorkerMessage } from "./workerMessage.js";
import { count, type WorkerRuntime } from "./workerRuntime.js";
import type { QueuedEvent } from "./workItem.js";

interface Failed {
  event: QueuedEvent;
  error: RelayError;
}

/** A message's failed events by what becomes of them. */
interface FailurePlan {
  retry: Failed[];
  retryDelaySeconds: number;
  hold: Failed[];
  holdDelaySeconds: number;
  parked: Map<ParkReason, Failed[]>;
}

/** Counts the delivered and skipped events of a message and returns the failed ones. */
function failuresOf(runtime: WorkerRuntime, message: WorkerMessage, outcomes: Map<string, DeliveryOutcome>): Failed[] {
  const { workItemId, correlationId } = message.workItem;
  const failed: Failed[] = [];
  let delivered = 0;
  for (const event of message.workItem.events) {
    const outcome = outcomes.get(eventKey(message.messageId, event.id));
    if (outcome?.kind === "delivered") delivered++;
    // Already on the queue again (carryOver, before any message is settled), counted there.
    else if (outcome?.kind === "carried") continue;
    else if (outcome?.kind === "skipped") {
      logger.info("event skipped", { destination: runtime.destination, workItemId, correlationId, eventId: event.id, reason: outcome.reason });
      publishCount(runtime.metrics, "skipped", 1, { reason: outcome.reason });
    } else failed.push({ event, error: outcome?.error ?? new RetryableError("the destination reported no outcome for this event") });
  }
  count(runtime, "delivered", delivered);
  return failed;
}

function planFailures(runtime: WorkerRuntime, failed: Failed[], attempt: number, situation: FailureSituation): FailurePlan {
  const plan: FailurePlan = { retry: [], retryDelaySeconds: 0, hold: [], holdDelaySeconds: 0, parked: new Map() };
  for (const failure of failed) {
    if (failure.error.errorClass === "auth") count(runtime, "credentialFailures", 1);
    const decision = decideFailure(failure.error, attempt, situation);
    if (decision.action === "retry") {
      plan.retry.push(failure);
      plan.retryDelaySeconds = Math.max(plan.retryDelaySeconds, decision.delaySeconds);
    } else if (decision.action === "hold") {
      plan.hold.push(failure);
      plan.holdDelaySeconds = Math.max(plan.holdDelaySeconds, decision.delaySeconds);
    } else {
      plan.parked.set(decision.reason, [...(plan.parked.get(decision.reason) ?? []), failure]);
    }
  }
  return plan;
}

/** Every event failed and may retry: the message itself comes back after the delay (reported as failed). */
async function retryInPlace(runtime: WorkerRuntime, record: SQSRecord, message: WorkerMessage, plan: FailurePlan): Promise<never> {
  const { workItemId, correlationId } = message.workItem;
  // Called when every event of the message is to retry, and a work item has at least one event.
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion
  const error = plan.retry[0]!.error;
  logger.warn("delivery failed, will retry", {
    destination: runtime.destination,
    workItemId,
    correlationId,
    attempt: message.attempt,
    delaySeconds: plan.retryDelaySeconds,
    errorClass: error.errorClass,
    status: error.status,
    error: error.message,
  });
  count(runtime, "retried", plan.retry.length);
  await sqsClient().send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrlFor(runtime.destination),
      ReceiptHandle: record.receiptHandle,
      VisibilityTimeout: plan.retryDelaySeconds,
    }),
  );
  throw error;
}

/**
 * Sends failed events back to the queue as a new message after `delaySeconds`, carrying `priorAttempts`.
 * The whole message keeps its id; a part of one gets the id of its own events.
 */
async function resend(message: WorkerMessage, failures: Failed[], priorAttempts: number, delay: number): Promise<void> {
  const { workItem } = message;
  const delaySeconds = Math.min(MAX_DELAY_SECONDS, delay);
  const { workItemId: _id, priorAttempts: _prior, events: _events, ...envelope } = workItem;
  if (failures.length < workItem.events.length) {
    await enqueueWork([{ ...envelope, priorAttempts, events: failures.map((failure) => failure.event) }], delaySeconds);
    return;
  }
  const body = sqsJson({ ...workItem, priorAttempts });
  const { destination, workItemId, correlationId } = workItem;
  const whole = { destination, workItemId, correlationId, body, bytes: Buffer.byteLength(body), eventIds: workItem.events.map((event) => event.id) };
  await sendPackedWork({ byDestination: new Map([[workItem.destination, [whole]]]), messages: [whole], tooLarge: [] }, delaySeconds);
}

async function retryAsNewMessage(runtime: WorkerRuntime, message: WorkerMessage, plan: FailurePlan): Promise<void> {
  const [first] = plan.retry;
  if (!first) return;
  await resend(message, plan.retry, message.attempt, plan.retryDelaySeconds);
  const { workItemId, correlationId } = message.workItem;
  logger.warn("some events failed, retrying them in a new message", {
    destination: runtime.destination,
    workItemId,
    correlationId,
    attempt: message.attempt,
    delaySeconds: plan.retryDelaySeconds,
    events: plan.retry.length,
    errorClass: first.error.errorClass,
    error: first.error.message,
  });
  count(runtime, "retried", plan.retry.length);
}

/** Held: back on the queue with the attempts spent before this receive, so the hold costs none. */
async function hold(runtime: WorkerRuntime, message: WorkerMessage, plan: FailurePlan): Promise<void> {
  const [first] = plan.hold;
  if (!first) return;
  await resend(message, plan.hold, message.attempt - 1, plan.holdDelaySeconds);
  const { workItemId, correlationId } = message.workItem;
  const { error } = first;
  logger.info("events held: the partner is down or asked to slow down", {
    destination: runtime.destination,
    workItemId,
    correlationId,
    events: plan.hold.length,
    delaySeconds: plan.holdDelaySeconds,
    status: error.status,
    error: error.message,
  });
  count(runtime, "held", plan.hold.length);
}

async function parkFailures(runtime: WorkerRuntime, record: SQSRecord, message: WorkerMessage, reason: ParkReason, failures: Failed[]): Promise<void> {
  const { destination } = runtime;
  const { workItem, attempt } = message;
  const { workItemId: _id, priorAttempts: _prior, events: _events, ...envelope } = workItem;
  // The plan files a reason only with a failure under it.
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion
  const error = failures[0]!.error;
  // Parked with no attempts spent, so a redrive gets the whole retry budget again. A message parked
  // whole keeps its id; a part of one gets the id of its own events.
  const messages =
    failures.length === workItem.events.length
      ? [{ workItemId: workItem.workItemId, body: sqsJson({ ...workItem, priorAttempts: 0 }) }]
      : packWorkBatch({ ...envelope, priorAttempts: 0, events: failures.map((failure) => failure.event) }).messages;
  const waited = reason === "outage-exceeded" ? { waitedSeconds: waitedSeconds(workItem) } : {};
  for (const parked of messages) {
    const attributes = { ...passThroughAttributes(record), workItemId: parked.workItemId };
    await park(
      destination,
      parked.body,
      { ...parkRecord(destination, parked.workItemId, reason, error, attempt, firstFailedAt(record)), ...waited },
      attributes,
    );
  }
  logger.error("work item parked in the DLQ", {
    destination,
    workItemId: workItem.workItemId,
    correlationId: workItem.correlationId,
    attempt,
    reason,
    events: failures.length,
    errorClass: error.errorClass,
    status: error.status,
    error: error.message,
    ...waited,
  });
  publishCount(runtime.metrics, "parked", failures.length, { reason });
}

/**
 * Settles one message by the outcomes of its events. Delivered and skipped events are done. When every
 * event failed and all may retry, the message comes back (visibility extended, reported as failed).
 * Otherwise retries go back on the queue as a new message (attempts carried forward), held events as a
 * new message with no attempt spent, the rest are parked by reason, and the original is deleted.
 * `partnerDown`: an outage is the partner's (held), not this message's (retried).
 */
export async function settle(
  runtime: WorkerRuntime,
  record: SQSRecord,
  message: WorkerMessage,
  outcomes: Map<string, DeliveryOutcome>,
  partnerDown: boolean,
): Promise<void> {
  const failed = failuresOf(runtime, message, outcomes);
  if (failed.length === 0) return;
  const plan = planFailures(runtime, failed, message.attempt, { partnerDown, waitedSeconds: waitedSeconds(message.workItem) });
  if (plan.retry.length === message.workItem.events.length) await retryInPlace(runtime, record, message, plan);
  await retryAsNewMessage(runtime, message, plan);
  await hold(runtime, message, plan);
  for (const [reason, failures] of plan.parked) await parkFailures(runtime, record, message, reason, failures);
}

/** A message that could not be read is parked whole, as it came. */
export async function parkUnreadable(runtime: WorkerRuntime, record: SQSRecord, error: RelayError): Promise<void> {
  const attempt = receiveCount(record);
  const correlationId = record.messageAttributes.correlationId?.stringValue;
  const workItemId = record.messageAttributes.workItemId?.stringValue;
  const { destination } = runtime;
  await park(destination, record.body, parkRecord(destination, workItemId, "validation", error, attempt, firstFailedAt(record)), passThroughAttributes(record));
  logger.error("work item parked in the DLQ", { destination, workItemId, correlationId, attempt, reason: "validation", error: error.message });
  publishCount(runtime.metrics, "parked", 1, { reason: "validation" });
}
