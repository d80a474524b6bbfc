import { SendMessageBatchCommand, type SendMessageBatchRequestEntry } from "@aws-sdk/client-sqs";
import { RetryableError } from "../errors.js";
import { fillBatches } from "../fillBatches.js";
import { logger } from "../observability.js";
import type { Destination } from "./definition.js";
import { sourceTextOf } from "../sourceText.js";
import { sizedSqsJson, sizedSqsText, sqsJson } from "./messageText.js";
import { queueUrlFor, sqsClient } from "./sqsClient.js";
import { deriveWorkItemId, type QueuedEvent, type WorkBatch } from "./workItem.js";

/** SQS limits: 1 MiB per message, 10 messages and 1 MiB per SendMessageBatch call. */
export const SQS_LIMITS = { messageBytes: 1024 * 1024, batchEntries: 10, batchBytes: 1024 * 1024 } as const;
// Room for the message attributes (destination, workItemId, correlationId) and the batch call's own framing.
const HEADROOM_BYTES = 8 * 1024;
/** What the packing fills a message and a SendMessageBatch call up to. */
export const MESSAGE_BUDGET = SQS_LIMITS.messageBytes - HEADROOM_BYTES;
export const BATCH_BUDGET = SQS_LIMITS.batchBytes - HEADROOM_BYTES;
const SEND_ATTEMPTS = 3;
/** Stands in for the work item id (same length) while a message is measured. */
const UNSET_ID = "0".repeat(32);

export interface PackedMessage {
  destination: Destination;
  workItemId: string;
  correlationId: string;
  body: string;
  bytes: number;
  eventIds: string[];
}

export interface TooLargeEvent {
  id: string;
  destination: Destination;
  reason: string;
}

/** A queued event's JSON and size: built around the text its event came in as when there is one, else serialised. */
function queuedEventJson(queued: QueuedEvent): { json: string; bytes: number } {
  const source = sourceTextOf(queued.event);
  if (source === undefined) return sizedSqsJson(queued);
  const id = sizedSqsJson(queued.id);
  const event = sizedSqsText(source);
  // {"id":…,"event":…}: the 16 bytes around the two values.
  return { json: `{"id":${id.json},"event":${event.json}}`, bytes: id.bytes + event.bytes + 16 };
}

/**
 * Packs a batch's events into as few messages as fit under SQS's message limit. Each event is serialised
 * once at most (not at all when it is queued as it came) and the body is assembled from the pieces; the work item id is one hash of the message's event ids,
 * so the same events yield the same id. An event too large for any message comes back in `tooLarge`.
 */
export function packWorkBatch(batch: WorkBatch): { messages: PackedMessage[]; tooLarge: TooLargeEvent[] } {
  const { events, priorAttempts = 0, ...envelope } = batch;
  const head = sqsJson({ workItemId: UNSET_ID, ...envelope, priorAttempts }).slice(0, -1);
  const frameBytes = Buffer.byteLength(head) + Buffer.byteLength(',"events":[]}');
  const tooLarge: TooLargeEvent[] = [];
  const pieces: Array<{ id: string; json: string; size: number }> = [];
  for (const event of events) {
    const { json, bytes } = queuedEventJson(event);
    // With the comma that follows it in the list.
    const size = bytes + 1;
    if (frameBytes + size > MESSAGE_BUDGET) {
      tooLarge.push({
        id: event.id,
        destination: batch.destination,
        reason: `event is ${size} bytes; a queue message holds at most ${MESSAGE_BUDGET - frameBytes}`,
      });
    } else {
      pieces.push({ id: event.id, json, size });
    }
  }
  const messages = fillBatches(pieces, (piece) => piece.size, { bytes: MESSAGE_BUDGET, frameBytes }).map(({ items, bytes }): PackedMessage => {
    const eventIds = items.map((piece) => piece.id);
    const workItemId = deriveWorkItemId(batch.flow, ...eventIds);
    const body = `${head.replace(UNSET_ID, workItemId)},"events":[${items.map((piece) => piece.json).join(",")}]}`;
    // Each piece was counted with a comma; n pieces have n - 1.
    return { destination: batch.destination, workItemId, correlationId: batch.correlationId, body, bytes: bytes - 1, eventIds };
  });
  return { messages, tooLarge };
}

