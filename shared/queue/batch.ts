import { processPartialResponse } from "@aws-lambda-powertools/batch";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { toRelayError, type DeliveryOutcome, type ValidationError } from "../errors.js";
import { logger } from "../observability.js";
import { consumptionPaused } from "./consumption.js";
import { emptyTally, type PartnerTally, type WatchOptions } from "./partnerGuard.js";
import { parkUnreadable, settle } from "./settle.js";
import { eventKey, parseRecord, type WorkerMessage } from "./workerMessage.js";
import { count, type DeliverOptions, type WorkerRuntime } from "./workerRuntime.js";

export interface BatchOptions extends WatchOptions {
  /** Consumption is paused: an outage is the partner's (held) whatever this container has seen. */
  partnerDown?: boolean;
  /** An invocation from the queue: the destination may carry part-filled requests over (shared/queue/carry.ts). */
  carry?: boolean;
}

function readRecords(records: SQSRecord[]): { messages: Map<string, WorkerMessage>; unreadable: Map<string, ValidationError> } {
  const messages = new Map<string, WorkerMessage>();
  const unreadable = new Map<string, ValidationError>();
  for (const record of records) {
    const parsed = parseRecord(record);
    if ("message" in parsed) messages.set(record.messageId, parsed.message);
    else unreadable.set(record.messageId, parsed.error);
  }
  return { messages, unreadable };
}

/**
 * Whether an outage in this batch is the partner's (held) rather than the message's (an attempt spent): the
 * probe says so, this container has found the partner down, or another container has paused the queue since
 * this batch was taken (its mapping is Disabled or Disabling). Health is each container's; the pause is the
 * fleet's, and a batch in flight when it came would otherwise spend its attempts on the outage. Lambda is
 * asked only when a call of the batch had an outage.
 */
async function partnerDownFor(runtime: WorkerRuntime, tally: PartnerTally, options: BatchOptions): Promise<boolean> {
  if (options.partnerDown === true || runtime.guard.health.down) return true;
  if (tally.outage === 0) return false;
  try {
    return await consumptionPaused(runtime.destination);
  } catch (error) {
    logger.warn("could not read whether consumption is paused: this batch's outages count as attempts", {
      destination: runtime.destination,
      error: (error as Error).message,
    });
    return false;
  }
}

/** Delivers every message in one call under the partner guard; a thrown delivery fails every event alike. */
async function deliverAll(
  runtime: WorkerRuntime,
  messages: WorkerMessage[],
  tally: PartnerTally,
  options: BatchOptions,
  deliverOptions: DeliverOptions,
): Promise<Map<string, DeliveryOutcome>> {
  if (messages.length === 0) return new Map();
  const started = performance.now();
  try {
    const outcomes = await runtime.guard.watch(() => runtime.worker.deliver(messages, deliverOptions), tally, options);
    // The partner calls dominate a delivery; this is what the dashboard shows as partner latency.
    runtime.metrics.addMetric("partnerLatency", MetricUnit.Milliseconds, performance.now() - started);
    return outcomes;
  } catch (error) {
    const failure: DeliveryOutcome = { kind: "failed", error: toRelayError(error) };
    return new Map(messages.flatMap((message) => message.workItem.events.map((queued) => [eventKey(message.messageId, queued.id), failure] as const)));
  }
}

/**
 * One batch of records through the runtime: parse, deliver the whole batch (carried messages first),
 * re-enqueue what the destination carried over, then settle each message by the outcomes of its events
 * (partial batch response). Returns the response and how the partner calls went.
 */
export async function processBatch(
  runtime: WorkerRuntime,
  event: SQSEvent,
  context: Context,
  options: BatchOptions = {},
): Promise<{ response: SQSBatchResponse; tally: PartnerTally }> {
  const { messages, unreadable } = readRecords(event.Records);
  const tally = emptyTally();
  const carry = runtime.worker.carry;
  const ordered = carry ? carry.carriedFirst([...messages.values()]) : [...messages.values()];
  const deliverOptions = carry && options.carry === true ? { carriable: carry.carriable(ordered) } : {};
  const outcomes = await deliverAll(runtime, ordered, tally, options, deliverOptions);
  count(runtime, "throttled", tally.throttled);
  if (carry) await carry.carryOver(runtime, ordered, outcomes);
  const partnerDown = await partnerDownFor(runtime, tally, options);
  try {
    const response = await processPartialResponse(
      event,
      async (record: SQSRecord) => {
        const message = messages.get(record.messageId);
        if (message) await settle(runtime, record, message, outcomes, partnerDown);
        // Every record is either a message or unreadable: a check here could never fail.
        // eslint-disable-next-line @typescript-eslint/no-non-null-assertion
        else await parkUnreadable(runtime, record, unreadable.get(record.messageId)!);
      },
      runtime.processor,
      { context, throwOnFullBatchFailure: false },
    );
    return { response, tally };
  } finally {
    // Parked and skipped records publish their own single metrics; an empty flush only warns.
    // Stryker disable next-line ConditionalExpression: flushing no metrics only writes Powertools' warning line
    if (runtime.metrics.hasStoredMetrics()) runtime.metrics.publishStoredMetrics();
  }
}
