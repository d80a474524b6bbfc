import type { Message } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../../infra/local/localStack.js";
import { validateEventsApiBatch } from "../../infra/local/sandboxes/mparticle.js";
import { toInsertId } from "../../shared/destinations/mixpanel/limits.js";
import { brazeEvent, eventId, type RawBrazeEvent } from "../shared/sources/braze/factories.js";
import { basic } from "../support/secrets.js";
import { drainVisible } from "../support/embeddedSqs.js";
import { waitFor } from "../support/waitFor.js";
import { defined } from "../support/defined.js";

const TYPES = [
  "users.messages.pushnotification.Send",
  "users.behaviors.CustomEvent",
  "users.behaviors.Purchase",
  "users.messages.email.Delivery",
  "users.messages.inappmessage.Click",
  "users.canvas.Entry",
  "users.behaviors.app.SessionStart",
  "users.behaviors.Uninstall",
];
const MPARTICLE_TYPES = new Set([
  "users.messages.pushnotification.Send",
  "users.messages.email.Delivery",
  "users.messages.inappmessage.Click",
  "users.canvas.Entry",
  "users.behaviors.Uninstall",
]);
const PLATFORMS = ["ios", "android", "web", "kindle", null] as const;
const FEED_OF: Record<string, string> = { ios: "ios", android: "android", kindle: "android", web: "web" };

/** 100 events: 8 types, 5 platforms, 7 users; every 10th user has no external id. */
function mixedBatch(): RawBrazeEvent[] {
  return Array.from({ length: 100 }, (_, i) =>
    brazeEvent(TYPES[i % TYPES.length] ?? "", {
      id: eventId(i),
      time: 1767225600 + i,
      externalUserId: i % 10 === 9 ? null : `user-${i % 7}`,
      platform: PLATFORMS[i % PLATFORMS.length],
    }),
  );
}

