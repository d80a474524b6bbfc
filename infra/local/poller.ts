import { randomUUID } from "node:crypto";
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import type { Context, ScheduledEvent, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from "aws-lambda";
import { LocalEventSourceMapping, type MappingSettings } from "./lambdaApi.js";

/** What invokes a worker: its queue's batches, and the probe schedule's EventBridge event. */
export type WorkerEvent = SQSEvent | ScheduledEvent;
export type WorkerHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;
/** A worker wired for partner probes takes the schedule's event too (shared/queue/worker.ts). */
type ProbedHandler = (event: ScheduledEvent, context: Context) => Promise<unknown>;

export interface PollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  region: string;
  /**
   * The worker's event source mapping (lambdaApi.ts): its settings from infra/wiring.ts and its state. A
   * disabled mapping is not polled; at most ScalingConfig.MaximumConcurrency batches run at once.
   */
  mapping?: LocalEventSourceMapping;
  /** Without a mapping: the settings of one that stays enabled. */
  settings?: MappingSettings;
  /**
   * One handler per execution environment: batches run in parallel, one per environment, as Lambda
   * never runs two invocations in one environment (module-scope state such as the batch processor
   * and the partner health tracker relies on that).
   */
  handlers: WorkerHandler[];
  context: () => Context;
  onBatch?: (summary: BatchSummary) => void;
}

/** One invocation as the poller saw it; `ms` is the handler's own time (what Lambda bills). */
export interface BatchSummary {
  records: number;
  failed: number;
  error?: string;
  ms?: number;
  /** The bodies of the messages the invocation was given (the bench counts what each invocation could merge). */
  bodies?: string[];
}

const RECEIVE_MAX = 10;
const IDLE_WAIT_SECONDS = 1;

