import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, PurgeQueueCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import { lambdaContext } from "../../../infra/local/lambdaContext.js";
import { toRecord } from "../../../infra/local/poller.js";
import { createMixpanelSandbox, type MixpanelSandbox } from "../../../infra/local/sandboxes/mixpanel.js";
import { createMparticleSandbox, type MparticleSandbox } from "../../../infra/local/sandboxes/mparticle.js";
import { brazeToMixpanel } from "../../../shared/flows/brazeToMixpanel.js";
import { brazeToMparticle } from "../../../shared/flows/brazeToMparticle.js";
import { mixpanelWorker } from "../../../shared/flows/mixpanelWorker.js";
import { mparticleWorker } from "../../../shared/flows/mparticleWorker.js";
import type { Destination } from "../../../shared/queue/definition.js";
import { carriable, carriedFirst, carryOver } from "../../../shared/queue/carry.js";
import { CARRY_RETURN_SECONDS } from "../../../shared/queue/definition.js";
import { MESSAGE_BUDGET, packWorkBatch } from "../../../shared/queue/enqueue.js";
import { createWorkerHandler } from "../../../shared/queue/worker.js";
import { eventKey, type WorkerMessage } from "../../../shared/queue/workerMessage.js";
import type { WorkerRuntime } from "../../../shared/queue/workerRuntime.js";
import { deriveWorkItemId, workItemSchema, type WorkItem } from "../../../shared/queue/workItem.js";
import type { DeliveryOutcome } from "../../../shared/errors.js";
import { brazeEventSchema } from "../../../shared/sources/braze/schema.js";
import { brazeEvent, eventId } from "../sources/braze/factories.js";
import { drainVisible, inspectQueue, startEmbeddedSqs, type EmbeddedSqs } from "../../support/embeddedSqs.js";
import { structuredLogs } from "../../support/logCapture.js";
import { holdLogLevel } from "../../support/logLevel.js";
import { usePublishedMetrics } from "../../support/publishedMetrics.js";
import { TEST_SECRETS, useSecrets } from "../../support/secrets.js";
import { defined } from "../../support/defined.js";

const EVENTS_PER_MESSAGE = 100;

/** A Braze work item as ingest enqueues it: `count` custom events of five users, ids from `n`. */
function brazeWorkItem(destination: Destination, n: number, count = EVENTS_PER_MESSAGE, extra: Partial<WorkItem> = {}): WorkItem {
  const flow = destination === "mixpanel" ? brazeToMixpanel.name : brazeToMparticle.name;
  const events = Array.from({ length: count }, (_, index) => {
    const id = eventId(n * 1000 + index);
    const type = destination === "mixpanel" ? "users.behaviors.CustomEvent" : "users.messages.pushnotification.Send";
    const raw = brazeEvent(type, { id, time: 1767225600 + index, externalUserId: `user-${index % 5}`, platform: index % 2 ? "ios" : "android" });
    return { id, event: brazeEventSchema.parse(raw) };
  });
  return {
    workItemId: deriveWorkItemId(flow, n),
    flow,
    destination,
    correlationId: `corr-${n}`,
    receivedAt: new Date().toISOString(),
    events,
    ...extra,
  };
}

const idsOf = (item: WorkItem) => item.events.map((queued) => queued.id);

/**
 * The real Mixpanel and mParticle workers (flows, planners, partner clients) called as Lambda calls them,
 * on records received from the embedded SQS, against the partner sandboxes: what a worker carries over,
 * what it sends, and what a crash between the carry and the delete leaves.
 */