describe("Braze Currents → mParticle and Mixpanel, through the local stack", () => {
  let stack: LocalStack;

  const post = (events: RawBrazeEvent[]) =>
    fetch(`${stack.apiUrl}/braze/currents`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.secrets.inbound.brazeToken}`, "content-type": "application/json", "braze-currents-version": "1" },
      body: JSON.stringify({ events }),
    });

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, sqsPort: 0, quiet: true, pollerConcurrency: 1, env: { RETRY_BASE_SECONDS: "1" } });
  });
  afterAll(() => stack?.stop());

  it("delivers a mixed 100-event batch on the right feeds and in one Mixpanel import", async () => {
    const events = mixedBatch();
    const sent = events.filter((event) => event.user.external_user_id);
    const forMparticle = sent.filter((event) => MPARTICLE_TYPES.has(event.event_type));
    const mparticle = defined(stack.sandboxes.mparticle);
    const mixpanel = defined(stack.sandboxes.mixpanel);

    const response = await post(events);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ events: 100, workItems: forMparticle.length + sent.length, duplicates: 0, skipped: 10, rejected: 0 });
    await waitFor(
      () => mixpanel.imported.length === sent.length && mparticle.accepted.flatMap((a) => a.batch.events as unknown[]).length === forMparticle.length,
      30_000,
      "deliveries",
    );

    // mParticle: one bulk request per feed, authenticated with that feed's key; each batch one user.
    const calls = mparticle.callsTo("/v2/bulkevents");
    expect(calls.every((call) => call.status === 202)).toBe(true);
    const feeds = stack.secrets.mparticle.feeds;
    const callFeeds = calls.map((call) => call.headers.authorization);
    expect(new Set(callFeeds)).toEqual(
      new Set(["ios", "android", "web", "unbound"].map((feed) => basic(feeds[feed as keyof typeof feeds].key, feeds[feed as keyof typeof feeds].secret))),
    );
    // Every batch was valid: nothing was dropped behind a 202.
    expect(mparticle.dropped).toEqual([]);
    // Named as Braze's own mParticle connector names them.
    const names = new Set(
      mparticle.accepted.flatMap((accepted) => (accepted.batch.events as Array<{ data: { event_name?: string } }>).map((event) => event.data.event_name)),
    );
    expect(names).toEqual(new Set(["Push Notification Sends", "Email Deliveries", "In-App Message Clicks", "Canvas Entries", undefined]));
    for (const call of calls) {
      const feed = mparticle.feedOf(call);
      for (const batch of call.json as Array<{ user_identities: { customer_id: string }; events: Array<{ data: { source_message_id: string } }> }>) {
        expect(validateEventsApiBatch(batch)).toEqual([]);
        for (const mapped of batch.events) {
          const source = forMparticle.find((event) => event.id === mapped.data.source_message_id);
          expect(source?.user.external_user_id).toBe(batch.user_identities.customer_id);
          expect(FEED_OF[String(source?.properties.platform)] ?? "unbound").toBe(feed);
        }
      }
    }

    // Mixpanel: one gzip strict import with every routed event, named and prefixed as Braze's export does.
    const imports = mixpanel.callsTo("/import");
    expect(imports).toHaveLength(1);
    expect(imports[0]?.query.get("strict")).toBe("1");
    expect(imports[0]?.headers["content-encoding"]).toBe("gzip");
    expect(imports[0]?.headers.authorization).toBe(basic("dev-mixpanel-project-token", ""));
    const byId = new Map(mixpanel.imported.map((event) => [event.properties.$insert_id, event]));
    const custom = byId.get(eventId(1));
    expect(custom?.event).toBe("[Braze Custom Event] name");
    expect(custom?.properties).toMatchObject({
      distinct_id: "user-1",
      time: 1767225601000,
      $partner_id: "braze",
      $os: "17.6.1",
      $device: "device_model",
      platform: "android",
      device_id: "device_id",
      "[Custom event property] stringProperty": "properties",
    });
    expect(byId.get(eventId(2))).toMatchObject({
      event: "Purchase",
      properties: { product_id: "product_id", price: 3.14, currency: "USD", "[Purchase property] numberProperty": 1, platform: "web", $os: "17.6.1" },
    });
    expect(byId.get(eventId(0))?.event).toBe("Push Notification Send");
    expect(byId.has(eventId(9))).toBe(false);
  });

  it("answers Braze's check requests 200 with nothing queued, and parks an unmappable body in both DLQs, listed with its reason", async () => {
    const send = (body: string, authorization = `Bearer ${stack.secrets.inbound.brazeToken}`) =>
      fetch(`${stack.apiUrl}/braze/currents`, { method: "POST", headers: { authorization, "content-type": "application/json" }, body });
    const empty = { events: 0, workItems: 0, duplicates: 0, skipped: 0, rejected: 0 };

    const checks = [await send(""), await send('{"events":[]}')];
    const unauthenticated = await send("", "Bearer wrong");
    const unmappable = await send('{"data":[{"event_type":"users.canvas.Entry"}]}');

    for (const check of checks) {
      expect(check.status).toBe(200);
      expect(await check.json()).toEqual(empty);
    }
    expect(unauthenticated.status).toBe(401);
    expect(unmappable.status).toBe(200);
    expect(await unmappable.json()).toEqual({ ...empty, rejected: 1 });
    // Ops see it where they see every parked message: the DLQ tooling (here through the live view's API).
    const parked = (await (await fetch(`${stack.liveUrl}/parked`)).json()) as {
      queues: Array<{ destination: string; entries: Array<{ reason: string; attempts: number; message: string }> }>;
    };
    for (const destination of ["mparticle", "mixpanel"]) {
      expect(parked.queues.find((queue) => queue.destination === destination)?.entries).toContainEqual(
        expect.objectContaining({ reason: "validation", attempts: 0, message: "events: Invalid input: expected array, received undefined" }),
      );
      const [message] = await drainVisible(stack.sqs, stack.queueUrls[destination as "mparticle" | "mixpanel"].dlq);
      expect(JSON.parse(message?.Body ?? "{}").events[0].event).toEqual({ data: [{ event_type: "users.canvas.Entry" }] });
    }
  });

  it("delivers a redelivered batch to Mixpanel once, Braze ids Mixpanel refuses under a hashed $insert_id, and parks only what strict mode rejected", async () => {
    const mixpanel = defined(stack.sandboxes.mixpanel);
    const before = mixpanel.imported.length;
    const longId = "braze-id-longer-than-thirty-six-characters";
    const batch = [
      brazeEvent("users.canvas.Entry", { id: eventId(500), externalUserId: "user-x" }),
      brazeEvent("users.behaviors.app.SessionStart", { id: longId, externalUserId: "user-x" }),
      // Mixpanel's strict mode refuses event names over 255 characters; the mapper does not cut names (docs).
      brazeEvent("users.behaviors.CustomEvent", { id: eventId(501), externalUserId: "user-x", properties: { name: "x".repeat(300) } }),
    ];

    await post(batch);
    await post(batch);
    // Each delivery's rejected event is parked (its batch-mates were delivered); SQS does not dedupe them. A
    // carry-over that merged the two deliveries parks both copies in one DLQ message.
    const parked: Message[] = [];
    const parkedIdsOf = () =>
      parked.flatMap((message) => (JSON.parse(message.Body ?? "{}") as { events: Array<{ id: string }> }).events.map((event) => event.id));
    await waitFor(
      async () => {
        parked.push(...(await drainVisible(stack.sqs, stack.queueUrls.mixpanel.dlq)));
        return parkedIdsOf().length === 2;
      },
      30_000,
      "both copies of the rejected event in the DLQ",
    );
    await waitFor(() => mixpanel.imported.length === before + 2, 30_000, "the valid events");

    expect(mixpanel.imported.filter((event) => event.properties.$insert_id === eventId(500))).toHaveLength(1);
    expect(mixpanel.imported.filter((event) => event.properties.$insert_id === toInsertId(longId))).toHaveLength(1);
    const parkedIds = parkedIdsOf();
    expect(parkedIds).toEqual([eventId(501), eventId(501)]);
    expect(JSON.parse(parked[0]?.MessageAttributes?.failure?.StringValue ?? "{}")).toMatchObject({
      destination: "mixpanel",
      reason: "permanent",
      errorClass: "permanent",
      partnerMessage: "'event' must be at most 255 characters",
    });
  });
});
