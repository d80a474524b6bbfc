import type { Message, MessageAttributeValue } from "@aws-sdk/client-sqs";
import { toDlqEntry } from "../../../cli/dlq/entry.js";
import { DESTINATIONS, deadLetterQueueName, queueName, type Destination } from "../../../shared/queue/definition.js";
import type { EmbeddedSqsApp } from "../sqs.js";
import { parseBodyText, type LiveRecorder } from "./recorder.js";

/**
 * Sees every message the embedded SQS accepts: work items enqueued by the ingest handlers (and resent by
 * a redrive) on the destination queues, parked ones on the DLQs. It hooks the embedded server's HTTP
 * layer (a Fastify onResponse hook) and reads the AWS JSON protocol's SendMessage and SendMessageBatch
 * requests (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html);
 * the handlers are not touched. Messages SQS itself moves after maxReceiveCount are not sends: they show in
 * the parked list, not in the stream.
 */
const queues = new Map<string, { destination: Destination; deadLetter: boolean }>(
  DESTINATIONS.flatMap((destination) => [
    [queueName(destination), { destination, deadLetter: false }],
    [deadLetterQueueName(destination), { destination, deadLetter: true }],
  ]),
);
/** Work item ids remembered to tell a redrive from a first enqueue. */
const WORK_ITEMS_REMEMBERED = 100_000;

interface SentMessage {
  MessageBody?: string;
  MessageAttributes?: Record<string, MessageAttributeValue>;
}

interface SendRequest extends SentMessage {
  QueueUrl?: string;
  Entries?: SentMessage[];
}

function attribute(message: SentMessage, name: string): string | undefined {
  return message.MessageAttributes?.[name]?.StringValue;
}

export function watchQueues(app: EmbeddedSqsApp, recorder: LiveRecorder): () => void {
  const seenWorkItems = new Set<string>();
  let watching = true;

  const observe = (queue: { destination: Destination; deadLetter: boolean }, message: SentMessage) => {
    if (queue.deadLetter) {
      recorder.add(() => {
        const sdkMessage: Message = { Body: message.MessageBody, MessageAttributes: message.MessageAttributes };
        const entry = toDlqEntry(sdkMessage, queue.destination);
        return {
          kind: "parked",
          correlationId: entry.correlationId,
          workItemId: entry.workItemId,
          destination: entry.destination,
          reason: entry.reason,
          status: entry.status,
          attempts: entry.attempts,
          message: entry.message,
          partnerMessage: entry.partnerMessage,
        };
      });
      return;
    }
    // The envelope's ids travel as message attributes too (shared/queue/enqueue.ts); the body is read only when shown.
    const workItemId = attribute(message, "workItemId") ?? "unknown";
    const seenBefore = seenWorkItems.has(workItemId);
    seenWorkItems.add(workItemId);
    if (seenWorkItems.size > WORK_ITEMS_REMEMBERED) seenWorkItems.delete(seenWorkItems.values().next().value as string);
    recorder.add(() => {
      const body = parseBodyText(message.MessageBody);
      const fields = (body ?? {}) as { correlationId?: unknown; priorAttempts?: unknown };
      return {
        kind: "workItem",
        correlationId: attribute(message, "correlationId") ?? String(fields.correlationId ?? "unknown"),
        workItemId,
        destination: queue.destination,
        via: Number(fields.priorAttempts) > 0 ? "retry" : seenBefore ? "resent" : "enqueued",
        body,
      };
    });
  };

  app.addHook("onResponse", async (request, reply) => {
    if (!watching || reply.statusCode >= 300) return;
    const action = String(request.headers["x-amz-target"] ?? "");
    const send = request.body as SendRequest | undefined;
    const queue = queues.get(
      String(send?.QueueUrl ?? "")
        .split("/")
        .pop() ?? "",
    );
    if (!send || !queue) return;
    if (action === "AmazonSQS.SendMessage") observe(queue, send);
    else if (action === "AmazonSQS.SendMessageBatch") for (const entry of send.Entries ?? []) observe(queue, entry);
  });
  return () => {
    watching = false;
  };
}
