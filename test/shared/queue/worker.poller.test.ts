import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PurgeQueueCommand, SendMessageBatchCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { AuthError, PermanentError, RetryableError, type DeliveryOutcome } from "../../../shared/errors.js";
import type { Destination } from "../../../shared/queue/definition.js";
import { workerFor } from "../../../infra/wiring.js";
import type { ParkRecord } from "../../../shared/queue/park.js";
import { createWorkerHandler } from "../../../shared/queue/worker.js";
import { eventKey } from "../../../shared/queue/workerMessage.js";
import { deriveWorkItemId, type WorkItem } from "../../../shared/queue/workItem.js";
import { lambdaContext } from "../../../infra/local/lambdaContext.js";
import { SqsPoller } from "../../../infra/local/poller.js";
import { drainVisible, queueCounts, startEmbeddedSqs, type EmbeddedSqs } from "../../support/embeddedSqs.js";
import { structuredLogs } from "../../support/logCapture.js";
import { waitFor } from "../../support/waitFor.js";
import { defined } from "../../support/defined.js";

const destination: Destination = "mixpanel";

function workItem(n: number, events: number[] = [n]): WorkItem {
  return {
    workItemId: deriveWorkItemId("test", n),
    flow: "test-flow",
    destination,
    correlationId: `corr-${n}`,
    receivedAt: new Date().toISOString(),
    events: events.map((value) => ({ id: `e-${value}`, event: { n: value } })),
  };
}

/** Sends work items as they are, one message each, as the ingest would. */
async function send(sqs: SQSClient, queueUrl: string, items: WorkItem[]): Promise<void> {
  for (let start = 0; start < items.length; start += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: items.slice(start, start + 10).map((item, index) => ({
          Id: String(index),
          MessageBody: JSON.stringify(item),
          MessageAttributes: {
            workItemId: { DataType: "String", StringValue: item.workItemId },
            correlationId: { DataType: "String", StringValue: item.correlationId },
          },
        })),
      }),
    );
  }
}

/** A destination whose partner fails some events as told, and which records every delivery. */
function recordingDestination(failureFor: (n: number) => DeliveryOutcome | undefined) {
  const deliveries: number[] = [];
  const handler = createWorkerHandler({
    destination,
    deliver: async (messages) => {
      const outcomes = new Map<string, DeliveryOutcome>();
      for (const message of messages) {
        for (const queued of message.workItem.events) {
          const n = (queued.event as { n: number }).n;
          const failure = failureFor(n);
          if (!failure) deliveries.push(n);
          outcomes.set(eventKey(message.messageId, queued.id), failure ?? { kind: "delivered" });
        }
      }
      return outcomes;
    },
  });
  return { deliveries, handler };
}

function parkRecord(message: { MessageAttributes?: Record<string, { StringValue?: string }> }): ParkRecord {
  return JSON.parse(message.MessageAttributes?.failure?.StringValue ?? "null") as ParkRecord;
}

/**
 * The worker runtime driven by the local event source mapping (SqsPoller), end to end through real receives,
 * redeliveries and SQS's own visibility timeouts: whole seconds per test. The handler's logic, record by
 * record, is pinned by the in-process tests of worker.test.ts, which the mutation suite runs instead of this file.
 */
