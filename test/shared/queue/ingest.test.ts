import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logger } from "../../../shared/observability.js";
import { PayloadTooLargeError, RetryableError, ValidationError } from "../../../shared/errors.js";
import { deadLetterQueueUrlEnvVar } from "../../../shared/queue/definition.js";
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

    const { workItemIds } = await ingestWork({ workItems: [batch([{ id: "ok", event: { n: 1 } }])], rejected: [{ batch: batch([{ id: "bad", event: { n: "x" } }]), error }] }, now);

    const queued = await drainVisible(sqs.sqs, sqs.queueUrls.mparticle.queue);
    expect(queued.map((message) => JSON.parse(message.Body ?? "{}").events)).toEqual([[{ id: "ok", event: { n: 1 } }]]);
    expect(workItemIds).toEqual([deriveWorkItemId("braze-to-mparticle", "ok")]);
    const [parked] = await drainVisible(sqs.sqs, sqs.queueUrls.mparticle.dlq);
    expect(JSON.parse(parked?.Body ?? "{}")).toMatchObject({ ...envelope, events: [{ id: "bad", event: { n: "x" } }] });
    expect(Object.fromEntries(Object.entries(parked?.MessageAttributes ?? {}).filter(([name]) => name !== "failure").map(([name, value]) => [name, value.StringValue]))).toEqual({
      destination: "mparticle", workItemId: deriveWorkItemId("braze-to-mparticle", "bad"), correlationId: "c-1",
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

  it("fails with a RetryableError (503, the sender retries) when the DLQ cannot be written", async () => {
    const variable = deadLetterQueueUrlEnvVar("mparticle");
    const url = process.env[variable];
    process.env[variable] = `${url}-missing`;
    try {
      const rejected = { batch: batch([{ id: "bad-2", event: {} }]), error: new ValidationError("events.0: bad", { field: "events.0" }) };
      await expect(ingestWork({ workItems: [], rejected: [rejected] })).rejects.toBeInstanceOf(RetryableError);
    } finally {
      process.env[variable] = url;
    }
  });

  it("enqueues nothing and fails with PayloadTooLargeError naming an event no message can hold", async () => {
    const huge = { id: "huge", event: { blob: "x".repeat(SQS_LIMITS.messageBytes) } };

    const rejected = { batch: batch([{ id: "bad", event: {} }]), error: new ValidationError("bad") };

    // The same huge event meant for two flows is one event refused.
    const error = await ingestWork({ workItems: [batch([{ id: "small", event: {} }, huge]), { ...batch([huge]), flow: "braze-to-mixpanel", destination: "mixpanel" }], rejected: [rejected] })
      .catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).message).toMatch(/^event huge is too large to queue: event is \d+ bytes/);
    expect((error as PayloadTooLargeError).eventId).toBe("huge");
    expect((error as PayloadTooLargeError).field).toBe("events");
    expect(await drainVisible(sqs.sqs, sqs.queueUrls.mparticle.queue)).toEqual([]);
    expect(await drainVisible(sqs.sqs, sqs.queueUrls.mparticle.dlq)).toEqual([]);
    expect(publishedMetrics()).toEqual([{ metric: "rejected", value: 1, reason: "too-large-to-queue" }]);
    expect(structuredLogs("WARN")).toContainEqual(expect.objectContaining({ message: "request refused: events too large to enqueue", eventIds: ["huge"], reason: expect.stringMatching(/^event is \d+ bytes/) }));
  });
});
