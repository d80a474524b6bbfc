import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/mixpanel-worker.js";
import type { SqsPoller } from "../../infra/local/poller.js";
import { createMixpanelSandbox, type MixpanelSandbox } from "../../infra/local/sandboxes/mixpanel.js";
import { enqueueWork } from "../../shared/queue/enqueue.js";
import type { ParkRecord } from "../../shared/queue/park.js";
import { deriveWorkItemId } from "../../shared/queue/workItem.js";
import { drainVisible, startEmbeddedSqs, type EmbeddedSqs } from "../support/embeddedSqs.js";
import { TEST_SECRETS, useSecrets } from "../support/secrets.js";
import { waitFor } from "../support/waitFor.js";
import { startWorkerPoller } from "../support/workerPoller.js";
import { brazeEvent, eventId } from "../shared/sources/braze/factories.js";

describe("mixpanel-worker on the embedded SQS", () => {
  let sqs: EmbeddedSqs;
  let sandbox: MixpanelSandbox;
  let poller: SqsPoller;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    cleanup = await useSecrets();
    sqs = await startEmbeddedSqs();
    sandbox = createMixpanelSandbox({ mixpanel: TEST_SECRETS.mixpanel });
    process.env.MIXPANEL_API_URL = await sandbox.start(0);
    poller = await startWorkerPoller(sqs, "mixpanel", handler);
  });
  afterAll(async () => {
    await poller.stop();
    await sandbox.stop();
    await sqs.stop();
    await cleanup();
    delete process.env.MIXPANEL_API_URL;
  });

  it("imports a message's events in one request and parks only the event strict mode rejected", async () => {
    const rejectedId = eventId(3);
    const events = [
      brazeEvent("users.canvas.Entry", { id: eventId(1), externalUserId: "dana" }),
      // Mixpanel's strict mode refuses event names over 255 characters.
      brazeEvent("users.behaviors.CustomEvent", { id: rejectedId, externalUserId: "dana", properties: { name: "x".repeat(300) } }),
      brazeEvent("users.behaviors.Purchase", { id: eventId(2), externalUserId: "dana" }),
    ];
    await enqueueWork([
      {
        flow: "braze-to-mixpanel",
        destination: "mixpanel",
        correlationId: "corr-mixpanel-worker",
        receivedAt: new Date().toISOString(),
        events: events.map((event) => ({ id: event.id, event })),
      },
    ]);

    const [parked] = await waitFor(
      async () => {
        const found = await drainVisible(sqs.sqs, sqs.queueUrls.mixpanel.dlq);
        return found.length > 0 ? found : undefined;
      },
      10_000,
      "the rejected event in the DLQ",
    );

    expect(sandbox.calls.filter((call) => call.path === "/import")).toHaveLength(1);
    expect(sandbox.imported.map((event) => [event.event, event.properties.$insert_id])).toEqual([
      ["Canvas Entry", eventId(1)],
      ["Purchase", eventId(2)],
    ]);
    expect(JSON.parse(parked?.Body ?? "{}")).toMatchObject({ flow: "braze-to-mixpanel", events: [{ id: rejectedId }] });
    expect(JSON.parse(parked?.MessageAttributes?.failure?.StringValue ?? "{}") as ParkRecord).toMatchObject({
      reason: "permanent",
      workItemId: deriveWorkItemId("braze-to-mixpanel", rejectedId),
      partnerMessage: "'event' must be at most 255 characters",
    });
    expect(await drainVisible(sqs.sqs, sqs.queueUrls.mixpanel.queue)).toEqual([]);
  });

  it("parks a message of another flow as a validation failure, sending nothing", async () => {
    const before = sandbox.calls.length;
    await enqueueWork([
      {
        flow: "mparticle-to-pushwoosh",
        destination: "mixpanel",
        correlationId: "corr-wrong-flow",
        receivedAt: new Date().toISOString(),
        events: [{ id: "x-1", event: {} }],
      },
    ]);

    const [parked] = await waitFor(
      async () => {
        const found = await drainVisible(sqs.sqs, sqs.queueUrls.mixpanel.dlq);
        return found.length > 0 ? found : undefined;
      },
      10_000,
      "the misrouted message in the DLQ",
    );

    expect(JSON.parse(parked?.MessageAttributes?.failure?.StringValue ?? "{}")).toMatchObject({
      reason: "validation",
      message: 'no flow "mparticle-to-pushwoosh" delivers to mixpanel',
    });
    expect(sandbox.calls.length).toBe(before);
  });
});
