import type { SQSClient } from "@aws-sdk/client-sqs";
import { CreateQueueCommand, GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { startFauxqs } from "fauxqs";
import {
  DESTINATIONS,
  MAX_RECEIVE_COUNT,
  QUEUE_SETTINGS,
  RETENTION_SECONDS,
  deadLetterQueueName,
  queueName,
  type Destination,
} from "../../shared/queue/definition.js";

export const DEFAULT_LOCAL_SQS_PORT = 9324;

export interface LocalSqs {
  endpoint: string;
  /** Stops the embedded server; a no-op for an external endpoint. */
  stop(): Promise<void>;
}

export type QueueUrls = Record<Destination, { queue: string; dlq: string }>;

/** Starts the embedded SQS-protocol server (fauxqs) on loopback, or uses the external endpoint given. */
export async function startLocalSqs(options: { port: number; externalEndpoint?: string }): Promise<LocalSqs> {
  if (options.externalEndpoint) return { endpoint: options.externalEndpoint, stop: async () => {} };
  const server = await startFauxqs({ port: options.port, host: "localhost", logger: false });
  return { endpoint: `http://127.0.0.1:${server.port}`, stop: () => server.stop() };
}

/** Creates every queue and DLQ with the redrive policy the CDK stack gives them (idempotent). */
export async function ensureQueues(sqs: SQSClient): Promise<QueueUrls> {
  const urls = {} as QueueUrls;
  for (const destination of DESTINATIONS) {
    const retention = String(RETENTION_SECONDS);
    const dlq = await sqs.send(
      new CreateQueueCommand({ QueueName: deadLetterQueueName(destination), Attributes: { MessageRetentionPeriod: retention } }),
    );
    const dlqArn = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] }));
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: queueName(destination),
        Attributes: {
          MessageRetentionPeriod: retention,
          VisibilityTimeout: String(QUEUE_SETTINGS[destination].visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn.Attributes?.QueueArn, maxReceiveCount: MAX_RECEIVE_COUNT }),
        },
      }),
    );
    if (!queue.QueueUrl || !dlq.QueueUrl) throw new Error(`could not create the ${destination} queues`);
    urls[destination] = { queue: queue.QueueUrl, dlq: dlq.QueueUrl };
  }
  return urls;
}