describe("worker runtime on the embedded SQS", () => {
  let sqs: EmbeddedSqs;
  let poller: SqsPoller | undefined;

  beforeAll(async () => {
    process.env.RETRY_BASE_SECONDS = "0.2";
    sqs = await startEmbeddedSqs();
  });
  afterEach(async () => {
    await poller?.stop();
    poller = undefined;
    await sqs.sqs.send(new PurgeQueueCommand({ QueueUrl: sqs.queueUrls[destination].queue }));
    await sqs.sqs.send(new PurgeQueueCommand({ QueueUrl: sqs.queueUrls[destination].dlq }));
  });
  afterAll(async () => {
    await sqs.stop();
  });

  function startPoller(handler: ReturnType<typeof createWorkerHandler>) {
    poller = new SqsPoller({
      sqs: sqs.sqs,
      queueUrl: sqs.queueUrls[destination].queue,
      region: "us-east-1",
      settings: { ...workerFor(destination).trigger.eventSource, batchSize: 10, maxBatchingWindowSeconds: 1 },
      handlers: [handler],
      context: () => lambdaContext("mixpanel-worker", 30, "us-east-1"),
    });
    return poller.start();
  }

  it("redelivers only the failing record of a batch of ten, parks it after 5 receives, and delivers the nine once", async () => {
    const attemptsOf7: number[] = [];
    const { deliveries, handler } = recordingDestination((n) => {
      if (n !== 7) return undefined;
      attemptsOf7.push(Date.now());
      return { kind: "failed", error: new RetryableError("partner answered HTTP 503", { status: 503, partnerMessage: "busy" }) };
    });
    await send(
      sqs.sqs,
      sqs.queueUrls[destination].queue,
      Array.from({ length: 10 }, (_, n) => workItem(n)),
    );
    await startPoller(handler);

    const parked = await waitFor(
      async () => {
        const messages = await drainVisible(sqs.sqs, sqs.queueUrls[destination].dlq, 1);
        return messages.length > 0 ? messages : undefined;
      },
      40_000,
      "the failing record in the DLQ",
    );

    expect(deliveries.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 8, 9]);
    expect(attemptsOf7).toHaveLength(5);
    expect(parked).toHaveLength(1);
    const record = parkRecord(defined(parked[0]));
    expect(record).toMatchObject({
      destination,
      workItemId: workItem(7).workItemId,
      reason: "retries-exhausted",
      errorClass: "retryable",
      status: 503,
      partnerMessage: "busy",
      attempts: 5,
    });
    expect(JSON.parse(defined(parked[0]).Body ?? "{}")).toMatchObject({ priorAttempts: 0, events: [{ id: "e-7", event: { n: 7 } }] });
    expect(defined(parked[0]).MessageAttributes?.correlationId?.StringValue).toBe("corr-7");
    expect(await drainVisible(sqs.sqs, sqs.queueUrls[destination].queue)).toHaveLength(0);
    // The park is logged at ERROR (captured by the test setup, not printed), with the correlation id.
    expect(structuredLogs("ERROR")).toContainEqual(
      expect.objectContaining({ message: "work item parked in the DLQ", correlationId: "corr-7", reason: "retries-exhausted" }),
    );
  });

  it("settles a message event by event: delivered done, retryable re-enqueued alone, permanent parked alone", async () => {
    let firstTryOf2 = true;
    const { deliveries, handler } = recordingDestination((n) => {
      if (n === 2 && firstTryOf2) {
        firstTryOf2 = false;
        return { kind: "failed", error: new RetryableError("partner answered HTTP 503", { status: 503 }) };
      }
      if (n === 3) return { kind: "failed", error: new PermanentError("partner answered HTTP 400", { status: 400, partnerMessage: "bad 3" }) };
      return undefined;
    });
    await send(sqs.sqs, sqs.queueUrls[destination].queue, [workItem(100, [1, 2, 3])]);
    await startPoller(handler);

    const parked = await waitFor(
      async () => {
        const messages = await drainVisible(sqs.sqs, sqs.queueUrls[destination].dlq, 1);
        return messages.length > 0 ? messages : undefined;
      },
      10_000,
      "the permanent failure in the DLQ",
    );
    await waitFor(() => deliveries.includes(2), 10_000, "the retried event");

    expect(deliveries).toEqual([1, 2]);
    expect(parked).toHaveLength(1);
    expect(JSON.parse(defined(parked[0]).Body ?? "{}")).toMatchObject({ flow: "test-flow", priorAttempts: 0, events: [{ id: "e-3", event: { n: 3 } }] });
    expect(parkRecord(defined(parked[0]))).toMatchObject({
      reason: "permanent",
      status: 400,
      partnerMessage: "bad 3",
      attempts: 1,
      workItemId: deriveWorkItemId("test-flow", "e-3"),
    });
    expect(defined(parked[0]).MessageAttributes?.correlationId?.StringValue).toBe("corr-100");
  });

  it("parks a permanent failure at once, with the partner's reason, and never retries it", async () => {
    let calls = 0;
    const { handler } = recordingDestination(() => {
      calls++;
      return { kind: "failed", error: new PermanentError("partner answered HTTP 400", { status: 400, partnerMessage: "bad field x" }) };
    });
    await send(sqs.sqs, sqs.queueUrls[destination].queue, [workItem(1)]);
    await startPoller(handler);

    const parked = await waitFor(
      async () => {
        const messages = await drainVisible(sqs.sqs, sqs.queueUrls[destination].dlq, 1);
        return messages.length > 0 ? messages : undefined;
      },
      10_000,
      "the permanent failure in the DLQ",
    );

    expect(calls).toBe(1);
    expect(parkRecord(defined(parked[0]))).toMatchObject({
      reason: "permanent",
      errorClass: "permanent",
      status: 400,
      partnerMessage: "bad field x",
      attempts: 1,
    });
  });

  it("parks a message that is not a valid work item as a validation failure", async () => {
    const { deliveries, handler } = recordingDestination(() => undefined);
    await sqs.sqs.send(
      new SendMessageCommand({
        QueueUrl: sqs.queueUrls[destination].queue,
        MessageBody: JSON.stringify({ ...workItem(3), events: [] }),
        MessageAttributes: { workItemId: { DataType: "String", StringValue: workItem(3).workItemId } },
      }),
    );
    await startPoller(handler);

    const parked = await waitFor(
      async () => {
        const messages = await drainVisible(sqs.sqs, sqs.queueUrls[destination].dlq, 1);
        return messages.length > 0 ? messages : undefined;
      },
      10_000,
      "the invalid message in the DLQ",
    );

    expect(deliveries).toEqual([]);
    expect(parkRecord(defined(parked[0]))).toMatchObject({ reason: "validation", errorClass: "validation", workItemId: workItem(3).workItemId });
    expect(parkRecord(defined(parked[0])).message).toContain("work item invalid at events");
  });

  it("keeps a credential failure in the queue with a long backoff instead of parking it", async () => {
    let calls = 0;
    const { handler } = recordingDestination(() => {
      calls++;
      return { kind: "failed", error: new AuthError("partner answered HTTP 401", { status: 401 }) };
    });
    await send(sqs.sqs, sqs.queueUrls[destination].queue, [workItem(2)]);
    await startPoller(handler);

    await waitFor(() => calls >= 1, 10_000, "the first delivery");
    // Stopping waits for the batch in flight to settle; no other receive takes the message after that.
    await poller?.stop();

    // Kept, not deleted: the message is in flight, with its visibility set to the credential backoff
    // (base 0.2 s × 30: 3 to 6 s), so nothing can receive it now, and nothing is parked.
    expect(await queueCounts(sqs.sqs, sqs.queueUrls[destination].queue)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    expect(await queueCounts(sqs.sqs, sqs.queueUrls[destination].dlq)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(await drainVisible(sqs.sqs, sqs.queueUrls[destination].queue)).toEqual([]);
    // The backoff, not the queue's visibility timeout (minutes), brings it back: the same message, second receive.
    const [back] = await waitFor(
      async () => {
        const messages = await drainVisible(sqs.sqs, sqs.queueUrls[destination].queue);
        return messages.length > 0 ? messages : undefined;
      },
      10_000,
      "the message back after the credential backoff",
    );
    expect(JSON.parse(back?.Body ?? "{}")).toMatchObject({ workItemId: workItem(2).workItemId });
    expect(back?.Attributes?.ApproximateReceiveCount).toBe("2");
    expect(calls).toBe(1);
  });
});
