import { BRAZE_CURRENTS_AUTH, MPARTICLE_FIREHOSE_AUTH, MPARTICLE_WEBHOOK_AUTH, type RouteAuth } from "../shared/http/routeAuth.js";
import { CARRY_RETURN_SECONDS, DESTINATIONS, QUEUE_SETTINGS, deadLetterQueueUrlEnvVar, queueUrlEnvVar, type Destination } from "../shared/queue/definition.js";

/**
 * The one description of the deployed functions: what drives each one, which queues it may send to,
 * whether it reads the relay secret, and its sizing. The CDK stack (infra/stack.ts) and the local stack
 * (infra/local/localStack.ts) both build from this table, so a function gets the same variables and
 * permissions on a laptop as in AWS. Adding a function is adding one entry. Names and paths are public contract.
 */

/** A queue of the relay: a destination's main queue or its dead-letter queue. */
export interface QueueRef {
  destination: Destination;
  deadLetter: boolean;
}

/** Lambda's SQS event source mapping settings for a worker. */
export interface EventSourceSettings {
  /** Records per invocation (BatchSize). */
  batchSize: number;
  /** How long the mapping may wait to fill a batch (MaximumBatchingWindowInSeconds); 0 means not set. */
  maxBatchingWindowSeconds: number;
  /** FunctionResponseTypes: ReportBatchItemFailures; without it a thrown invocation or any failure retries the batch. */
  reportBatchItemFailures: boolean;
  /**
   * ScalingConfig.MaximumConcurrency: how many invocations the mapping runs at once (2..1000), so a backlog
   * never calls the partner harder than its documented limit allows. CDK context `<destination>MaxConcurrency`
   * overrides it (infra/context.ts).
   */
  maxConcurrency: number;
}

/**
 * Whether the worker rides out its partner's outages: it pauses its own event source mapping while the
 * partner is down (it gets lambda:List/Get/UpdateEventSourceMapping on its own mapping, and locally
 * AWS_ENDPOINT_URL_LAMBDA) and a schedule invokes it every PARTNER_PROBE_SECONDS to probe the partner
 * (an EventBridge rule in AWS, a timer under `npm start`). docs/architecture.md, "When a partner is down".
 */
export interface PartnerProbe {
  scheduled: true;
}

export interface HttpTrigger {
  kind: "http";
  method: "POST";
  path: string;
  /**
   * Required, so a new route says how it authenticates: the declaration its function passes to
   * requireAuthorization (shared/http/routeAuth.ts); null when the partner sends no credential.
   */
  auth: RouteAuth | null;
}

export interface QueueTrigger {
  kind: "queue";
  /** The destination whose main queue drives the worker. */
  destination: Destination;
  eventSource: EventSourceSettings;
  /** Present when the worker pauses consumption while its partner is down and is probed on a schedule. */
  partnerProbe?: PartnerProbe;
}

export interface FunctionWiring<Trigger extends HttpTrigger | QueueTrigger = HttpTrigger | QueueTrigger> {
  /** File in functions/ (without `.ts`) that exports `handler`. */
  name: string;
  trigger: Trigger;
  /** Queues the function may send to: it gets their URL variables and sqs:SendMessage on them, nothing more. */
  sendsTo: readonly QueueRef[];
  /** Whether it reads the relay secret (RELAY_SECRET_ARN in AWS, RELAY_SECRETS_FILE locally). */
  readsSecret: boolean;
  memorySize: number;
  timeoutSeconds: number;
  /** Variables this function needs besides the common settings. */
  environment?: Readonly<Record<string, string>>;
}

export type HttpFunction = FunctionWiring<HttpTrigger>;
export type WorkerFunction = FunctionWiring<QueueTrigger>;

const queue = (destination: Destination): QueueRef => ({ destination, deadLetter: false });
const deadLetterQueue = (destination: Destination): QueueRef => ({ destination, deadLetter: true });

const INGEST = { memorySize: 256, timeoutSeconds: 10 } as const;

