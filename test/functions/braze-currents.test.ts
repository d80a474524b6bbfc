import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PurgeQueueCommand } from "@aws-sdk/client-sqs";
import { handler } from "../../functions/braze-currents.js";
import { lambdaContext } from "../../infra/local/lambdaContext.js";
import { deriveWorkItemId } from "../../shared/queue/workItem.js";
import { brazeEvent, currentsRequest, eventId } from "../shared/sources/braze/factories.js";
import { useSecrets } from "../support/secrets.js";
import { drainVisible, startEmbeddedSqs, type EmbeddedSqs } from "../support/embeddedSqs.js";
import { usePublishedMetrics } from "../support/publishedMetrics.js";

const context = () => lambdaContext("braze-currents", 10, "us-east-1");

describe("POST /braze/currents", () => {
  let queues: EmbeddedSqs;
  let cleanup: () => Promise<void>;
  const publishedMetrics = usePublishedMetrics();
  /** Every message on every queue and DLQ (drained). */
  const queuedAnywhere = async () =>
    (await Promise.all(Object.values(queues.queueUrls).flatMap((urls) => [drainVisible(queues.sqs, urls.queue), drainVisible(queues.sqs, urls.dlq)]))).flat();

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

  it("answers 400 to a body that is not JSON, and enqueues or parks nothing", async () => {
    const response = await handler(currentsRequest("{events:"), context());

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(String(response.body))).toEqual({ error: { message: "body is not valid JSON", field: "body" } });
    expect(await queuedAnywhere()).toEqual([]);
  });

  it.each([
    ["an empty body", ""],
    ["a body of whitespace", " \n\t"],
    ["no body at all", undefined],
    ["an empty batch", { events: [] }],
  ])("answers a check request (%s) with 200 and enqueues nothing", async (_, body) => {
    const request = body === undefined ? { ...currentsRequest(""), body: undefined } : currentsRequest(body);

    const response = await handler(request, context());

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(String(response.body))).toEqual({ events: 0, workItems: 0, duplicates: 0, skipped: 0, rejected: 0 });
    expect(await queuedAnywhere()).toEqual([]);
  });

  it("answers 401 to an unauthenticated empty body", async () => {
    const response = await handler(currentsRequest("", { token: null }), context());

    expect(response.statusCode).toBe(401);
  });

  it.each([
    ["no events", { event: [] }, "events: Invalid input: expected array, received undefined"],
    ["events that are not a list", { events: { "0": {} } }, "events: Invalid input: expected array, received object"],
    ["a list, not an object", [{ event_type: "users.canvas.Entry" }], "body: Invalid input: expected object, received array"],
    ["a string", "events", "body: Invalid input: expected object, received string"],
    ["null", null, "body: Invalid input: expected object, received null"],
    ["a number", 42, "body: Invalid input: expected object, received number"],
  ])("parks an authenticated body with %s whole in the DLQ of every destination, answering 200, never 4xx", async (_, body, message) => {
    const response = await handler(currentsRequest(JSON.stringify(body)), context());

    // Braze splits a batch answered 400 and drops what fails again: a 200 keeps it for a redrive.
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(String(response.body))).toEqual({ events: 0, workItems: 0, duplicates: 0, skipped: 0, rejected: 1 });
    for (const destination of ["mparticle", "mixpanel"] as const) {
      const parked = await drainVisible(queues.sqs, queues.queueUrls[destination].dlq);
      expect(parked).toHaveLength(1);
      const workItem = JSON.parse(parked[0]?.Body ?? "{}") as { flow: string; events: Array<{ id: string; event: unknown }> };
      expect(workItem).toMatchObject({ flow: `braze-to-${destination}`, destination, correlationId: "req-1" });
      expect(workItem.events).toEqual([{ id: deriveWorkItemId(JSON.stringify(body)), event: body }]);
      expect(JSON.parse(parked[0]?.MessageAttributes?.failure?.StringValue ?? "{}")).toMatchObject({ destination, reason: "validation", message, attempts: 0 });
    }
    expect(await queuedAnywhere()).toEqual([]);
    // Parked in parallel: in either order.
    const parkedMetrics = publishedMetrics().filter(({ metric }) => metric === "parkedAtIngest");
    // Each under the destination alone (the alarm's) and split by flow.
    expect(parkedMetrics).toHaveLength(4);
    expect(parkedMetrics).toEqual(
      expect.arrayContaining([
        { metric: "parkedAtIngest", value: 1, destination: "mixpanel" },
        { metric: "parkedAtIngest", value: 1, destination: "mixpanel", flow: "braze-to-mixpanel" },
        { metric: "parkedAtIngest", value: 1, destination: "mparticle" },
        { metric: "parkedAtIngest", value: 1, destination: "mparticle", flow: "braze-to-mparticle" },
      ]),
    );
  });

  it("parks a redelivered unmappable body under the same work item id", async () => {
    const body = { evnts: [brazeEvent("users.canvas.Entry", { id: eventId(9) })] };

    await handler(currentsRequest(body), context());
    await handler(currentsRequest(body), context());

    const parked = await drainVisible(queues.sqs, queues.queueUrls.mixpanel.dlq);
    const ids = parked.map((message) => message.MessageAttributes?.workItemId?.StringValue);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(1);
  });

  it("answers 413 to an unmappable body too large to park, and parks nothing", async () => {
    const response = await handler(currentsRequest({ evnts: "x".repeat(1024 * 1024 - 100) }, { gzip: true }), context());

    expect(response.statusCode).toBe(413);
    expect(await queuedAnywhere()).toEqual([]);
  });

  it("enqueues one work item per event per destination, deduplicated and skipping users without an external id", async () => {
    const push = brazeEvent("users.messages.pushnotification.Send", { id: eventId(1) });
    const events = [
      push,
      push,
      brazeEvent("users.behaviors.Purchase", { id: eventId(2) }),
      brazeEvent("users.messages.sms.Send", { id: eventId(3), externalUserId: null }),
    ];

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

  it("queues each event as Braze sent it, or as the schema read it when that differs", async () => {
    const asSent = brazeEvent("users.behaviors.Purchase", { id: eventId(1), properties: { note: "café 🎉" } });
    // Without `properties` the schema fills in its default: that event is queued as read, not as sent.
    const { properties: _, ...withDefault } = brazeEvent("users.behaviors.Purchase", { id: eventId(2) });
    const body = JSON.stringify({ events: [asSent, withDefault] }, null, 2);

    const response = await handler(currentsRequest(body), context());

    expect(response.statusCode).toBe(200);
    const [message] = await drainVisible(queues.sqs, queues.queueUrls.mixpanel.queue);
    const sentText = JSON.stringify(asSent, null, 2)
      .replaceAll("\n", "\n    ")
      .replace("🎉", String.raw`\ud83c\udf89`);
    expect(message?.Body).toContain(`{"id":"${eventId(1)}","event":${sentText}}`);
    expect(message?.Body).toContain(`{"id":"${eventId(2)}","event":{"event_type":"users.behaviors.Purchase"`);
    expect((JSON.parse(message?.Body ?? "{}") as { events: unknown }).events).toEqual([
      { id: eventId(1), event: asSent },
      { id: eventId(2), event: { ...withDefault, properties: {} } },
    ]);
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
