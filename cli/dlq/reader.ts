import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";

const RECEIVE_BATCH = 10;

export interface ReaderSettings {
  /** How long received messages stay hidden from other readers while this one works. */
  visibilityTimeout: number;
  /** Long polling: an empty answer then means the queue is empty, not that a sampled server was. */
  waitTimeSeconds: number;
}

/**
 * Walks a queue once. SQS has no "peek": reading means receiving, which hides the message for the
 * visibility timeout and counts as a receive. The reader keeps every receipt it holds so that the
 * caller can hand the messages back (visibility 0) when done, and dedupes by message id because SQS
 * may deliver a message twice.
 */
export class QueueReader {
  private readonly seen = new Set<string>();
  private readonly held = new Set<string>();

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly settings: ReaderSettings,
  ) {}

  /** The next messages not seen before; empty once a receive brings nothing new. */
  async next(): Promise<Message[]> {
    const result = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: RECEIVE_BATCH,
        VisibilityTimeout: this.settings.visibilityTimeout,
        WaitTimeSeconds: this.settings.waitTimeSeconds,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp"],
      }),
    );
    const fresh: Message[] = [];
    for (const message of result.Messages ?? []) {
      if (message.ReceiptHandle) this.held.add(message.ReceiptHandle);
      if (!message.MessageId || this.seen.has(message.MessageId)) continue;
      this.seen.add(message.MessageId);
      fresh.push(message);
    }
    return fresh;
  }

  /** The message is gone (deleted): nothing to hand back. */
  forget(receiptHandle: string): void {
    this.held.delete(receiptHandle);
  }

  /** Makes every held message visible again at once; a receipt that expired meanwhile is already visible. */
  async release(): Promise<void> {
    const receipts = [...this.held];
    this.held.clear();
    for (let start = 0; start < receipts.length; start += RECEIVE_BATCH) {
      await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: receipts.slice(start, start + RECEIVE_BATCH).map((receipt, index) => ({
            Id: String(index),
            ReceiptHandle: receipt,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }
}

const PEEK_VISIBILITY_SECONDS = 30;

/**
 * Every message in the queue (up to `max` of those `select` accepts), left in place: received with a
 * short visibility, then released.
 */
export async function peekMessages(
  sqs: SQSClient,
  queueUrl: string,
  options: { max?: number; waitTimeSeconds: number; select?: (message: Message) => boolean },
): Promise<Message[]> {
  const reader = new QueueReader(sqs, queueUrl, { visibilityTimeout: PEEK_VISIBILITY_SECONDS, waitTimeSeconds: options.waitTimeSeconds });
  const found: Message[] = [];
  const select = options.select ?? (() => true);
  try {
    while (options.max === undefined || found.length < options.max) {
      const batch = await reader.next();
      if (batch.length === 0) break;
      for (const message of batch) {
        if (select(message) && (options.max === undefined || found.length < options.max)) found.push(message);
      }
    }
  } finally {
    await reader.release();
  }
  return found;
}