/** Messages → SendMessageBatch calls of at most 10 entries and the batch byte budget. */
export function sendBatches(messages: PackedMessage[]): PackedMessage[][] {
  return fillBatches(messages, (message) => message.bytes, { count: SQS_LIMITS.batchEntries, bytes: BATCH_BUDGET }).map((chunk) => chunk.items);
}

async function sendChunk(queueUrl: string, chunk: PackedMessage[], delaySeconds: number | undefined): Promise<void> {
  let pending: SendMessageBatchRequestEntry[] = chunk.map((message, index) => ({
    Id: String(index),
    MessageBody: message.body,
    DelaySeconds: delaySeconds,
    MessageAttributes: {
      destination: { DataType: "String", StringValue: message.destination },
      workItemId: { DataType: "String", StringValue: message.workItemId },
      correlationId: { DataType: "String", StringValue: message.correlationId },
    },
  }));
  for (let attempt = 1; attempt <= SEND_ATTEMPTS && pending.length > 0; attempt++) {
    let result;
    try {
      result = await sqsClient().send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
    } catch (error) {
      // The SDK has already retried what it could: SQS is failing, which the sender may retry (503 at ingest).
      throw new RetryableError(`SQS SendMessageBatch failed: ${(error as Error).message}`, { cause: error });
    }
    const failedIds = new Set((result.Failed ?? []).map((failure) => failure.Id));
    pending = pending.filter((entry) => failedIds.has(entry.Id));
  }
  if (pending.length > 0) {
    throw new RetryableError(`SQS refused ${pending.length} message(s) after ${SEND_ATTEMPTS} attempts`);
  }
}

export interface PackedWork {
  /** The messages, by destination queue, in the order they were packed. */
  byDestination: Map<Destination, PackedMessage[]>;
  messages: PackedMessage[];
  tooLarge: TooLargeEvent[];
}

/** Packs every batch into queue messages (pure): what would be sent, and the events no message can hold. */
export function packWork(batches: WorkBatch[]): PackedWork {
  const byDestination = new Map<Destination, PackedMessage[]>();
  const tooLarge: TooLargeEvent[] = [];
  for (const batch of batches) {
    const packed = packWorkBatch(batch);
    tooLarge.push(...packed.tooLarge);
    const list = byDestination.get(batch.destination) ?? [];
    list.push(...packed.messages);
    byDestination.set(batch.destination, list);
  }
  return { byDestination, messages: [...byDestination.values()].flat(), tooLarge };
}

/**
 * Sends packed work to the destination queues. Throws when anything could not be enqueued, so the webhook
 * answers 5xx and the sender retries; work item ids are deterministic, so what did get through the first
 * time is recognisable downstream. `delaySeconds` (≤ 900, SQS's limit) delays every message.
 */
export async function sendPackedWork(packed: PackedWork, delaySeconds?: number): Promise<void> {
  await Promise.all(
    [...packed.byDestination].flatMap(([destination, messages]) => {
      const queueUrl = queueUrlFor(destination);
      return sendBatches(messages).map((chunk) => sendChunk(queueUrl, chunk, delaySeconds));
    }),
  );
  // Stryker disable next-line StringLiteral,ObjectLiteral: a debug log line, not behaviour
  logger.debug("enqueued work", { messages: packed.messages.length, tooLarge: packed.tooLarge.length });
}

/** Packs and sends; events too large for any message are returned, not sent. */
export async function enqueueWork(batches: WorkBatch[], delaySeconds?: number): Promise<PackedWork> {
  const packed = packWork(batches);
  await sendPackedWork(packed, delaySeconds);
  return packed;
}
