import { randomUUID } from "node:crypto";
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from "aws-lambda";
import type { EventSourceSettings } from "../wiring.js";

export type WorkerHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface PollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  region: string;
  /** The worker's event source mapping settings from infra/wiring.ts. */
  settings: EventSourceSettings;
  /**
   * One handler per execution environment: batches run in parallel, one per environment, as Lambda
   * never runs two invocations in one environment (module-scope state such as the batch processor
   * relies on that).
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

/**
 * Drives a worker handler the way Lambda's SQS event source mapping does (with ReportBatchItemFailures when set):
 * long-poll, fill a batch up to the batch size within the batching window, invoke, then delete only the
 * records not reported as failed. Failed records stay in flight and reappear when their visibility
 * runs out; moving them to the DLQ is the queue's own redrive policy.
 */
export class SqsPoller {
  private running = false;
  private loops: Promise<void>[] = [];
  private queueArn = "";

  constructor(private readonly options: PollerOptions) {}

  async start(): Promise<void> {
    const { sqs, queueUrl } = this.options;
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }));
    this.queueArn = attributes.Attributes?.QueueArn ?? "";
    this.running = true;
    this.loops = this.options.handlers.map((handler) => this.loop(handler));
  }

  /** Stops polling and waits for batches in flight to finish. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
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
    const { batchSize, maxBatchingWindowSeconds } = this.options.settings;
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

  private async loop(handler: WorkerHandler): Promise<void> {
    while (this.running) {
      try {
        const messages = await this.collectBatch();
        if (messages.length > 0) await this.invoke(handler, messages);
      } catch (error) {
        if (!this.running) return;
        this.options.onBatch?.({ records: 0, failed: 0, error: (error as Error).message });
        await new Promise((resolve) => setTimeout(resolve, 500));
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
      const response = await handler(event, context());
      ms = performance.now() - started;
      // Without ReportBatchItemFailures, Lambda ignores the response: a returned invocation deletes the whole batch.
      const reported = this.options.settings.reportBatchItemFailures ? (response?.batchItemFailures ?? []) : [];
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
    this.options.onBatch?.({ records: messages.length, failed: failedIds.size, error: invocationError, ms });
  }
}
