import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PurgeQueueCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { z } from "zod";
import { AuthError, PermanentError, RetryableError } from "../../../shared/errors.js";
import type { Destination } from "../../../shared/queue/definition.js";
import { enqueueWorkItems } from "../../../shared/queue/enqueue.js";
import type { ParkRecord } from "../../../shared/queue/park.js";
import { createWorkerHandler, type DeliveryOutcome } from "../../../shared/queue/worker.js";
import { deriveWorkItemId, type WorkItem } from "../../../shared/queue/workItem.js";
import { lambdaContext } from "../../../infra/local/lambdaContext.js";
import { workerFor } from "../../../infra/wiring.js";
import { SqsPoller } from "../../../infra/local/poller.js";
import { drainVisible, startEmbeddedSqs, type EmbeddedSqs } from "../../support/embeddedSqs.js";
import { waitFor } from "../../support/waitFor.js";

const destination: Destination = "mixpanel";
const payloadSchema = z.object({ n: z.number().int() });

function workItem(n: number): WorkItem {
  return {
    workItemId: deriveWorkItemId("test", n),
    destination,
    correlationId: `corr-${n}`,
    receivedAt: new Date().toISOString(),
    payload: { n },
  };
}

/** A destination whose partner fails some items as told, and which records every delivery. */
function recordingDestination(failureFor: (n: number) => DeliveryOutcome | undefined) {
  const deliveries: number[] = [];
  const handler = createWorkerHandler({
    destination,
    payloadSchema,
    deliver: async (items) => {
      const outcomes = new Map<string, DeliveryOutcome>();
      for (const item of items) {
        const failure = failureFor(item.workItem.payload.n);
        if (!failure) deliveries.push(item.workItem.payload.n);
        outcomes.set(item.messageId, failure ?? { kind: "delivered" });
      }
      return outcomes;
    },
  });
  return { deliveries, handler };
}

function parkRecord(message: { MessageAttributes?: Record<string, { StringValue?: string }> }): ParkRecord {
  return JSON.parse(message.MessageAttributes?.failure?.StringValue ?? "null") as ParkRecord;
}

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
    await enqueueWorkItems(Array.from({ length: 10 }, (_, n) => workItem(n)));
    await startPoller(handler);

    const parked = await waitFor(async () => {
      const messages = await drainVisible(sqs.sqs, sqs.queueUrls[destination].dlq, 1);
      return messages.length > 0 ? messages : undefined;
    }, 40_000, "the failing record in the DLQ");

    expect(deliveries.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 8, 9]);
    expect(attemptsOf7).toHaveLength(5);
    expect(parked).toHaveLength(1);
    const record = parkRecord(parked[0]!);
    expect(record).toMatchObject({
      destination,
      workItemId: workItem(7).workItemId,
      reason: "retries-exhausted",
      errorClass: "retryable",
      status: 503,
      partnerMessage: "busy",
      attempts: 5,
    });
    expect(JSON.parse(parked[0]!.Body ?? "{}")).toMatchObject({ payload: { n: 7 } });
    expect(parked[0]!.MessageAttributes?.correlationId?.StringValue).toBe("corr-7");
    expect(await drainVisible(sqs.sqs, sqs.queueUrls[destination].queue)).toHaveLength(0);
  });

  it("parks a permanent failure at once, with the partner's reason, and never retries it", async () => {
    let calls = 0;
    const { handler } = recordingDestination(() => {
      calls++;
      return { kind: "failed", error: new PermanentError("partner answered HTTP 400", { status: 400, partnerMessage: "bad field x" }) };
    });
    await enqueueWorkItems([workItem(1)]);
    await startPoller(handler);

    const parked = await waitFor(async () => {
      const messages = await drainVisible(sqs.sqs, sqs.queueUrls[destination].dlq, 1);
      return messages.length > 0 ? messages : undefined;
    }, 10_000, "the permanent failure in the DLQ");

    expect(calls).toBe(1);
    expect(parkRecord(parked[0]!)).toMatchObject({ reason: "permanent", errorClass: "permanent", status: 400, partnerMessage: "bad field x", attempts: 1 });
  });

  it("parks a message that is not a valid work item as a validation failure", async () => {
    const { deliveries, handler } = recordingDestination(() => undefined);
    await sqs.sqs.send(new SendMessageCommand({ QueueUrl: sqs.queueUrls[destination].queue, MessageBody: JSON.stringify({ ...workItem(3), payload: { n: "three" } }) }));
    await startPoller(handler);

    const parked = await waitFor(async () => {
      const messages = await drainVisible(sqs.sqs, sqs.queueUrls[destination].dlq, 1);
      return messages.length > 0 ? messages : undefined;
    }, 10_000, "the invalid message in the DLQ");

    expect(deliveries).toEqual([]);
    expect(parkRecord(parked[0]!)).toMatchObject({ reason: "validation", errorClass: "validation", workItemId: workItem(3).workItemId });
    expect(parkRecord(parked[0]!).message).toContain("payload invalid at n");
  });

  it("keeps a credential failure in the queue with a long backoff instead of parking it", async () => {
    let calls = 0;
    const { handler } = recordingDestination(() => {
      calls++;
      return { kind: "failed", error: new AuthError("partner answered HTTP 401", { status: 401 }) };
    });
    await enqueueWorkItems([workItem(2)]);
    await startPoller(handler);

    await waitFor(() => calls >= 1, 10_000, "the first delivery");
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    // Base 0.2 s × 30 puts the next attempt ≥ 3 s away: nothing came back yet, nothing is parked.
    expect(calls).toBe(1);
    expect(await drainVisible(sqs.sqs, sqs.queueUrls[destination].dlq)).toHaveLength(0);
  });

  it("treats a batch whose destination reports no outcome as failed, never as delivered", async () => {
    let calls = 0;
    const handler = createWorkerHandler({
      destination,
      payloadSchema,
      deliver: async () => {
        calls++;
        return new Map<string, DeliveryOutcome>();
      },
    });
    const response = await handler(
      {
        Records: [
          {
            messageId: "m-1",
            receiptHandle: "r-1",
            body: JSON.stringify(workItem(5)),
            attributes: { ApproximateReceiveCount: "1", SentTimestamp: "0", SenderId: "x", ApproximateFirstReceiveTimestamp: "0" },
            messageAttributes: {},
            md5OfBody: "",
            eventSource: "aws:sqs",
            eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:cdp-relay-mixpanel",
            awsRegion: "us-east-1",
          },
        ],
      },
      lambdaContext("mixpanel-worker", 30, "us-east-1"),
    );

    expect(calls).toBe(1);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "m-1" }] });
  });
});