function toLambdaAttributes(message: Message): SQSMessageAttributes {
  const attributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    attributes[name] = {
      dataType: value.DataType ?? "String",
      stringValue: value.StringValue,
      binaryValue: value.BinaryValue ? Buffer.from(value.BinaryValue).toString("base64") : undefined,
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return attributes;
}

/** An SQS message as Lambda hands it to a handler: one record of an SQSEvent. */
export function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const system = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? randomUUID(),
    receiptHandle: message.ReceiptHandle ?? "",
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: system.ApproximateReceiveCount ?? "1",
      SentTimestamp: system.SentTimestamp ?? String(Date.now()),
      SenderId: system.SenderId ?? "000000000000",
      ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: toLambdaAttributes(message),
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/** One execution environment: a handler instance that runs one invocation at a time. */
interface Environment {
  handler: WorkerHandler;
  /** The invocation running in it, if any. */
  busy?: Promise<void>;
}

/**
 * Drives a worker handler the way Lambda's SQS event source mapping does (with ReportBatchItemFailures when set):
 * long-poll, fill a batch up to the batch size within the batching window, invoke, then delete only the
 * records not reported as failed. Failed records stay in flight and reappear when their visibility
 * runs out; moving them to the DLQ is the queue's own redrive policy. While the mapping is disabled
 * nothing is received (Disabling settles to Disabled once the batches in flight are done), and no more
 * than MaximumConcurrency batches run at once. Scheduled invocations (the partner probe) run in an idle
 * environment, never beside a batch in the same one.
 */
export class SqsPoller {
  private running = false;
  private loops: Promise<void>[] = [];
  private queueArn = "";
  private readonly environments: Environment[];
  private readonly batchesInFlight = new Set<number>();
  private stopped = Promise.resolve();
  private stopPolling: () => void = () => {};

  readonly mapping: LocalEventSourceMapping;

  constructor(private readonly options: PollerOptions) {
    this.environments = options.handlers.map((handler) => ({ handler }));
    if (options.mapping) this.mapping = options.mapping;
    else if (options.settings) this.mapping = new LocalEventSourceMapping("", "", "", options.settings);
    else throw new Error("a poller needs its event source mapping or the settings of one");
  }

  async start(): Promise<void> {
    const { sqs, queueUrl } = this.options;
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }));
    this.queueArn = attributes.Attributes?.QueueArn ?? "";
    this.running = true;
    this.stopped = new Promise((resolve) => (this.stopPolling = resolve));
    this.loops = this.environments.map((_, index) => this.loop(index));
  }

  /** Stops polling and waits for batches in flight to finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopPolling();
    await Promise.all(this.loops);
    await Promise.all(this.environments.map((environment) => environment.busy));
  }

  /** Invokes the worker with a non-SQS event (the probe schedule's) in the first idle environment. */
  async invokeScheduled(event: ScheduledEvent): Promise<void> {
    for (;;) {
      const idle = this.environments.find((environment) => !environment.busy);
      if (idle) return this.occupy(idle, async () => void (await (idle.handler as unknown as ProbedHandler)(event, this.options.context())));
      await Promise.race(this.environments.map((environment) => environment.busy));
    }
  }

  /** Runs `work` in `environment`, which no other invocation may use meanwhile. */
  private async occupy(environment: Environment, work: () => Promise<void>): Promise<void> {
    while (environment.busy) await environment.busy;
    const run = work().finally(() => {
      environment.busy = undefined;
    });
    environment.busy = run.catch(() => {});
    return run;
  }

  /** Whether the loop of environment `index` may take a batch now: the mapping is enabled and within its MaximumConcurrency. */
  private mayPoll(index: number): boolean {
    const { mapping } = this;
    return mapping.enabled && index < (mapping.settings.maxConcurrency ?? Number.POSITIVE_INFINITY);
  }

  /** Enabling settles as soon as the loops poll again; Disabling once no batch is in flight. */
  private settleMapping(): void {
    const { mapping } = this;
    if (mapping.currentState === "Enabling" || (mapping.currentState === "Disabling" && this.batchesInFlight.size === 0)) mapping.settle();
  }

  private async receive(max: number, waitSeconds: number): Promise<Message[]> {
    const result = await this.options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    return result.Messages ?? [];
  }

  private async collectBatch(): Promise<Message[]> {
    const { batchSize, maxBatchingWindowSeconds } = this.mapping.settings;
    const batch = await this.receive(Math.min(RECEIVE_MAX, batchSize), IDLE_WAIT_SECONDS);
    if (batch.length === 0) return batch;
    const windowEnds = Date.now() + maxBatchingWindowSeconds * 1000;
    while (batch.length < batchSize && Date.now() < windowEnds && this.running) {
      const more = await this.receive(Math.min(RECEIVE_MAX, batchSize - batch.length), 0);
      if (more.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      batch.push(...more);
    }
    return batch;
  }

  private async loop(index: number): Promise<void> {
    const environment = this.environments[index] as Environment;
    while (this.running) {
      this.settleMapping();
      if (!this.mayPoll(index)) {
        await Promise.race([this.mapping.nextChange(), this.stopped]);
        continue;
      }
      this.batchesInFlight.add(index);
      try {
        const messages = await this.collectBatch();
        if (messages.length > 0) await this.occupy(environment, () => this.invoke(environment.handler, messages));
      } catch (error) {
        if (!this.running) return;
        this.options.onBatch?.({ records: 0, failed: 0, error: (error as Error).message });
        await new Promise((resolve) => setTimeout(resolve, 500));
      } finally {
        this.batchesInFlight.delete(index);
      }
    }
  }

  private async invoke(handler: WorkerHandler, messages: Message[]): Promise<void> {
    const { region, context, sqs, queueUrl } = this.options;
    const event: SQSEvent = { Records: messages.map((message) => toRecord(message, this.queueArn, region)) };
    let failedIds: Set<string>;
    let invocationError: string | undefined;
    const started = performance.now();
    let ms = 0;
    try {
      const response = (await handler(event, context())) || undefined;
      ms = performance.now() - started;
      // Without ReportBatchItemFailures, Lambda ignores the response: a returned invocation deletes the whole batch.
      const reported = this.mapping.settings.reportBatchItemFailures ? (response?.batchItemFailures ?? []) : [];
      failedIds = new Set(reported.map((failure) => failure.itemIdentifier));
    } catch (error) {
      // A failed invocation fails the whole batch, as in Lambda.
      ms = performance.now() - started;
      invocationError = (error as Error).message;
      failedIds = new Set(event.Records.map((record) => record.messageId));
    }
    const done = event.Records.filter((record) => !failedIds.has(record.messageId));
    for (let index = 0; index < done.length; index += RECEIVE_MAX) {
      const chunk = done.slice(index, index + RECEIVE_MAX);
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((record, position) => ({ Id: String(position), ReceiptHandle: record.receiptHandle })),
        }),
      );
    }
    const bodies = event.Records.map((record) => record.body);
    this.options.onBatch?.({ records: messages.length, failed: failedIds.size, error: invocationError, ms, bodies });
  }
}
