/**
 * The one definition of the queues. The CDK stack and the local stack both read it, so what runs on a
 * laptop has the same queues, DLQs, redrive policy and batching as what runs in AWS.
 */
export const DESTINATIONS = ["pushwoosh", "mparticle", "mixpanel"] as const;
export type Destination = (typeof DESTINATIONS)[number];

export const QUEUE_NAME_PREFIX = "cdp-relay";

/** Receives before SQS moves a message to the DLQ; the worker parks it itself on the last one. */
export const MAX_RECEIVE_COUNT = 5;
const RETENTION_DAYS = 14;
export const RETENTION_SECONDS = RETENTION_DAYS * 24 * 60 * 60;

/**
 * How long a message sent to a worker's queue, visible at once, takes to reach an invocation: the event
 * source mapping's batching window at most, beside its polling. Carry-over (shared/queue/carry.ts) counts
 * on it to keep within BATCH_CARRY_MAX_SECONDS, and infra/wiring.ts refuses a longer batching window.
 */
export const CARRY_RETURN_SECONDS = 1;

export interface QueueSettings {
  /** Queue visibility timeout; at least six times the worker timeout (infra/wiring.ts), as AWS advises. */
  visibilityTimeoutSeconds: number;
}

// Batching (the event source mapping) and the worker's timeout are the function's: infra/wiring.ts.
export const QUEUE_SETTINGS: Record<Destination, QueueSettings> = {
  pushwoosh: { visibilityTimeoutSeconds: 180 },
  mparticle: { visibilityTimeoutSeconds: 180 },
  mixpanel: { visibilityTimeoutSeconds: 180 },
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