describe("carry-over of part-filled requests", () => {
  let sqs: EmbeddedSqs;
  let mixpanel: MixpanelSandbox;
  let mparticle: MparticleSandbox;
  let cleanupSecrets: () => Promise<void>;
  const publishedMetrics = usePublishedMetrics();
  const queueUrl = (destination: Destination) => sqs.queueUrls[destination].queue;

  beforeAll(async () => {
    sqs = await startEmbeddedSqs();
    cleanupSecrets = await useSecrets();
  });
  beforeEach(async () => {
    mixpanel = createMixpanelSandbox({ mixpanel: TEST_SECRETS.mixpanel });
    mparticle = createMparticleSandbox({ feeds: TEST_SECRETS.mparticle.feeds });
    vi.stubEnv("MIXPANEL_API_URL", await mixpanel.start(0));
    vi.stubEnv("MPARTICLE_API_URL", await mparticle.start(0));
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await mixpanel.stop();
    await mparticle.stop();
    for (const destination of ["mixpanel", "mparticle"] as const) await sqs.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl(destination) }));
  });
  afterAll(async () => {
    await cleanupSecrets();
    await sqs.stop();
  });

  async function receive(destination: Destination, items: WorkItem[], visibilitySeconds = 60): Promise<SQSRecord[]> {
    for (let start = 0; start < items.length; start += 10) {
      const entries = items.slice(start, start + 10).map((item, index) => ({ Id: String(index), MessageBody: JSON.stringify(item) }));
      await sqs.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl(destination), Entries: entries }));
    }
    return (await drainVisible(sqs.sqs, queueUrl(destination), visibilitySeconds)).map((message) => toRecord(message, "arn", "us-east-1"));
  }

  /** What the event source mapping does after an invocation that reported no failure. */
  async function deleteAll(destination: Destination, records: SQSRecord[]): Promise<void> {
    for (let start = 0; start < records.length; start += 10) {
      const entries = records.slice(start, start + 10).map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle }));
      await sqs.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl(destination), Entries: entries }));
    }
  }

  async function carriedItems(destination: Destination): Promise<WorkItem[]> {
    return (await inspectQueue(sqs, queueUrl(destination))).ready.map((message) => JSON.parse(message.body) as WorkItem);
  }

  const mixpanelHandler = () => createWorkerHandler(mixpanelWorker);
  const context = () => lambdaContext("mixpanel-worker", 30, "us-east-1");

  it("carries a part-filled import over and sends it in one full import with the next invocation's events, in order", async () => {
    vi.stubEnv("BATCH_CARRY_MAX_SECONDS", "60");
    const handler = mixpanelHandler();
    const first = Array.from({ length: 10 }, (_, n) => brazeWorkItem("mixpanel", n + 1));
    const firstRecords = await receive("mixpanel", first);

    expect(await handler({ Records: firstRecords }, context())).toEqual({ batchItemFailures: [] });

    // 1,000 events make a part-filled import: nothing sent, one carry message back on the queue at once.
    expect(mixpanel.callsTo("/import")).toHaveLength(0);
    const [carry, ...others] = await carriedItems("mixpanel");
    expect(others).toEqual([]);
    const firstIds = firstRecords.flatMap((record) => idsOf(JSON.parse(record.body) as WorkItem));
    expect(carry && idsOf(carry)).toEqual(firstIds);
    expect(carry).toMatchObject({ flow: brazeToMixpanel.name, priorAttempts: 0, carriedAt: expect.any(String) });
    expect(publishedMetrics()).toContainEqual({ metric: "carried", value: 1000, destination: "mixpanel" });
    await deleteAll("mixpanel", firstRecords);

    const second = Array.from({ length: 10 }, (_, n) => brazeWorkItem("mixpanel", n + 11));
    const secondRecords = await receive("mixpanel", second);
    expect(secondRecords).toHaveLength(11);
    await handler({ Records: secondRecords }, context());

    // One import, full by count: the carried events first, as they were planned, then the new ones.
    const imports = mixpanel.callsTo("/import");
    expect(imports).toHaveLength(1);
    const sent = (imports[0]?.json as Array<{ properties: { $insert_id: string } }>).map((event) => event.properties.$insert_id);
    const secondIds = secondRecords.flatMap((record) => idsOf(JSON.parse(record.body) as WorkItem)).filter((id) => !firstIds.includes(id));
    expect(sent).toEqual([...firstIds, ...secondIds]);
    expect(sent).toHaveLength(2000);
    expect(await carriedItems("mixpanel")).toEqual([]);
  });

  it("carries again a remainder within the bound, keeping its first carry's time and spending no attempt", async () => {
    vi.stubEnv("BATCH_CARRY_MAX_SECONDS", "5");
    const carriedAt = new Date(Date.now() - 1000).toISOString();
    const records = await receive("mixpanel", [brazeWorkItem("mixpanel", 1, 10, { carriedAt, priorAttempts: 2 })]);

    await mixpanelHandler()({ Records: records }, context());

    expect(mixpanel.callsTo("/import")).toHaveLength(0);
    expect(await carriedItems("mixpanel")).toEqual([expect.objectContaining({ carriedAt, priorAttempts: 2 })]);
  });

  it("sends a remainder alone, part-filled, once its first carry is as old as the bound (less the trip back)", async () => {
    vi.stubEnv("BATCH_CARRY_MAX_SECONDS", "5");
    const carriedAt = new Date(Date.now() - 4500).toISOString();
    const item = brazeWorkItem("mixpanel", 1, 10, { carriedAt });
    const records = await receive("mixpanel", [item]);

    await mixpanelHandler()({ Records: records }, context());

    expect(mixpanel.callsTo("/import")).toHaveLength(1);
    expect(mixpanel.imported.map((event) => event.properties.$insert_id)).toEqual(idsOf(item));
    expect(await carriedItems("mixpanel")).toEqual([]);
  });

  it("never carries with BATCH_CARRY_MAX_SECONDS=0", async () => {
    vi.stubEnv("BATCH_CARRY_MAX_SECONDS", "0");
    const records = await receive("mixpanel", [brazeWorkItem("mixpanel", 1, 10)]);

    await mixpanelHandler()({ Records: records }, context());

    expect(mixpanel.callsTo("/import")).toHaveLength(1);
    expect(await carriedItems("mixpanel")).toEqual([]);
  });

  it("loses nothing when the container dies between the carry and the delete: Mixpanel gets every event, duplicates deduplicated by $insert_id", async () => {
    vi.stubEnv("BATCH_CARRY_MAX_SECONDS", "60");
    const items = Array.from({ length: 3 }, (_, n) => brazeWorkItem("mixpanel", n + 1));
    const records = await receive("mixpanel", items);
    await mixpanelHandler()({ Records: records }, context());
    expect(mixpanel.callsTo("/import")).toHaveLength(0);

    // The container dies before the event source mapping deletes the originals: their visibility runs out.
    await sqs.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl("mixpanel"),
        Entries: records.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle, VisibilityTimeout: 0 })),
      }),
    );
    vi.stubEnv("BATCH_CARRY_MAX_SECONDS", "0");
    const again = (await drainVisible(sqs.sqs, queueUrl("mixpanel"))).map((message) => toRecord(message, "arn", "us-east-1"));
    expect(again).toHaveLength(4);
    await mixpanelHandler()({ Records: again }, context());

    // Each event twice in the import (original and carry), once in Mixpanel.
    expect((mixpanel.callsTo("/import")[0]?.json as unknown[]).length).toBe(600);
    expect(mixpanel.imported.map((event) => event.properties.$insert_id).sort()).toEqual(items.flatMap(idsOf).sort());
  });

  it("mParticle: holds back each feed's part-filled request, then sends each feed's events in one request of its own credentials", async () => {
    vi.stubEnv("BATCH_CARRY_MAX_SECONDS", "60");
    const handler = createWorkerHandler(mparticleWorker);
    const records = await receive("mparticle", [brazeWorkItem("mparticle", 1, 40)]);

    await handler({ Records: records }, lambdaContext("mparticle-worker", 30, "us-east-1"));

    // 20 iOS and 20 Android events of five users: far from 256 KB on either feed, so both wait.
    expect(mparticle.callsTo("/v2/bulkevents")).toHaveLength(0);
    const [carry] = await carriedItems("mparticle");
    expect(carry && idsOf(carry)).toEqual(idsOf(JSON.parse(records[0]?.body ?? "{}") as WorkItem));
    await deleteAll("mparticle", records);

    vi.stubEnv("BATCH_CARRY_MAX_SECONDS", "0");
    const again = (await drainVisible(sqs.sqs, queueUrl("mparticle"))).map((message) => toRecord(message, "arn", "us-east-1"));
    await handler({ Records: again }, lambdaContext("mparticle-worker", 30, "us-east-1"));

    const calls = mparticle.callsTo("/v2/bulkevents");
    expect(calls.map((call) => call.headers.authorization).sort()).toEqual(
      [TEST_SECRETS.mparticle.feeds.android, TEST_SECRETS.mparticle.feeds.ios]
        .map(({ key, secret }) => `Basic ${Buffer.from(`${key}:${secret}`).toString("base64")}`)
        .sort(),
    );
    expect(mparticle.accepted.flatMap((accepted) => accepted.batch.events as unknown[])).toHaveLength(40);
  });
});

