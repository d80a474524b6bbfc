import { packWorkBatch, sendPackedWork, type PackedMessage } from "./enqueue.js";
import { sqsJson } from "./messageText.js";
import { MAX_DELAY_SECONDS } from "./retryPolicy.js";
import type { WorkerMessage } from "./workerMessage.js";
import type { ParsedWorkItem, QueuedEvent } from "./workItem.js";

/** What a copy changes in its work item: the attempts spent before it, and when it was first carried over. */
export type CopyFields = Pick<ParsedWorkItem, "priorAttempts" | "carriedAt">;

/**
 * Events of a received message as new messages for its own queue (held, retried or carried over): the
 * whole message keeps its id; a part of one gets the id of its own events.
 */
export function copiesOf(message: WorkerMessage, events: QueuedEvent[], fields: CopyFields): PackedMessage[] {
  const { workItem } = message;
  const { workItemId: _id, priorAttempts: _prior, events: _events, carriedAt: _carried, ...envelope } = workItem;
  const carried = fields.carriedAt === undefined ? {} : { carriedAt: fields.carriedAt };
  if (events.length < workItem.events.length) {
    // The events came in one message, so a part of them fits in one too: nothing is too large.
    return packWorkBatch({ ...envelope, ...carried, priorAttempts: fields.priorAttempts, events }).messages;
  }
  const body = sqsJson({ ...workItem, ...carried, priorAttempts: fields.priorAttempts });
  const { destination, workItemId, correlationId } = workItem;
  return [{ destination, workItemId, correlationId, body, bytes: Buffer.byteLength(body), eventIds: events.map((event) => event.id) }];
}

/** Sends copies to their queue after `delay` seconds (at most SQS's 900), in as few calls as fit. */
export async function sendCopies(copies: PackedMessage[], delay: number): Promise<void> {
  const [first] = copies;
  if (!first) return;
  await sendPackedWork({ byDestination: new Map([[first.destination, copies]]), messages: copies, tooLarge: [] }, Math.min(MAX_DELAY_SECONDS, delay));
}