// Batch sizes follow the partner's bulk call. A message carries one webhook's events for one destination,
// and Braze posts up to 100 events: 20 Mixpanel messages fill one 2000-event import exactly (a larger batch
// leaves a part-filled import per invocation). mParticle requests are bytes-bound (256 KB per feed), so its
// batch is as large as Lambda passes (the event source mapping cuts every batch at the 6 MB invocation
// payload: https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html, BatchSize).
// Pushwoosh calls are per user and per event: batching does not reduce them. See docs/performance.md.
// maxConcurrency follows each partner's documented limit (docs/performance.md, "Concurrency per destination"):
// mParticle takes 270 batches/s and a worker sends up to 100 batches per bulk request, about one request a
// second each, so 3 workers reach the limit; Mixpanel takes 2 GB/min (~33 MB/s) and ~30k events/s per project,
// which 10 workers of one 2,000-event import a second stay under; Pushwoosh publishes no rate (429 = too fast),
// and 5 workers of 25 calls in flight each is ~125 calls in flight, the pacer finds the rest.
const EVENT_SOURCES: Record<Destination, EventSourceSettings> = {
  pushwoosh: { batchSize: 10, maxBatchingWindowSeconds: 0, reportBatchItemFailures: true, maxConcurrency: 5 },
  mparticle: { batchSize: 100, maxBatchingWindowSeconds: 1, reportBatchItemFailures: true, maxConcurrency: 3 },
  mixpanel: { batchSize: 20, maxBatchingWindowSeconds: 1, reportBatchItemFailures: true, maxConcurrency: 10 },
};

export const FUNCTIONS: readonly FunctionWiring[] = [
  {
    name: "mparticle-registration",
    trigger: { kind: "http", method: "POST", path: "/mparticle/registration", auth: null },
    sendsTo: [],
    // Answers without auth (mParticle sends none), so it has no use for the secret.
    readsSecret: false,
    ...INGEST,
  },
  {
    name: "mparticle-events",
    trigger: { kind: "http", method: "POST", path: "/mparticle/events", auth: MPARTICLE_FIREHOSE_AUTH },
    sendsTo: [queue("pushwoosh"), deadLetterQueue("pushwoosh")],
    readsSecret: true,
    ...INGEST,
  },
  {
    name: "mparticle-audiences",
    trigger: { kind: "http", method: "POST", path: "/mparticle/audiences", auth: MPARTICLE_FIREHOSE_AUTH },
    sendsTo: [queue("pushwoosh"), deadLetterQueue("pushwoosh")],
    readsSecret: true,
    ...INGEST,
  },
  {
    name: "mparticle-webhook",
    trigger: { kind: "http", method: "POST", path: "/mparticle/webhook", auth: MPARTICLE_WEBHOOK_AUTH },
    sendsTo: [queue("pushwoosh"), deadLetterQueue("pushwoosh")],
    // The Authorization value it checks, and the Pushwoosh application it delivers to.
    readsSecret: true,
    ...INGEST,
  },
  {
    name: "braze-currents",
    trigger: { kind: "http", method: "POST", path: "/braze/currents", auth: BRAZE_CURRENTS_AUTH },
    // Events that fail validation are parked with their reason straight from ingest, so their DLQs too.
    sendsTo: [queue("mparticle"), queue("mixpanel"), deadLetterQueue("mparticle"), deadLetterQueue("mixpanel")],
    readsSecret: true,
    ...INGEST,
  },
  ...DESTINATIONS.map((destination): WorkerFunction => ({
    name: `${destination}-worker`,
    trigger: { kind: "queue", destination, eventSource: EVENT_SOURCES[destination], partnerProbe: { scheduled: true } },
    // Parks final failures with their reason; re-enqueues the unfinished part of a multi-event message.
    sendsTo: [queue(destination), deadLetterQueue(destination)],
    // Feed keys and project tokens (mParticle, Mixpanel), the sealing key of Pushwoosh credentials.
    readsSecret: true,
    memorySize: 512,
    timeoutSeconds: 30,
  })),
];

export const HTTP_FUNCTIONS: readonly HttpFunction[] = FUNCTIONS.filter((fn): fn is HttpFunction => fn.trigger.kind === "http");
export const WORKER_FUNCTIONS: readonly WorkerFunction[] = FUNCTIONS.filter((fn): fn is WorkerFunction => fn.trigger.kind === "queue");