/** The carry's own rules, called directly: which messages may carry, in what order, and what one carry holds. */
describe("carriable, carriedFirst and carryOver", () => {
  let sqs: EmbeddedSqs;
  const NOW = Date.parse("2026-01-01T00:01:00.000Z");
  const message = (messageId: string, item: WorkItem, attempt = 1): WorkerMessage => ({ messageId, workItem: workItemSchema.parse(item), attempt });
  const carriedAt = (secondsBeforeNow: number) => new Date(NOW - secondsBeforeNow * 1000).toISOString();
  const counted = vi.fn();
  const runtime = { destination: "mixpanel", metrics: { addMetric: counted } } as unknown as WorkerRuntime;
  const carriedOverLines = () => structuredLogs("DEBUG").filter((line) => line.message === "part-filled requests carried over to the next invocation");
  const queued = async () => (await inspectQueue(sqs, sqs.queueUrls.mixpanel.queue)).ready.map((each) => JSON.parse(each.body) as WorkItem);
  let restoreLogLevel: () => void;

  beforeAll(async () => {
    sqs = await startEmbeddedSqs();
    // The carry's debug line is how an operator follows a carried request to the invocation that sends it.
    restoreLogLevel = holdLogLevel("DEBUG");
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    counted.mockClear();
    await sqs.sqs.send(new PurgeQueueCommand({ QueueUrl: sqs.queueUrls.mixpanel.queue }));
  });
  afterAll(async () => {
    restoreLogLevel();
    await sqs.stop();
  });

  it("lets a message carry while its first carry would be back within the bound, and none with a bound of 0", () => {
    const bound = 5;
    vi.stubEnv("BATCH_CARRY_MAX_SECONDS", String(bound));
    const messages = [
      message("never", brazeWorkItem("mixpanel", 1, 1)),
      message("just-in", brazeWorkItem("mixpanel", 2, 1, { carriedAt: carriedAt(bound - CARRY_RETURN_SECONDS) })),
      message("too-old", brazeWorkItem("mixpanel", 3, 1, { carriedAt: carriedAt(bound - CARRY_RETURN_SECONDS + 0.001) })),
      // Carried by a container whose clock runs ahead of this one's: not older for it.
      message("ahead", brazeWorkItem("mixpanel", 4, 1, { carriedAt: carriedAt(-60) })),
    ];

    expect([...carriable(messages, NOW)]).toEqual(["never", "just-in", "ahead"]);
    vi.stubEnv("BATCH_CARRY_MAX_SECONDS", "0");
    expect(carriable(messages, NOW).size).toBe(0);
  });

  it("puts carried messages first, the oldest intake first, then the rest as SQS gave them", () => {
    const fresh = [message("a", brazeWorkItem("mixpanel", 1, 1)), message("b", brazeWorkItem("mixpanel", 2, 1))];
    const later = message("later", brazeWorkItem("mixpanel", 3, 1, { carriedAt: carriedAt(1), receivedAt: carriedAt(10) }));
    const earlier = message("earlier", brazeWorkItem("mixpanel", 4, 1, { carriedAt: carriedAt(1), receivedAt: carriedAt(20) }));

    expect(carriedFirst(fresh)).toBe(fresh);
    expect(carriedFirst([fresh[0] as WorkerMessage, later, fresh[1] as WorkerMessage, earlier]).map((each) => each.messageId)).toEqual([
      "earlier",
      "later",
      "a",
      "b",
    ]);
  });

  it("carries a flow's events as one work item with the oldest intake and carry, the most attempts and every request it merged", async () => {
    const first = message("m1", brazeWorkItem("mixpanel", 1, 2, { receivedAt: carriedAt(30), carriedAt: carriedAt(2), carriedFrom: ["corr-0", "corr-1"] }), 3);
    const second = message("m2", brazeWorkItem("mixpanel", 2, 2, { receivedAt: carriedAt(40) }));
    const outcomes = new Map<string, DeliveryOutcome>([
      [eventKey("m1", eventId(1000)), { kind: "carried" }],
      [eventKey("m1", eventId(1001)), { kind: "carried" }],
      [eventKey("m2", eventId(2000)), { kind: "carried" }],
      [eventKey("m2", eventId(2001)), { kind: "delivered" }],
    ]);

    await carryOver(runtime, [first, second], outcomes, NOW);

    const [carried, ...rest] = (await inspectQueue(sqs, sqs.queueUrls.mixpanel.queue)).ready.map((each) => JSON.parse(each.body) as WorkItem);
    expect(rest).toEqual([]);
    expect(carried).toMatchObject({
      flow: brazeToMixpanel.name,
      correlationId: "corr-1",
      receivedAt: carriedAt(40),
      carriedAt: carriedAt(2),
      priorAttempts: 2,
      carriedFrom: ["corr-1", "corr-0", "corr-2"],
    });
    expect(carried && idsOf(carried)).toEqual([eventId(1000), eventId(1001), eventId(2000)]);
    expect(counted).toHaveBeenCalledWith("carried", "Count", 3);
  });

  it("fails the carried events as retryable when SQS refuses the carry, so their messages come back", async () => {
    vi.stubEnv("MIXPANEL_QUEUE_URL", `${sqs.queueUrls.mixpanel.queue}-missing`);
    const only = message("m1", brazeWorkItem("mixpanel", 1, 1));
    const outcomes = new Map<string, DeliveryOutcome>([[eventKey("m1", eventId(1000)), { kind: "carried" }]]);

    await carryOver(runtime, [only], outcomes, NOW);

    const outcome = outcomes.get(eventKey("m1", eventId(1000)));
    expect(outcome?.kind).toBe("failed");
    expect(outcome?.kind === "failed" && outcome.error.errorClass).toBe("retryable");
    expect(outcome?.kind === "failed" && outcome.error.message).toMatch(/^carry-over not enqueued: /);
    // SQS's own refusal stays attached, for the log line of the failure.
    expect(outcome?.kind === "failed" && outcome.error.cause).toMatchObject({ message: expect.stringMatching(/^SQS SendMessageBatch failed: /) });
    expect(counted).not.toHaveBeenCalled();
  });

  it("keeps each context's events apart, and logs every request the carry holds and how long its oldest has been carried", async () => {
    const withContext = (n: number, profile: string | undefined, attempt: number, extra: Partial<WorkItem>, events = 1) =>
      message(`m${n}`, brazeWorkItem("mixpanel", n, events, { ...extra, ...(profile === undefined ? {} : { context: { profile } }) }), attempt);
    const messages = [
      withContext(1, "p-1", 1, { receivedAt: carriedAt(40), carriedAt: carriedAt(1) }, 2),
      withContext(2, "p-1", 1, { receivedAt: carriedAt(30), carriedAt: carriedAt(3) }),
      // Its events all went: it is no part of the carry (neither its intake time nor its request).
      withContext(3, "p-1", 1, { receivedAt: carriedAt(50) }),
      withContext(4, "p-2", 1, { receivedAt: carriedAt(10) }),
      withContext(5, undefined, 1, { receivedAt: carriedAt(10), carriedAt: carriedAt(5) }),
    ];
    const outcomes = new Map<string, DeliveryOutcome>([
      [eventKey("m1", eventId(1000)), { kind: "carried" }],
      // eventId(1001): no outcome reported; settle fails it as retryable, the carry leaves it alone.
      [eventKey("m2", eventId(2000)), { kind: "carried" }],
      [eventKey("m3", eventId(3000)), { kind: "delivered" }],
      [eventKey("m4", eventId(4000)), { kind: "carried" }],
      [eventKey("m5", eventId(5000)), { kind: "carried" }],
    ]);

    await carryOver(runtime, messages, outcomes, NOW);

    const carried = await queued();
    const byProfile = (profile?: string) => carried.find((item) => (item.context as { profile?: string } | undefined)?.profile === profile);
    expect(carried).toHaveLength(3);
    expect(byProfile("p-1")).toMatchObject({
      correlationId: "corr-1",
      receivedAt: carriedAt(40),
      carriedAt: carriedAt(3),
      carriedFrom: ["corr-1", "corr-2"],
      context: { profile: "p-1" },
    });
    expect(idsOf(defined(byProfile("p-1")))).toEqual([eventId(1000), eventId(2000)]);
    expect(byProfile("p-2")).toMatchObject({ carriedAt: new Date(NOW).toISOString(), carriedFrom: ["corr-4"], context: { profile: "p-2" } });
    expect(byProfile(undefined)).toMatchObject({ carriedAt: carriedAt(5), carriedFrom: ["corr-5"] });
    expect(byProfile(undefined)).not.toHaveProperty("context");
    expect(outcomes.get(eventKey("m1", eventId(1001)))).toBeUndefined();
    expect(counted).toHaveBeenCalledWith("carried", "Count", 4);
    expect(carriedOverLines().at(-1)).toMatchObject({
      destination: "mixpanel",
      events: 4,
      workItemIds: carried.map((item) => item.workItemId),
      correlationIds: ["corr-1", "corr-2", "corr-4", "corr-5"],
      carriedForSeconds: 5,
    });
  });

  it("enqueues, counts and logs nothing when the destination carried nothing", async () => {
    const linesBefore = carriedOverLines().length;
    const only = message("m1", brazeWorkItem("mixpanel", 1, 1));

    await carryOver(runtime, [only], new Map([[eventKey("m1", eventId(1000)), { kind: "delivered" }]]), NOW);

    expect(await queued()).toEqual([]);
    expect(counted).not.toHaveBeenCalled();
    expect(carriedOverLines()).toHaveLength(linesBefore);
  });

  it("fails as retryable an event that filled its ingest message to the byte, which the carry's longer envelope cannot hold", async () => {
    const item = brazeWorkItem("mixpanel", 1, 1);
    const event = defined(item.events[0]).event as { properties: Record<string, unknown> };
    const ingestBytes = () => defined(packWorkBatch(workItemSchema.parse(item)).messages[0]).bytes;
    event.properties.padding = "";
    // A message of n bytes is within budget while n + 1 (the event's separator, counted with it) is.
    event.properties.padding = "x".repeat(MESSAGE_BUDGET - 1 - ingestBytes());
    expect(packWorkBatch(workItemSchema.parse(item)).tooLarge).toEqual([]);
    const outcomes = new Map<string, DeliveryOutcome>([[eventKey("m1", eventId(1000)), { kind: "carried" }]]);

    await carryOver(runtime, [message("m1", item)], outcomes, NOW);

    const outcome = outcomes.get(eventKey("m1", eventId(1000)));
    expect(outcome?.kind === "failed" && [outcome.error.errorClass, outcome.error.message]).toEqual([
      "retryable",
      "carry-over not enqueued: 1 event(s) too large for a message",
    ]);
    expect(await queued()).toEqual([]);
    expect(counted).not.toHaveBeenCalled();
  });
});
