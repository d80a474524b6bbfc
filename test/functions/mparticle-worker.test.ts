import { PassThrough } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DLQ_SETTINGS } from "../../cli/dlq/context.js";
import { main } from "../../cli/main.js";
import { peekMessages } from "../../cli/dlq/reader.js";
import { handler } from "../../functions/mparticle-worker.js";
import type { SqsPoller } from "../../infra/local/poller.js";
import { createMparticleSandbox, type MparticleSandbox } from "../../infra/local/sandboxes/mparticle.js";
import { enqueueWork } from "../../shared/queue/enqueue.js";
import type { ParkRecord } from "../../shared/queue/park.js";
import { startEmbeddedSqs, type EmbeddedSqs } from "../support/embeddedSqs.js";
import { TEST_SECRETS, useSecrets } from "../support/secrets.js";
import { waitFor } from "../support/waitFor.js";
import { startWorkerPoller } from "../support/workerPoller.js";
import { brazeEvent, eventId, type RawBrazeEvent } from "../shared/sources/braze/factories.js";

function enqueueBraze(events: RawBrazeEvent[]) {
  return enqueueWork([
    {
      flow: "braze-to-mparticle",
      destination: "mparticle",
      correlationId: "corr-mparticle-worker",
      receivedAt: new Date().toISOString(),
      events: events.map((event) => ({ id: event.id, event })),
    },
  ]);
}

describe("mparticle-worker on the embedded SQS", () => {
  let sqs: EmbeddedSqs;
  let sandbox: MparticleSandbox;
  let poller: SqsPoller;
  let cleanup: () => Promise<void>;
  const attributesOf = (id: string) =>
    sandbox.accepted
      .flatMap(({ batch }) => batch.events as Array<{ data: { source_message_id: string; custom_attributes: Record<string, unknown> } }>)
      .find((event) => event.data.source_message_id === id)?.data.custom_attributes;

  beforeAll(async () => {
    cleanup = await useSecrets();
    process.env.RETRY_BASE_SECONDS = "0.2";
    sqs = await startEmbeddedSqs();
    sandbox = createMparticleSandbox({ feeds: TEST_SECRETS.mparticle.feeds });
    process.env.MPARTICLE_API_URL = await sandbox.start(0);
    poller = await startWorkerPoller(sqs, "mparticle", handler);
  });
  afterEach(() => {
    sandbox.clearFaults();
    delete process.env.MPARTICLE_ATTRIBUTE_PREFIX;
  });
  afterAll(async () => {
    await poller.stop();
    await sandbox.stop();
    await sqs.stop();
    await cleanup();
    delete process.env.MPARTICLE_API_URL;
  });

  it("maps one message's Braze events when it delivers them: one bulk request per feed, one batch per user and device", async () => {
    const events = [
      brazeEvent("users.messages.pushnotification.Send", { id: eventId(1), platform: "ios", externalUserId: "alice" }),
      brazeEvent("users.messages.pushnotification.Send", { id: eventId(2), platform: "ios", externalUserId: "alice" }),
      brazeEvent("users.messages.pushnotification.Send", { id: eventId(3), platform: "ios", externalUserId: "bob" }),
    ];
    // Only this test's calls: the sandbox keeps every call of the file.
    const callsBefore = sandbox.calls.length;
    const { messages } = await enqueueBraze(events);
    expect(messages).toHaveLength(1);

    await waitFor(() => attributesOf(eventId(3)), 10_000, "the events at mParticle");

    const requests = sandbox.calls.slice(callsBefore).filter((call) => call.path === "/v2/bulkevents" && call.status === 202);
    expect(requests).toHaveLength(1);
    const batches = (requests[0]?.json as Array<{ user_identities: { customer_id: string }; events: unknown[] }>).map((batch) => [
      batch.user_identities.customer_id,
      batch.events.length,
    ]);
    expect(batches).toEqual([
      ["alice", 2],
      ["bob", 1],
    ]);
  });

  it("delivers a parked message with the mapping in force at redrive time (a mapping fix repairs the DLQ)", async () => {
    // The partner refuses everything for now: the message is parked as a permanent failure.
    sandbox.setFaultRate(1, [{ kind: "status", status: 400 }]);
    const event = brazeEvent("users.canvas.Entry", { id: eventId(50), externalUserId: "carol" });
    await enqueueBraze([event]);
    const [parked] = await waitFor(
      async () => {
        // The DLQ tooling's own peek: read once, left in place for the redrive.
        const found = await peekMessages(sqs.sqs, sqs.queueUrls.mparticle.dlq, { waitTimeSeconds: 0 });
        return found.length > 0 ? found : undefined;
      },
      10_000,
      "the parked message",
    );
    expect(JSON.parse(parked?.MessageAttributes?.failure?.StringValue ?? "{}") as ParkRecord).toMatchObject({ reason: "permanent", status: 400 });
    expect(attributesOf(eventId(50))).toBeUndefined();

    // The fix: a changed mapping setting, and the partner answering again. Then ops redrive.
    sandbox.clearFaults();
    process.env.MPARTICLE_ATTRIBUTE_PREFIX = "braze_";
    const output = new PassThrough();
    const io = { stdout: { write: (text: string) => output.write(text) }, stderr: { write: (text: string) => output.write(text) }, stdin: new PassThrough() };
    expect(await main(["dlq", "redrive", "--queue", "mparticle"], io, { ...DEFAULT_DLQ_SETTINGS, receiveWaitSeconds: 0, moveTaskPollMilliseconds: 50 })).toBe(
      0,
    );

    const attributes = await waitFor(() => attributesOf(eventId(50)), 15_000, "the redriven event at mParticle");
    expect(attributes).toMatchObject({ braze_canvas_name: "canvas_name" });
    expect(Object.keys(attributes ?? {}).every((name) => name.startsWith("braze_"))).toBe(true);
  });
});
