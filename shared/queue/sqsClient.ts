import { SQSClient } from "@aws-sdk/client-sqs";
import { requiredUrl, sqsEndpoint } from "../config/settings.js";
import { deadLetterQueueUrlEnvVar, queueUrlEnvVar, type Destination } from "./definition.js";

// One client per container, built on first use. AWS_ENDPOINT_URL_SQS (the SDK's own variable) points it
// at a local SQS (passed explicitly: the SDK otherwise sends to the queue URL's host, which local
// emulators make up); the client is rebuilt if that changes, as it does between local stacks in one process.
// cacheMiddleware: the SDK resolves each command's middleware stack once per client instead of on every
// send (a fifth of Braze ingest's time); middleware added to the client after its first send is not seen.
let client: { endpoint: string | undefined; sqs: SQSClient } | undefined;

export function sqsClient(): SQSClient {
  const endpoint = sqsEndpoint();
  if (!client || client.endpoint !== endpoint) client = { endpoint, sqs: new SQSClient({ cacheMiddleware: true, ...(endpoint ? { endpoint } : {}) }) };
  return client.sqs;
}

export function queueUrlFor(destination: Destination): string {
  return requiredUrl(queueUrlEnvVar(destination));
}

export function deadLetterQueueUrlFor(destination: Destination): string {
  return requiredUrl(deadLetterQueueUrlEnvVar(destination));
}