export function workerFor(destination: Destination): WorkerFunction {
  const worker = WORKER_FUNCTIONS.find((fn) => fn.trigger.destination === destination);
  if (!worker) throw new Error(`no worker consumes the ${destination} queue`);
  return worker;
}

/** Secret location variables, one of which a function that reads the secret gets. */
export const SECRET_ARN_ENV_VAR = "RELAY_SECRET_ARN";
export const SECRETS_FILE_ENV_VAR = "RELAY_SECRETS_FILE";

const sameQueue = (a: QueueRef, b: QueueRef) => a.destination === b.destination && a.deadLetter === b.deadLetter;

/** Every queue a function touches: those it sends to and, for a worker, the queue it consumes. */
export function queuesOf(fn: FunctionWiring): QueueRef[] {
  const refs = fn.trigger.kind === "queue" ? [queue(fn.trigger.destination), ...fn.sendsTo] : [...fn.sendsTo];
  return refs.filter((ref, index) => refs.findIndex((other) => sameQueue(ref, other)) === index);
}

export function queueEnvVar(ref: QueueRef): string {
  return ref.deadLetter ? deadLetterQueueUrlEnvVar(ref.destination) : queueUrlEnvVar(ref.destination);
}

/** Whether a function pauses its own event source mapping and is probed on a schedule. */
export function probesPartner(fn: FunctionWiring): fn is WorkerFunction {
  return fn.trigger.kind === "queue" && fn.trigger.partnerProbe !== undefined;
}

/**
 * What Lambda gives every function (its own name) and the SDK's endpoint variable for the Lambda API, which
 * only the local stack and the deployed-bundle test set (a stand-in), for the functions that pause their
 * mapping. The deployed stack sets neither: Lambda sets the first, the second stays the SDK's default.
 */
export const FUNCTION_NAME_ENV_VAR = "AWS_LAMBDA_FUNCTION_NAME";
export const LAMBDA_ENDPOINT_ENV_VAR = "AWS_ENDPOINT_URL_LAMBDA";

/** Every variable name the wiring sets; user-supplied common settings may not set them. */
export const WIRED_ENV_VARS: ReadonlySet<string> = new Set([
  SECRET_ARN_ENV_VAR,
  SECRETS_FILE_ENV_VAR,
  ...DESTINATIONS.flatMap((destination) => [queueUrlEnvVar(destination), deadLetterQueueUrlEnvVar(destination)]),
]);

/**
 * A function's own variables: exactly the URL variables of the queues it touches, the secret location
 * when it reads the secret, and its extra environment. The caller adds the common settings underneath.
 */
export function wiredEnvironment<Value>(
  fn: FunctionWiring,
  queueUrl: (ref: QueueRef) => Value,
  secretLocation: { name: typeof SECRET_ARN_ENV_VAR | typeof SECRETS_FILE_ENV_VAR; value: Value },
): Record<string, Value | string> {
  return {
    ...fn.environment,
    ...Object.fromEntries(queuesOf(fn).map((ref) => [queueEnvVar(ref), queueUrl(ref)])),
    ...(fn.readsSecret ? { [secretLocation.name]: secretLocation.value } : {}),
  };
}

// AWS advises a visibility timeout of at least six times the function timeout for SQS event sources.
// A worker's carry-over (BATCH_CARRY_MAX_SECONDS, a common setting like RETRY_HOLD_SECONDS) keeps its bound
// only if a carried message is back within CARRY_RETURN_SECONDS: no longer batching window than that.
for (const worker of WORKER_FUNCTIONS) {
  const visibility = QUEUE_SETTINGS[worker.trigger.destination].visibilityTimeoutSeconds;
  if (visibility < 6 * worker.timeoutSeconds) throw new Error(`${worker.name}: queue visibility ${visibility}s is under 6x its timeout`);
  const window = worker.trigger.eventSource.maxBatchingWindowSeconds;
  if (window > CARRY_RETURN_SECONDS) throw new Error(`${worker.name}: a batching window of ${window}s would keep carried events past BATCH_CARRY_MAX_SECONDS`);
}
