import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { PurgeQueueCommand } from "@aws-sdk/client-sqs";
import { RetryableError } from "../../../shared/errors.js";
import {
  BATCH_BUDGET,
  MESSAGE_BUDGET,
  SQS_LIMITS,
  enqueueWork,
  packWork,
  packWorkBatch,
  sendBatches,
  sendPackedWork,
  type PackedMessage,
} from "../../../shared/queue/enqueue.js";
import { sqsJson } from "../../../shared/queue/messageText.js";
import { sqsClient } from "../../../shared/queue/sqsClient.js";
import { keepSourceTexts } from "../../../shared/sourceText.js";
import { deriveWorkItemId, workItemSchema, type WorkBatch } from "../../../shared/queue/workItem.js";
import { drainVisible, inspectQueue, startEmbeddedSqs, type EmbeddedSqs } from "../../support/embeddedSqs.js";
import { defined } from "../../support/defined.js";

function batch(events: Array<{ id: string; event: unknown }>): WorkBatch {
  return { flow: "braze-to-mixpanel", destination: "mixpanel", correlationId: "corr-1", receivedAt: "2026-01-01T00:00:00.000Z", events };
}
const sized = (count: number, bytes: number) => Array.from({ length: count }, (_, n) => ({ id: `e-${n}`, event: { blob: "x".repeat(bytes) } }));
/** An event whose JSON is exactly `bytes` long. */
function eventOfBytes(id: string, bytes: number) {
  const padding = bytes - Buffer.byteLength(sqsJson({ id, event: "" }));
  return { id, event: "x".repeat(padding) };
}
/** The bytes of a message's frame (everything but its events) for `batch`'s envelope. */
function frameBytes(): number {
  const event = { id: "f", event: 0 };
  return defined(packWorkBatch(batch([event])).messages[0]).bytes - Buffer.byteLength(sqsJson(event));
}

describe("packWorkBatch", () => {
  it("queues an event as the text it came in as, escaped for SQS and sized exactly", () => {
    const event = { name: "🎉 café", n: 1 };
    keepSourceTexts([event], ['{ "name" : "🎉 café",  "n": 1.0 }']);

    const message = defined(packWorkBatch(batch([{ id: "a", event }])).messages[0]);

    expect(message.body).toContain(String.raw`"events":[{"id":"a","event":{ "name" : "\ud83c\udf89 café",  "n": 1.0 }}]}`);
    expect(message.bytes).toBe(Buffer.byteLength(message.body));
    expect((JSON.parse(message.body) as { events: unknown }).events).toEqual([{ id: "a", event }]);
  });

  it("serialises an event whose text was not kept, and a copy of one whose text was", () => {
    const event = { n: 1 };
    keepSourceTexts([event], ['{"n": 1}']);

    const message = defined(
      packWorkBatch(
        batch([
          { id: "a", event: { ...event } },
          { id: "b", event: { m: 2 } },
        ]),
      ).messages[0],
    );

    expect(message.body).toContain('"events":[{"id":"a","event":{"n":1}},{"id":"b","event":{"m":2}}]}');
    expect(message.bytes).toBe(Buffer.byteLength(message.body));
  });

  it("builds a valid work item body whose id derives from the flow and its event ids", () => {
    const events = [
      { id: "a", event: { n: 1 } },
      { id: "b", event: { n: "two" } },
    ];

    const { messages, tooLarge } = packWorkBatch({ ...batch(events), context: { credentials: "sealed" } });

    expect(tooLarge).toEqual([]);
    expect(messages).toHaveLength(1);
    const body = JSON.parse(defined(messages[0]).body) as unknown;
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
    expect(messages[0]).toMatchObject({
      workItemId: deriveWorkItemId("braze-to-mixpanel", "a", "b"),
      eventIds: ["a", "b"],
      bytes: Buffer.byteLength(defined(messages[0]).body),
    });
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
    const { messages, tooLarge } = packWorkBatch(
      batch([
        { id: "small", event: {} },
        { id: "huge", event: { blob: "x".repeat(SQS_LIMITS.messageBytes) } },
      ]),
    );

    expect(messages.map((message) => message.eventIds)).toEqual([["small"]]);
    expect(tooLarge).toEqual([
      { id: "huge", destination: "mixpanel", reason: expect.stringMatching(/^event is \d+ bytes; a queue message holds at most \d+$/) },
    ]);
  });
});

describe("packWorkBatch at the message budget", () => {
  // Each event is counted with a comma, so a message stays at least one byte under its budget.
  it("fills a message to just under its budget, commas included, and no further", () => {
    const room = MESSAGE_BUDGET - frameBytes();
    const first = eventOfBytes("a", 1_000);

    const full = packWorkBatch(batch([first, eventOfBytes("b", room - 1_000 - 2)])).messages;
    const over = packWorkBatch(batch([first, eventOfBytes("b", room - 1_000 - 1)])).messages;

    expect(full.map((message) => [message.eventIds, message.bytes, Buffer.byteLength(message.body)])).toEqual([
      [["a", "b"], MESSAGE_BUDGET - 1, MESSAGE_BUDGET - 1],
    ]);
    expect(over.map((message) => message.eventIds)).toEqual([["a"], ["b"]]);
    expect(over.map((message) => (JSON.parse(message.body) as { events: Array<{ id: string }> }).events.map((event) => event.id))).toEqual([["a"], ["b"]]);
  });

  it("packs an event that alone fills a message, and refuses one byte more", () => {
    const room = MESSAGE_BUDGET - frameBytes();

    const fits = packWorkBatch(batch([eventOfBytes("fits", room - 1)]));
    const refused = packWorkBatch(batch([eventOfBytes("refused", room)]));

    expect(fits).toMatchObject({ messages: [{ eventIds: ["fits"], bytes: MESSAGE_BUDGET - 1 }], tooLarge: [] });
    expect(refused).toEqual({
      messages: [],
      tooLarge: [{ id: "refused", destination: "mixpanel", reason: `event is ${room + 1} bytes; a queue message holds at most ${room}` }],
    });
  });
});

