import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PurgeQueueCommand } from "@aws-sdk/client-sqs";
import { handler } from "../../functions/braze-currents.js";
import { lambdaContext } from "../../infra/local/lambdaContext.js";
import { deriveWorkItemId } from "../../shared/queue/workItem.js";
import { brazeEvent, currentsRequest, eventId } from "../shared/sources/braze/factories.js";
import { useSecrets } from "../support/secrets.js";
import { drainVisible, startEmbeddedSqs, type EmbeddedSqs } from "../support/embeddedSqs.js";

const context = () => lambdaContext("braze-currents", 10, "us-east-1");

describe("POST /braze/currents", () => {
  let queues: EmbeddedSqs;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    cleanup = await useSecrets();
    queues = await startEmbeddedSqs();
  });
  beforeEach(async () => {
    delete process.env.BRAZE_TO_MPARTICLE;
    for (const urls of Object.values(queues.queueUrls)) {
      await queues.sqs.send(new PurgeQueueCommand({ QueueUrl: urls.queue }));
      await queues.sqs.send(new PurgeQueueCommand({ QueueUrl: urls.dlq }));
    }
  });
  afterAll(async () => {
    await queues.stop();
    await cleanup();
  });

  it.each([
    ["no token", null],
    ["a wrong token", "wrong"],
  ])("answers 401 with %s, even on an empty batch", async (_, token) => {
    const response = await handler(currentsRequest({ events: [] }, { token }), context());

    expect(response.statusCode).toBe(401);
    expect(JSON.parse(String(response.body))).toEqual({
      error: { message: 'missing or wrong Authorization header (expected "Bearer <token>")', field: "authorization" },
    });
  });

  it("answers 200 to an empty batch with the right token", async () => {
    const response = await handler(currentsRequest({ events: [] }), context());

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(String(response.body))).toEqual({ events: 0, workItems: 0, duplicates: 0, skipped: 0, rejected: 0 });
  });

  it.each([
    ["not JSON", "{events:", "body is not valid JSON", "body"],
    ["no events array", { event: [] }, "events: Invalid input: expected array, received undefined", "events"],
  ])("answers 400 to a body with %s and enqueues nothing", async (_, body, message, field) => {
    const response = await handler(currentsRequest(body), context());

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(String(response.body))).toEqual({ error: { message, field } });
    expect(await drainVisible(queues.sqs, queues.queueUrls.mixpanel.queue)).toEqual([]);
  });

  it("enqueues one work item per event per destination, deduplicated and skipping users without an external id", async () => {
    const push = brazeEvent("users.messages.pushnotification.Send", { id: eventId(1) });
    const events = [push, push, brazeEvent("users.behaviors.Purchase", { id: eventId(2) }), brazeEvent("users.messages.sms.Send", { id: eventId(3), externalUserId: null })];

    const response = await handler(currentsRequest({ events }, { gzip: true }), context());

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(String(response.body))).toEqual({ events: 4, workItems: 3, duplicates: 1, skipped: 1, rejected: 0 });
    const mparticle = await drainVisible(queues.sqs, queues.queueUrls.mparticle.queue);
    const mixpanel = await drainVisible(queues.sqs, queues.queueUrls.mixpanel.queue);
    // One message per destination, holding the validated Braze events it takes; the id derives from theirs.
    expect(mparticle.map((message) => message.MessageAttributes?.workItemId?.StringValue)).toEqual([deriveWorkItemId("braze-to-mparticle", eventId(1))]);
    expect(mixpanel).toHaveLength(1);
    const mixpanelItem = JSON.parse(mixpanel[0]?.Body ?? "{}") as { events: Array<{ id: string; event: { event_type: string } }> };
    expect(mixpanelItem.events.map(({ id, event }) => [id, event.event_type])).toEqual([
      [eventId(1), "users.messages.pushnotification.Send"],
      [eventId(2), "users.behaviors.Purchase"],
    ]);
    expect(JSON.parse(mparticle[0]?.Body ?? "{}")).toMatchObject({
      flow: "braze-to-mparticle",
      destination: "mparticle",
      correlationId: "req-1",
      priorAttempts: 0,
      events: [{ id: eventId(1), event: { id: eventId(1), user: { external_user_id: "external_user_id" } } }],
    });
  });

  it("parks a malformed event in the DLQ of each destination it was meant for, and sends the rest on", async () => {
    const bad = { ...brazeEvent("users.messages.email.Open", { id: eventId(5) }), time: "later" };
    const events = [brazeEvent("users.canvas.Entry", { id: eventId(4) }), bad];

    const response = await handler(currentsRequest({ events }), context());

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(String(response.body))).toMatchObject({ workItems: 2, rejected: 1 });
    for (const destination of ["mparticle", "mixpanel"] as const) {
      const parked = await drainVisible(queues.sqs, queues.queueUrls[destination].dlq);
      expect(parked).toHaveLength(1);
      const failure = JSON.parse(parked[0]?.MessageAttributes?.failure?.StringValue ?? "{}");
      expect(failure).toMatchObject({
        destination,
        workItemId: deriveWorkItemId(`braze-to-${destination}`, eventId(5)),
        reason: "validation",
        errorClass: "validation",
        message: "events.1.time: Invalid input: expected number, received string",
        attempts: 0,
      });
      expect(JSON.parse(parked[0]?.Body ?? "{}")).toMatchObject({ destination, events: [{ id: eventId(5), event: bad }] });
      expect(await drainVisible(queues.sqs, queues.queueUrls[destination].queue)).toHaveLength(1);
    }
  });

  it("answers 413 naming an event too large for any queue message, and enqueues nothing of the batch", async () => {
    // Within the route's 1 MiB body limit, but over what one queue message holds with its envelope.
    const huge = brazeEvent("users.canvas.Entry", { id: eventId(8), properties: { blob: "x".repeat(1024 * 1024 - 4500) } });

    const response = await handler(currentsRequest({ events: [brazeEvent("users.canvas.Entry", { id: eventId(7) }), huge] }, { gzip: true }), context());

    expect(response.statusCode).toBe(413);
    expect(JSON.parse(String(response.body))).toEqual({
      error: { message: expect.stringMatching(new RegExp(`^event ${eventId(8)} is too large to queue: event is \\d+ bytes`)), field: "events" },
    });
    // Braze splits a batch answered 413 and sends the good event again on its own: nothing is queued twice.
    expect(await drainVisible(queues.sqs, queues.queueUrls.mixpanel.queue)).toEqual([]);
    expect(await drainVisible(queues.sqs, queues.queueUrls.mparticle.queue)).toEqual([]);
  });

  it("follows the routing switches", async () => {
    process.env.BRAZE_TO_MPARTICLE = "off";

    await handler(currentsRequest({ events: [brazeEvent("users.canvas.Entry", { id: eventId(6) })] }), context());

    expect(await drainVisible(queues.sqs, queues.queueUrls.mparticle.queue)).toEqual([]);
    expect(await drainVisible(queues.sqs, queues.queueUrls.mixpanel.queue)).toHaveLength(1);
  });
});
