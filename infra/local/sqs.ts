import type { SQSClient } from "@aws-sdk/client-sqs";
import { CreateQueueCommand, GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { buildApp } from "fauxqs";
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

/** The embedded server's Fastify app, for observers that hook into it before it listens (the live view). */
export type EmbeddedSqsApp = ReturnType<typeof buildApp>;

export interface LocalSqs {
  endpoint: string;
  /** Stops the embedded server; a no-op for an external endpoint. */
  stop(): Promise<void>;
}

export type QueueUrls = Record<Destination, { queue: string; dlq: string }>;

/** The only interface the embedded SQS listens on: it holds unauthenticated queues. */
export const LOCAL_SQS_HOST = "127.0.0.1";

/**
 * Starts the embedded SQS-protocol server (fauxqs) on loopback, or uses the external endpoint given.
 * fauxqs' own startFauxqs listens on 0.0.0.0, so its app is built and bound here instead.
 */
export async function startLocalSqs(options: { port: number; externalEndpoint?: string; beforeListen?: (app: EmbeddedSqsApp) => void }): Promise<LocalSqs> {
  if (options.externalEndpoint) return { endpoint: options.externalEndpoint, stop: async () => {} };
  const app = buildApp({ host: "localhost", logger: false });
  options.beforeListen?.(app);
  await app.listen({ port: options.port, host: LOCAL_SQS_HOST });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("the embedded SQS did not bind a TCP port");
  return { endpoint: `http://${LOCAL_SQS_HOST}:${address.port}`, stop: () => app.close() };
}

/** Creates every queue and DLQ with the redrive policy the CDK stack gives them (idempotent). */
export async function ensureQueues(sqs: SQSClient): Promise<QueueUrls> {
  const urls = {} as QueueUrls;
  for (const destination of DESTINATIONS) {
    const retention = String(RETENTION_SECONDS);
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: deadLetterQueueName(destination), Attributes: { MessageRetentionPeriod: retention } }));
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
