import { GetQueueUrlCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { deadLetterQueueName, isDestination, queueName, QUEUE_NAME_PREFIX, type Destination } from "../../shared/queue/definition.js";
import { UsageError } from "../usageError.js";
import { connectionProblem } from "./aws.js";
import { queueUrlsFromStack } from "./stackOutputs.js";

export interface QueueOptions {
  queue?: Destination;
  queueUrl?: string;
  sourceQueueUrl?: string;
  stack?: string;
  region?: string;
}

/** The DLQ a command works on, and where its messages came from. */
export interface DlqTarget {
  deadLetterQueueUrl: string;
  /** Queue name, for messages to the user. */
  name: string;
  /** Known when the DLQ is one of ours; parked records carry it too. */
  destination?: Destination;
  /** Resolved only when needed (redrive): listing a DLQ must work even if its source queue is gone. */
  sourceQueueUrl(): Promise<string>;
}

const DLQ_SUFFIX = "-dlq";

function queueNameFromUrl(url: string): string {
  return url.slice(url.lastIndexOf("/") + 1);
}

function destinationFromDlqName(name: string): Destination | undefined {
  const middle = name.slice(`${QUEUE_NAME_PREFIX}-`.length, -DLQ_SUFFIX.length);
  return name.startsWith(`${QUEUE_NAME_PREFIX}-`) && name.endsWith(DLQ_SUFFIX) && isDestination(middle) ? middle : undefined;
}

async function localQueueUrl(sqs: SQSClient, name: string): Promise<string> {
  try {
    const result = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (result.QueueUrl) return result.QueueUrl;
  } catch (error) {
    // Not reaching SQS at all is not "not found"; the caller names the cause.
    if (connectionProblem(error)) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    const endpoint = process.env.AWS_ENDPOINT_URL_SQS ?? "the default AWS endpoint";
    throw new Error(`queue ${name} not found at ${endpoint} (${detail}); is the local stack running (npm start), or did you mean --stack?`);
  }
  throw new Error(`queue ${name} not found`);
}

/**
 * Which DLQ, in order of precedence: --queue-url (with --source-queue-url or the `-dlq` naming), --stack
 * (stack outputs), else the local queue names looked up on the configured endpoint.
 */
export async function resolveDlq(sqs: SQSClient, options: QueueOptions): Promise<DlqTarget> {
  const { queue, queueUrl, sourceQueueUrl, stack, region } = options;
  if (queueUrl) {
    if (stack) throw new UsageError("--queue-url and --stack are alternatives; pass one");
    const name = queueNameFromUrl(queueUrl);
    const destination = queue ?? destinationFromDlqName(name);
    return {
      deadLetterQueueUrl: queueUrl,
      name,
      destination,
      sourceQueueUrl: async () => {
        if (sourceQueueUrl) return sourceQueueUrl;
        if (!name.endsWith(DLQ_SUFFIX)) {
          throw new UsageError(`cannot tell the source queue of ${name} (no "${DLQ_SUFFIX}" suffix); pass --source-queue-url`);
        }
        return queueUrl.slice(0, -DLQ_SUFFIX.length);
      },
    };
  }
  if (!queue) throw new UsageError("--queue <destination> (or --queue-url) is required");
  if (stack) {
    const urls = await queueUrlsFromStack(stack, queue, { region });
    return {
      deadLetterQueueUrl: urls.deadLetterQueueUrl,
      name: queueNameFromUrl(urls.deadLetterQueueUrl),
      destination: queue,
      sourceQueueUrl: async () => sourceQueueUrl ?? urls.queueUrl(),
    };
  }
  const name = deadLetterQueueName(queue);
  return {
    deadLetterQueueUrl: await localQueueUrl(sqs, name),
    name,
    destination: queue,
    sourceQueueUrl: async () => sourceQueueUrl ?? localQueueUrl(sqs, queueName(queue)),
  };
}
