import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message } from "@aws-sdk/client-sqs";
import type { Context, SQSRecord } from "aws-lambda";
import { retryHoldSeconds } from "../config/settings.js";
import { logger, publishCount } from "../observability.js";
import { processBatch, type BatchOptions } from "./batch.js";
import { consumptionPaused, pauseConsumption, resumeConsumption } from "./consumption.js";
import { emptyTally, type PartnerTally } from "./partnerGuard.js";
import { queueUrlFor, sqsClient } from "./sqsClient.js";
import { waitedSeconds } from "./workerMessage.js";
import type { WorkerRuntime } from "./workerRuntime.js";

/** Messages one probe receives: one is the probe, the others are held (or parked once too old). */
const PROBE_RECEIVE = 10;
/**
 * How long a probe's receive waits for a message. Long polling asks every SQS server, where a short poll
 * samples a few and may answer empty while messages wait (SQS Developer Guide, "Amazon SQS short and long
 * polling"); and the messages the last probe held for PARTNER_PROBE_SECONDS come back just after this tick,
 * which a short poll missed, leaving one probe per two intervals.
 */
const PROBE_WAIT_SECONDS = 2;
/** The probe keeps parking expired messages while the invocation has more than this left. */
const DRAIN_MARGIN_MS = 10_000;

/**
 * After an invocation from the queue: a partner that is down (and failed a call in this invocation) stops
 * the queue's consumption, so its messages wait in SQS for free while the probe finds out when it is back.
 */
export async function pauseWhenDown(runtime: WorkerRuntime, tally: PartnerTally): Promise<void> {
  if (!runtime.guard.health.down || tally.outage === 0) return;
  try {
    await pauseConsumption(runtime.destination);
    logger.warn("partner down: consumption paused until a probe gets an answer", { destination: runtime.destination });
  } catch (error) {
    // Still safe: messages keep being held, one trial call per probe interval per container.
    logger.error("partner down, but consumption could not be paused", { destination: runtime.destination, error: (error as Error).message });
  }
}

/** A received message as Lambda hands it to a handler, so the probe settles it through the normal path. */
function recordOf(message: Message): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1",
      SentTimestamp: attributes.SentTimestamp ?? "",
      SenderId: attributes.SenderId ?? "",
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? "",
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, { dataType: value.DataType ?? "String", stringValue: value.StringValue }]),
    ),
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    // Not read by the runtime; the probe receives the queue itself.
    eventSourceARN: "",
    awsRegion: "",
  };
}

async function receive(runtime: WorkerRuntime): Promise<Message[]> {
  const { Messages } = await sqsClient().send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrlFor(runtime.destination),
      MaxNumberOfMessages: PROBE_RECEIVE,
      WaitTimeSeconds: PROBE_WAIT_SECONDS,
      MessageSystemAttributeNames: ["All"],
      MessageAttributeNames: ["All"],
    }),
  );
  return Messages ?? [];
}

/** Settles received messages through the runtime and deletes what it settled, as the event source mapping would. */
async function settleReceived(runtime: WorkerRuntime, messages: Message[], context: Context, options: BatchOptions): Promise<PartnerTally> {
  if (messages.length === 0) return emptyTally();
  const event = { Records: messages.map(recordOf) };
  const { response, tally } = await processBatch(runtime, event, context, options);
  const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
  const settled = event.Records.filter((record) => !failed.has(record.messageId));
  if (settled.length > 0) {
    await sqsClient().send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrlFor(runtime.destination),
        Entries: settled.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
      }),
    );
  }
  return tally;
}

/** Probes with one message at a time (taken from `messages`) until a partner call says whether the partner is back. */
async function partnerIsBack(runtime: WorkerRuntime, messages: Message[], context: Context): Promise<boolean | undefined> {
  while (messages.length > 0) {
    const tally = await settleReceived(runtime, messages.splice(0, 1), context, { probe: true, partnerDown: true });
    if (tally.answered + tally.throttled > 0) return true;
    if (tally.outage > 0) return false;
  }
  return undefined;
}

function olderThanHold(message: Message): boolean {
  try {
    const { receivedAt } = JSON.parse(message.Body ?? "") as { receivedAt?: unknown };
    return typeof receivedAt === "string" && waitedSeconds({ receivedAt }) > retryHoldSeconds();
  } catch {
    return false;
  }
}

/** Holds the rest without a call; while the batches hold messages past RETRY_HOLD_SECONDS, parks on (SQS's retention must not get them). */
async function holdRest(runtime: WorkerRuntime, messages: Message[], context: Context): Promise<void> {
  let batch = messages;
  for (;;) {
    await settleReceived(runtime, batch, context, { refuseAll: true, partnerDown: true });
    if (!batch.some(olderThanHold) || context.getRemainingTimeInMillis() < DRAIN_MARGIN_MS) return;
    batch = await receive(runtime);
  }
}

async function resume(runtime: WorkerRuntime, why: string): Promise<void> {
  await resumeConsumption(runtime.destination);
  logger.info(`consumption resumed: ${why}`, { destination: runtime.destination });
}

/**
 * Nothing visible to probe with: stay paused while messages are due back, else resume. Due back are the held
 * ones (delayed) and those in flight: a batch the mapping took before the pause settled, or a message another
 * container is retrying (its visibility extended by the backoff). Resumed, the in-flight ones would come back
 * to containers that have not found the partner down, and spend their attempts on the outage.
 */
async function resumeUnlessDueBack(runtime: WorkerRuntime): Promise<void> {
  const { Attributes } = await sqsClient().send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrlFor(runtime.destination),
      AttributeNames: ["ApproximateNumberOfMessagesDelayed", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  const dueBack = Number(Attributes?.ApproximateNumberOfMessagesDelayed ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  if (dueBack === 0) await resume(runtime, "the queue is empty");
}

/**
 * The scheduled probe (every PARTNER_PROBE_SECONDS): reports `partnerDown` and, while consumption is paused,
 * delivers one message through the normal path. An answer resumes consumption and the rest of the batch is
 * delivered; an outage holds it (no call) and consumption stays paused.
 */
export async function probe(runtime: WorkerRuntime, context: Context): Promise<void> {
  const paused = await consumptionPaused(runtime.destination);
  publishCount(runtime.metrics, "partnerDown", paused ? 1 : 0);
  if (!paused) return;
  const messages = await receive(runtime);
  if (messages.length === 0) return resumeUnlessDueBack(runtime);
  const back = await partnerIsBack(runtime, messages, context);
  if (back) {
    await resume(runtime, "the partner answered the probe");
    await settleReceived(runtime, messages, context, {});
  } else {
    await holdRest(runtime, messages, context);
  }
}
