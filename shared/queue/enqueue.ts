import { SendMessageBatchCommand, type SendMessageBatchRequestEntry } from "@aws-sdk/client-sqs";
import { RetryableError } from "../errors.js";
import { logger } from "../observability.js";
import { queueUrlEnvVar, type Destination } from "./definition.js";
import { sqsJson } from "./messageText.js";
import { sqsClient } from "./sqsClient.js";
import type { WorkItem } from "./workItem.js";

const MAX_ENTRIES_PER_BATCH = 10;
// SQS takes 1 MiB per batch; stay well under it so attributes and encoding never tip it over.
const MAX_BATCH_BYTES = 900 * 1024;
const SEND_ATTEMPTS = 3;

export function queueUrlFor(destination: Destination): string {
  const name = queueUrlEnvVar(destination);
  const url = process.env[name];
  if (!url) throw new Error(`${name} is not set`);
  return url;
}

function* chunks(items: WorkItem[]): Generator<WorkItem[]> {
  let chunk: WorkItem[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(sqsJson(item));
    if (chunk.length === MAX_ENTRIES_PER_BATCH || (chunk.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

async function sendChunk(queueUrl: string, chunk: WorkItem[]): Promise<void> {
  let pending: SendMessageBatchRequestEntry[] = chunk.map((item, index) => ({
    Id: String(index),
    MessageBody: sqsJson(item),
    MessageAttributes: {
      destination: { DataType: "String", StringValue: item.destination },
      workItemId: { DataType: "String", StringValue: item.workItemId },
      correlationId: { DataType: "String", StringValue: item.correlationId },
    },
  }));
  for (let attempt = 1; attempt <= SEND_ATTEMPTS && pending.length > 0; attempt++) {
    const result = await sqsClient().send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
    const failedIds = new Set((result.Failed ?? []).map((failure) => failure.Id));
    pending = pending.filter((entry) => failedIds.has(entry.Id));
  }
  if (pending.length > 0) {
    throw new RetryableError(`SQS refused ${pending.length} message(s) after ${SEND_ATTEMPTS} attempts`);
  }
}

/**
 * Puts work items on their destination queues. Throws when anything could not be enqueued, so the
 * webhook answers 5xx and the sender retries; work item ids are deterministic, so what did get through
 * the first time is deduplicated downstream.
 */
export async function enqueueWorkItems(items: WorkItem[]): Promise<void> {
  const byDestination = new Map<Destination, WorkItem[]>();
  for (const item of items) {
    const list = byDestination.get(item.destination) ?? [];
    list.push(item);
    byDestination.set(item.destination, list);
  }
  const sends: Promise<void>[] = [];
  for (const [destination, list] of byDestination) {
    const queueUrl = queueUrlFor(destination);
    for (const chunk of chunks(list)) sends.push(sendChunk(queueUrl, chunk));
  }
  await Promise.all(sends);
  logger.debug("enqueued work items", { count: items.length });
}