describe("packWork", () => {
  it("groups every batch's messages by destination queue, in packing order, and collects what no message holds", () => {
    const huge = { id: "huge", event: "x".repeat(SQS_LIMITS.messageBytes) };
    const mixpanelA = batch([{ id: "a", event: 1 }]);
    const mparticle: WorkBatch = { ...batch([{ id: "b", event: 2 }, huge]), destination: "mparticle", flow: "braze-to-mparticle" };
    const mixpanelC = batch([{ id: "c", event: 3 }]);

    const packed = packWork([mixpanelA, mparticle, mixpanelC]);

    expect([...packed.byDestination].map(([destination, messages]) => [destination, messages.map((message) => message.eventIds)])).toEqual([
      ["mixpanel", [["a"], ["c"]]],
      ["mparticle", [["b"]]],
    ]);
    expect(packed.messages.map((message) => message.eventIds)).toEqual([["a"], ["c"], ["b"]]);
    expect(packed.tooLarge).toEqual([{ id: "huge", destination: "mparticle", reason: expect.any(String) }]);
  });
});

describe("sendBatches", () => {
  const message = (bytes: number) => ({ bytes }) as PackedMessage;

  it("fills a SendMessageBatch call up to its byte budget and no further, and never yields an empty call", () => {
    expect([...sendBatches([message(BATCH_BUDGET - 100), message(100)])].map((chunk) => chunk.length)).toEqual([2]);
    expect([...sendBatches([message(BATCH_BUDGET - 100), message(101)])].map((chunk) => chunk.length)).toEqual([1, 1]);
    expect([...sendBatches([message(BATCH_BUDGET + 1), message(1)])].map((chunk) => chunk.length)).toEqual([1, 1]);
    expect([...sendBatches([])]).toEqual([]);
  });

  it("keeps SendMessageBatch calls to 10 messages and the batch byte limit", () => {
    const small = defined(packWorkBatch(batch(sized(1, 10))).messages[0]);
    const big = defined(packWorkBatch(batch(sized(4, 100_000))).messages[0]);

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
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  afterAll(async () => {
    await sqs.stop();
  });

  /** The entry counts of the SendMessageBatch calls the relay's SQS client makes until `stop`. */
  function countBatchCalls(): { calls: number[]; stop: () => void } {
    const calls: number[] = [];
    const client = sqsClient();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "SendMessageBatchCommand") calls.push((args.input as { Entries: unknown[] }).Entries.length);
        return next(args);
      },
      { step: "initialize", name: "countBatchCalls" },
    );
    return { calls, stop: () => client.middlewareStack.remove("countBatchCalls") };
  }

  it("sends again only the entries SQS refused, three times at most, then fails retryable; the rest arrives once", async () => {
    const good = defined(packWorkBatch(batch([{ id: "good", event: 1 }])).messages[0]);
    // A body SQS refuses (U+FFFF, which sqsJson would have escaped).
    const refused: PackedMessage = { ...good, workItemId: "w-refused", body: '{"text":"￿"}', eventIds: ["refused"] };
    const counter = countBatchCalls();

    const error = await sendPackedWork({ byDestination: new Map([["mixpanel", [good, refused]]]), messages: [good, refused], tooLarge: [] }).catch(
      (thrown: unknown) => thrown,
    );
    counter.stop();

    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toBe("SQS refused 1 message(s) after 3 attempts");
    expect(counter.calls).toEqual([2, 1, 1]);
    expect((await drainVisible(sqs.sqs, sqs.queueUrls.mixpanel.queue)).map((message) => message.Body)).toEqual([good.body]);
  });

  it("turns a failing SendMessageBatch call into a retryable error that keeps the cause", async () => {
    vi.stubEnv("MIXPANEL_QUEUE_URL", `${sqs.queueUrls.mixpanel.queue}-missing`);

    const error = await enqueueWork([batch(sized(1, 10))]).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/^SQS SendMessageBatch failed: ./);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it("delays every message by the seconds asked", async () => {
    const before = Date.now();
    await enqueueWork([batch(sized(2, 10))], 30);
    const after = Date.now();

    const { delayed, ready } = await inspectQueue(sqs, sqs.queueUrls.mixpanel.queue);
    expect(ready).toEqual([]);
    expect(delayed).toHaveLength(1);
    expect(defined(delayed[0]).delayUntil).toBeGreaterThanOrEqual(before + 30_000);
    expect(defined(delayed[0]).delayUntil).toBeLessThanOrEqual(after + 30_000);
  });

  it("sends the packed messages with their attributes", async () => {
    const { messages } = await enqueueWork([batch(sized(25, 100_000))]);

    const received = await drainVisible(sqs.sqs, sqs.queueUrls.mixpanel.queue);
    expect(received.map((message) => message.Body).sort()).toEqual(messages.map((message) => message.body).sort());
    expect(received.map((message) => message.MessageAttributes?.workItemId?.StringValue).sort()).toEqual(messages.map((message) => message.workItemId).sort());
    expect(received.every((message) => message.MessageAttributes?.correlationId?.StringValue === "corr-1")).toBe(true);
    expect(received.every((message) => message.MessageAttributes?.destination?.StringValue === "mixpanel")).toBe(true);
    expect(new Set(received.flatMap((message) => Object.values(message.MessageAttributes ?? {}).map((value) => value.DataType)))).toEqual(new Set(["String"]));
  });
});
