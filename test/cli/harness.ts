import { PassThrough } from "node:stream";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message } from "@aws-sdk/client-sqs";
import { startFauxqs, type FauxqsServer } from "fauxqs";
import { ensureQueues, type QueueUrls } from "../../infra/local/sqs.js";
import type { CliIo } from "../../cli/io.js";
import { main } from "../../cli/main.js";
import type { DlqSettings } from "../../cli/dlq/context.js";
import { DESTINATIONS, MAX_RECEIVE_COUNT, deadLetterQueueUrlEnvVar, queueUrlEnvVar, type Destination } from "../../shared/queue/definition.js";
import { park, type ParkRecord } from "../../shared/queue/park.js";
import { deriveWorkItemId, type WorkItem } from "../../shared/queue/workItem.js";

/** Secrets planted in work items; no CLI output may contain them. */
export const SECRETS = {
  apiToken: "pw-api-token-5f1c9e",
  bearer: "braze-bearer-77ab01",
  password: "hunter2-password",
} as const;

/** No waiting on the in-memory SQS: an empty short poll there really means empty. */
export const FAST_SETTINGS: DlqSettings = { receiveWaitSeconds: 0, moveTaskPollMilliseconds: 5 };

export interface Harness {
  server: FauxqsServer;
  endpoint: string;
  urls: QueueUrls;
  sqs: SQSClient;
}

/** An embedded SQS with the project's queues and DLQs (same names and redrive policy as the local stack). */
export async function startHarness(): Promise<Harness> {
  const server = await startFauxqs({ port: 0, logger: false });
  const endpoint = `http://127.0.0.1:${server.port}`;
  process.env.AWS_ENDPOINT_URL_SQS = endpoint;
  const sqs = new SQSClient({ endpoint });
  const urls = await ensureQueues(sqs);
  for (const destination of DESTINATIONS) {
    process.env[queueUrlEnvVar(destination)] = urls[destination].queue;
    process.env[deadLetterQueueUrlEnvVar(destination)] = urls[destination].dlq;
  }
  return { server, endpoint, urls, sqs };
}

/**
 * One harness per test file: started before the tests, reset before each one, stopped after them.
 * Returns a getter, since the harness exists only once beforeAll has run.
 */
export function useHarness(): () => Harness {
  let harness: Harness | undefined;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.server.stop();
  });
  beforeEach(() => {
    harness?.server.reset();
    if (harness) process.env.AWS_ENDPOINT_URL_SQS = harness.endpoint;
  });
  return () => {
    if (!harness) throw new Error("the harness is not started yet");
    return harness;
  };
}

let sequence = 0;

/** A work item whose event carries credentials the way webhook payloads do. */
export function workItemFactory(destination: Destination, overrides: Partial<WorkItem> = {}): WorkItem {
  sequence += 1;
  return {
    workItemId: deriveWorkItemId("test-event", sequence),
    destination,
    correlationId: `corr-${sequence}`,
    receivedAt: "2025-03-01T12:00:00.000Z",
    flow: `test-to-${destination}`,
    events: [
      {
        id: `test-event-${sequence}`,
        event: {
          event: "purchase",
          user: { external_user_id: `user-${sequence}`, email: `user${sequence}@example.com` },
          account_settings: { apiToken: SECRETS.apiToken, application: "ABCDE-12345" },
          headers: { Authorization: `Bearer ${SECRETS.bearer}` },
          note: `login with password=${SECRETS.password}`,
        },
      },
    ],
    ...overrides,
  };
}

export function parkRecordFactory(item: WorkItem, overrides: Partial<ParkRecord> = {}): ParkRecord {
  return {
    destination: item.destination,
    workItemId: item.workItemId,
    reason: "permanent",
    errorClass: "permanent",
    message: `${item.destination} answered HTTP 400`,
    status: 400,
    partnerMessage: '{"error":"event rejected","api_key":"leaked-key-42"}',
    firstFailedAt: "2025-03-01T12:00:05.000Z",
    parkedAt: "2025-03-01T12:00:06.000Z",
    attempts: 1,
    ...overrides,
  };
}

/** Parks a work item the way a worker does: the real park(), with the pass-through attributes. */
export async function parkWorkItem(item: WorkItem, record: Partial<ParkRecord> = {}): Promise<void> {
  await park(item.destination, JSON.stringify(item), parkRecordFactory(item, record), {
    destination: item.destination,
    workItemId: item.workItemId,
    correlationId: item.correlationId,
  });
}

/**
 * Lets SQS move a work item to the DLQ itself, as after a worker crash: enqueued for real, then
 * received without ever being deleted until the redrive policy's receive limit is passed.
 */
export async function moveBySqs(harness: Harness, item: WorkItem): Promise<void> {
  const queueUrl = harness.urls[item.destination].queue;
  await harness.sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(item),
      MessageAttributes: {
        destination: { DataType: "String", StringValue: item.destination },
        workItemId: { DataType: "String", StringValue: item.workItemId },
        correlationId: { DataType: "String", StringValue: item.correlationId },
      },
    }),
  );
  for (let receive = 0; receive <= MAX_RECEIVE_COUNT; receive++) {
    await harness.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 0, MaxNumberOfMessages: 10 }));
  }
  if ((await depth(harness.sqs, harness.urls[item.destination].dlq)) === 0) throw new Error("SQS did not move the message");
}

export async function depth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const result = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }));
  return Number(result.Attributes?.ApproximateNumberOfMessages);
}

/** Everything in a queue, consumed (for assertions on where messages went). */
export async function drain(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const result = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 300, MessageAttributeNames: ["All"] }),
    );
    if (!result.Messages?.length) return messages;
    messages.push(...result.Messages);
  }
}

export interface CapturedRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process, as `cdp-relay <argv>` would, capturing its output. */
export async function runCli(argv: string[], options: { stdinTty?: boolean; stdoutTty?: boolean; input?: string } = {}): Promise<CapturedRun> {
  let stdout = "";
  let stderr = "";
  const stdin = Object.assign(new PassThrough(), { isTTY: options.stdinTty ?? false });
  if (options.input !== undefined) stdin.end(options.input);
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text), isTTY: options.stdoutTty ?? false },
    stderr: { write: (text: string) => (stderr += text) },
    stdin,
  };
  const code = await main(argv, io, FAST_SETTINGS);
  return { code, stdout, stderr };
}
