/**
 * The one definition of the queues. The CDK stack and the local stack both read it, so what runs on a
 * laptop has the same queues, DLQs, redrive policy and batching as what runs in AWS.
 */
export const DESTINATIONS = ["pushwoosh", "mparticle", "mixpanel"] as const;
export type Destination = (typeof DESTINATIONS)[number];

export const QUEUE_NAME_PREFIX = "cdp-relay";

/** Receives before SQS moves a message to the DLQ; the worker parks it itself on the last one. */
export const MAX_RECEIVE_COUNT = 5;
export const RETENTION_DAYS = 14;
export const RETENTION_SECONDS = RETENTION_DAYS * 24 * 60 * 60;

export interface WorkerQueueSettings {
  /** Records handed to one worker invocation (Lambda's event source mapping BatchSize). */
  batchSize: number;
  /** How long the mapping may wait to fill a batch (MaximumBatchingWindowInSeconds). */
  maxBatchingWindowSeconds: number;
  /** Queue visibility timeout; at least six times the worker timeout, as AWS advises. */
  visibilityTimeoutSeconds: number;
  /** Worker Lambda timeout. */
  workerTimeoutSeconds: number;
}

// Batch sizes follow the partner's bulk call: Pushwoosh calls are per user, mParticle bulk takes
// 100 batches, Mixpanel import takes 2000 events (we stay well under the 10 MB body limit).
export const QUEUE_SETTINGS: Record<Destination, WorkerQueueSettings> = {
  pushwoosh: { batchSize: 10, maxBatchingWindowSeconds: 0, visibilityTimeoutSeconds: 180, workerTimeoutSeconds: 30 },
  mparticle: { batchSize: 100, maxBatchingWindowSeconds: 1, visibilityTimeoutSeconds: 180, workerTimeoutSeconds: 30 },
  mixpanel: { batchSize: 500, maxBatchingWindowSeconds: 1, visibilityTimeoutSeconds: 180, workerTimeoutSeconds: 30 },
};

export function queueName(destination: Destination): string {
  return `${QUEUE_NAME_PREFIX}-${destination}`;
}

export function deadLetterQueueName(destination: Destination): string {
  return `${queueName(destination)}-dlq`;
}

/** Env var names through which a Lambda learns its queue URLs (set by the stack and by the local stack). */
export function queueUrlEnvVar(destination: Destination): string {
  return `${destination.toUpperCase()}_QUEUE_URL`;
}

export function deadLetterQueueUrlEnvVar(destination: Destination): string {
  return `${destination.toUpperCase()}_DLQ_URL`;
}

export function isDestination(value: string): value is Destination {
  return (DESTINATIONS as readonly string[]).includes(value);
}
