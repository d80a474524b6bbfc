import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PurgeQueueCommand } from "@aws-sdk/client-sqs";
import { SQS_LIMITS, enqueueWork, packWorkBatch, sendBatches } from "../../../shared/queue/enqueue.js";
import { deriveWorkItemId, workItemSchema, type WorkBatch } from "../../../shared/queue/workItem.js";
import { drainVisible, startEmbeddedSqs, type EmbeddedSqs } from "../../support/embeddedSqs.js";

function batch(events: Array<{ id: string; event: unknown }>): WorkBatch {
  return { flow: "braze-to-mixpanel", destination: "mixpanel", correlationId: "corr-1", receivedAt: "2026-01-01T00:00:00.000Z", events };
}
const sized = (count: number, bytes: number) => Array.from({ length: count }, (_, n) => ({ id: `e-${n}`, event: { blob: "x".repeat(bytes) } }));

describe("packWorkBatch", () => {
  it("builds a valid work item body whose id derives from the flow and its event ids", () => {
    const events = [{ id: "a", event: { n: 1 } }, { id: "b", event: { n: "two" } }];

    const { messages, tooLarge } = packWorkBatch({ ...batch(events), context: { credentials: "sealed" } });

    expect(tooLarge).toEqual([]);
    expect(messages).toHaveLength(1);
    const body = JSON.parse(messages[0]!.body) as unknown;
    expect(body).toEqual({
      workItemId: deriveWorkItemId("braze-to-mixpanel", "a", "b"),
      flow: "braze-to-mixpanel",
      destination: "mixpanel",
      correlationId: "corr-1",
      receivedAt: "2026-01-01T00:00:00.000Z",
      context: { credentials: "sealed" },
      priorAttempts: 0,
      events,
    });
    expect(workItemSchema.safeParse(body).success).toBe(true);
    expect(messages[0]).toMatchObject({ workItemId: deriveWorkItemId("braze-to-mixpanel", "a", "b"), eventIds: ["a", "b"], bytes: Buffer.byteLength(messages[0]!.body) });
  });

  it("packs as many events per message as fit under SQS's message limit", () => {
    const { messages } = packWorkBatch(batch(sized(25, 100_000)));

    expect(messages.map((message) => message.eventIds.length)).toEqual([10, 10, 5]);
    for (const message of messages) expect(Buffer.byteLength(message.body)).toBeLessThan(SQS_LIMITS.messageBytes);
  });

  it("gives a redelivered batch the same ids", () => {
    const ids = () => packWorkBatch(batch(sized(25, 100_000))).messages.map((message) => message.workItemId);

    expect(ids()).toEqual(ids());
    expect(new Set(ids()).size).toBe(3);
  });

  it("returns an event too large for any message instead of packing it", () => {
    const { messages, tooLarge } = packWorkBatch(batch([{ id: "small", event: {} }, { id: "huge", event: { blob: "x".repeat(SQS_LIMITS.messageBytes) } }]));

    expect(messages.map((message) => message.eventIds)).toEqual([["small"]]);
    expect(tooLarge).toEqual([{ id: "huge", destination: "mixpanel", reason: expect.stringMatching(/^event is \d+ bytes; a queue message holds at most \d+$/) }]);
  });
});

describe("sendBatches", () => {
  it("keeps SendMessageBatch calls to 10 messages and the batch byte limit", () => {
    const small = packWorkBatch(batch(sized(1, 10))).messages[0]!;
    const big = packWorkBatch(batch(sized(4, 100_000))).messages[0]!;

    expect([...sendBatches(Array(23).fill(small))].map((chunk) => chunk.length)).toEqual([10, 10, 3]);
    const chunks = [...sendBatches(Array(5).fill(big))];
    expect(chunks.map((chunk) => chunk.length)).toEqual([2, 2, 1]);
    for (const chunk of chunks) expect(chunk.reduce((sum, message) => sum + message.bytes, 0)).toBeLessThan(SQS_LIMITS.batchBytes);
  });
});

describe("enqueueWork on the embedded SQS", () => {
  let sqs: EmbeddedSqs;

  beforeAll(async () => {
    sqs = await startEmbeddedSqs();
  });
  beforeEach(async () => {
    await sqs.sqs.send(new PurgeQueueCommand({ QueueUrl: sqs.queueUrls.mixpanel.queue }));
  });
  afterAll(async () => {
    await sqs.stop();
  });

  it("sends the packed messages with their attributes", async () => {
    const { messages } = await enqueueWork([batch(sized(25, 100_000))]);

    const received = await drainVisible(sqs.sqs, sqs.queueUrls.mixpanel.queue);
    expect(received.map((message) => message.Body).sort()).toEqual(messages.map((message) => message.body).sort());
    expect(received.map((message) => message.MessageAttributes?.workItemId?.StringValue).sort()).toEqual(messages.map((message) => message.workItemId).sort());
    expect(received.every((message) => message.MessageAttributes?.correlationId?.StringValue === "corr-1")).toBe(true);
  });
});
