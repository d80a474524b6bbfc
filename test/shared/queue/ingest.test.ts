import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logger } from "../../../shared/observability.js";
import { PayloadTooLargeError, RetryableError, ValidationError } from "../../../shared/errors.js";
import { SQS_LIMITS } from "../../../shared/queue/enqueue.js";
import { ingestWork } from "../../../shared/queue/ingest.js";
import { deriveWorkItemId, type WorkBatch } from "../../../shared/queue/workItem.js";
import { drainVisible, startEmbeddedSqs, type EmbeddedSqs } from "../../support/embeddedSqs.js";
import { structuredLogs } from "../../support/logCapture.js";
import { usePublishedMetrics } from "../../support/publishedMetrics.js";

const envelope = { flow: "braze-to-mparticle", destination: "mparticle", correlationId: "c-1", receivedAt: "2026-01-01T00:00:00.000Z" } as const;
const batch = (events: WorkBatch["events"]): WorkBatch => ({ ...envelope, events });

describe("ingestWork on the embedded SQS", () => {
  let sqs: EmbeddedSqs;
  const publishedMetrics = usePublishedMetrics();

  beforeAll(async () => {
    sqs = await startEmbeddedSqs();
    // The suite keeps ERROR logs only; the refusal is a warning (docs/operations.md: "the ingest log says which").
    logger.setLogLevel("WARN");
  });
  afterAll(async () => {
    logger.setLogLevel("ERROR");
    await sqs.stop();
  });

  it("enqueues the work items and parks the rejected events with a validation record", async () => {
    const now = new Date("2026-01-01T00:00:05.000Z");
    const error = new ValidationError("events.1.time: bad", { field: "events.1.time" });

    const { workItemIds } = await ingestWork(
      { workItems: [batch([{ id: "ok", event: { n: 1 } }])], rejected: [{ batch: batch([{ id: "bad", event: { n: "x" } }]), error }] },
      now,
    );

    const queued = await drainVisible(sqs.sqs, sqs.queueUrls.mparticle.queue);
    expect(queued.map((message) => JSON.parse(message.Body ?? "{}").events)).toEqual([[{ id: "ok", event: { n: 1 } }]]);
    expect(workItemIds).toEqual([deriveWorkItemId("braze-to-mparticle", "ok")]);
    const [parked] = await drainVisible(sqs.sqs, sqs.queueUrls.mparticle.dlq);
    expect(JSON.parse(parked?.Body ?? "{}")).toMatchObject({ ...envelope, events: [{ id: "bad", event: { n: "x" } }] });
    expect(
      Object.fromEntries(
        Object.entries(parked?.MessageAttributes ?? {})
          .filter(([name]) => name !== "failure")
          .map(([name, value]) => [name, value.StringValue]),
      ),
    ).toEqual({
      destination: "mparticle",
      workItemId: deriveWorkItemId("braze-to-mparticle", "bad"),
      correlationId: "c-1",
    });
    expect(JSON.parse(parked?.MessageAttributes?.failure?.StringValue ?? "{}")).toEqual({
      destination: "mparticle",
      workItemId: deriveWorkItemId("braze-to-mparticle", "bad"),
      reason: "validation",
      errorClass: "validation",
      message: "events.1.time: bad",
      firstFailedAt: now.toISOString(),
      parkedAt: now.toISOString(),
      attempts: 0,
    });
  });

  it("counts and logs each parked message's events as parkedAtIngest, by destination and flow", async () => {
    const error = new ValidationError("body: not a batch");
    const events = [
      { id: "a", event: 1 },
      { id: "b", event: 2 },
    ];

    await ingestWork({
      workItems: [],
      rejected: [
        { batch: batch(events), error },
        { batch: { ...batch([{ id: "c", event: 3 }]), flow: "braze-to-mixpanel", destination: "mixpanel" }, error },
      ],
    });

    // Under the destination alone, the set the alarm reads, and split by flow.
    expect(publishedMetrics()).toHaveLength(4);
    expect(publishedMetrics()).toEqual(
      expect.arrayContaining([
        { metric: "parkedAtIngest", value: 1, destination: "mixpanel" },
        { metric: "parkedAtIngest", value: 1, destination: "mixpanel", flow: "braze-to-mixpanel" },
        { metric: "parkedAtIngest", value: 2, destination: "mparticle" },
        { metric: "parkedAtIngest", value: 2, destination: "mparticle", flow: "braze-to-mparticle" },
      ]),
    );
    expect(structuredLogs("WARN")).toContainEqual(
      expect.objectContaining({
        message: "parked at ingest",
        destination: "mparticle",
        flow: "braze-to-mparticle",
        eventIds: ["a", "b"],
        error: "body: not a batch",
        correlationId: "c-1",
        workItemId: deriveWorkItemId("braze-to-mparticle", "a", "b"),
      }),
    );
    expect(await drainVisible(sqs.sqs, sqs.queueUrls.mparticle.dlq)).toHaveLength(1);
    expect(await drainVisible(sqs.sqs, sqs.queueUrls.mixpanel.dlq)).toHaveLength(1);
  });

  it("fails with a RetryableError (503 at the door, the sender sends again) when the DLQ cannot be reached", async () => {
    const missingQueue = `${sqs.queueUrls.mixpanel.dlq}-missing`;

    const saved = process.env.MIXPANEL_DLQ_URL;
    process.env.MIXPANEL_DLQ_URL = missingQueue;
    const error = await ingestWork({
      workItems: [],
      rejected: [{ batch: { ...batch([{ id: "e", event: 5 }]), flow: "braze-to-mixpanel", destination: "mixpanel" }, error: new ValidationError("bad") }],
    })
      .catch((thrown: unknown) => thrown)
      .finally(() => {
        process.env.MIXPANEL_DLQ_URL = saved;
      });

    expect(error).toBeInstanceOf(RetryableError);
    // SQS's refusal, kept whole as the cause beside its message.
    const { message, cause } = error as RetryableError;
    expect(cause).toBeInstanceOf(Error);
    expect(message).toBe(`SQS SendMessage to the mixpanel DLQ failed: ${(cause as Error).message}`);
  });

  it("refuses the request with 413 and parks nothing when a rejected event is too large for any message", async () => {
    const huge = { id: "huge-rejected", event: { blob: "x".repeat(SQS_LIMITS.messageBytes) } };

    const error = await ingestWork({
      workItems: [batch([{ id: "fine", event: {} }])],
      rejected: [{ batch: batch([huge]), error: new ValidationError("bad") }],
    }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).eventId).toBe("huge-rejected");
    expect(await drainVisible(sqs.sqs, sqs.queueUrls.mparticle.queue)).toEqual([]);
    expect(await drainVisible(sqs.sqs, sqs.queueUrls.mparticle.dlq)).toEqual([]);
  });

  it("enqueues nothing and fails with PayloadTooLargeError naming an event no message can hold", async () => {
    const huge = { id: "huge", event: { blob: "x".repeat(SQS_LIMITS.messageBytes) } };

    const rejected = { batch: batch([{ id: "bad", event: {} }]), error: new ValidationError("bad") };

    // The same huge event meant for two flows is one event refused.
    const error = await ingestWork({
      workItems: [batch([{ id: "small", event: {} }, huge]), { ...batch([huge]), flow: "braze-to-mixpanel", destination: "mixpanel" }],
      rejected: [rejected],
    }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).message).toMatch(/^event huge is too large to queue: event is \d+ bytes/);
    expect((error as PayloadTooLargeError).eventId).toBe("huge");
    expect((error as PayloadTooLargeError).field).toBe("events");
    expect(await drainVisible(sqs.sqs, sqs.queueUrls.mparticle.queue)).toEqual([]);
    expect(await drainVisible(sqs.sqs, sqs.queueUrls.mparticle.dlq)).toEqual([]);
    expect(publishedMetrics()).toEqual([{ metric: "rejected", value: 1, reason: "too-large-to-queue" }]);
    expect(structuredLogs("WARN")).toContainEqual(
      expect.objectContaining({
        message: "request refused: events too large to enqueue",
        eventIds: ["huge"],
        reason: expect.stringMatching(/^event is \d+ bytes/),
      }),
    );
  });
});
