import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll } from "vitest";
import { DESTINATIONS, deadLetterQueueUrlEnvVar, queueUrlEnvVar, type Destination } from "../../shared/queue/definition.js";
import { ensureQueues, startLocalSqs, type QueueUrls } from "../../infra/local/sqs.js";

export interface EmbeddedSqs {
  endpoint: string;
  sqs: SQSClient;
  queueUrls: QueueUrls;
  stop(): Promise<void>;
}

/** The embedded SQS on a free port with the project's queues, and the env vars the handlers read. */
export async function startEmbeddedSqs(): Promise<EmbeddedSqs> {
  const local = await startLocalSqs({ port: 0 });
  process.env.AWS_ENDPOINT_URL_SQS = local.endpoint;
  const sqs = new SQSClient({ endpoint: local.endpoint, region: process.env.AWS_REGION ?? "us-east-1" });
  const queueUrls = await ensureQueues(sqs);
  for (const destination of DESTINATIONS) {
    process.env[queueUrlEnvVar(destination)] = queueUrls[destination].queue;
    process.env[deadLetterQueueUrlEnvVar(destination)] = queueUrls[destination].dlq;
  }
  return {
    endpoint: local.endpoint,
    sqs,
    queueUrls,
    stop: async () => {
      sqs.destroy();
      await local.stop();
    },
  };
}

/** Reads every message currently visible in a queue (they become invisible for `visibilitySeconds`). */
export async function drainVisible(sqs: SQSClient, queueUrl: string, visibilitySeconds = 60): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const result = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: visibilitySeconds,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["All"],
      }),
    );
    if (!result.Messages?.length) return messages;
    messages.push(...result.Messages);
  }
}

/** A queue's messages by state: what a "nothing happened" test asserts instead of sleeping. */
export async function queueCounts(sqs: SQSClient, queueUrl: string): Promise<{ visible: number; inFlight: number; delayed: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
    }),
  );
  return {
    visible: Number(Attributes?.ApproximateNumberOfMessages),
    inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
    delayed: Number(Attributes?.ApproximateNumberOfMessagesDelayed),
  };
}

/**
 * An embedded SQS for one test file, and a function that takes what was enqueued for `destination`
 * (`.parked()` takes what was parked in its DLQ). Each test starts with both empty.
 */
export function useEnqueuedMessages(destination: Destination): (() => Promise<Message[]>) & { parked: () => Promise<Message[]> } {
  let embedded: EmbeddedSqs | undefined;
  const drain = (deadLetter: boolean) => async () => {
    if (!embedded) throw new Error("the embedded SQS is not started yet");
    const urls = embedded.queueUrls[destination];
    return drainVisible(embedded.sqs, deadLetter ? urls.dlq : urls.queue);
  };
  const take = Object.assign(drain(false), { parked: drain(true) });
  beforeAll(async () => {
    embedded = await startEmbeddedSqs();
  });
  afterEach(async () => {
    await take();
    await take.parked();
  });
  afterAll(async () => {
    await embedded?.stop();
  });
  return take;
}

/** A message as the embedded SQS stores it (fauxqs' inspection endpoint). */
export interface StoredMessage {
  body: string;
  messageAttributes: Record<string, { DataType: string; StringValue?: string }>;
  /** When a delayed message becomes visible (epoch ms). */
  delayUntil?: number;
  approximateReceiveCount: number;
}

/** Every message of a queue by state, read without receiving any: in-flight ones with their visibility deadline (epoch ms). */
export async function inspectQueue(
  embedded: EmbeddedSqs,
  queueUrl: string,
): Promise<{
  ready: StoredMessage[];
  delayed: StoredMessage[];
  inflight: Array<{ message: StoredMessage; visibilityDeadline: number }>;
}> {
  const name = queueUrl.slice(queueUrl.lastIndexOf("/") + 1);
  const response = await fetch(`${embedded.endpoint}/_fauxqs/queues/${encodeURIComponent(name)}`);
  if (!response.ok) throw new Error(`inspecting ${name}: HTTP ${response.status}`);
  return ((await response.json()) as { messages: Awaited<ReturnType<typeof inspectQueue>> }).messages;
}
