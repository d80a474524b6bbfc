import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mparticleDelivery } from "../../../../shared/destinations/mparticle/deliver.js";
import { uuidV5 } from "../../../../shared/destinations/mparticle/map.js";
import { toMparticlePayload } from "../../../../shared/flows/brazeToMparticle.js";
import { brazeEventSchema } from "../../../../shared/sources/braze/schema.js";
import { createMparticleSandbox, validateEventsApiBatch, type MparticleSandbox } from "../../../../infra/local/sandboxes/mparticle.js";
import { brazeEvent, eventId, fixtureEventTypes, type EventOverrides } from "../../sources/braze/factories.js";
import { TEST_SECRETS, basic, useSecrets } from "../../../support/secrets.js";

function item(key: string, eventType: string, overrides: EventOverrides, customerId = "alice") {
  return { key, item: toMparticlePayload(brazeEventSchema.parse(brazeEvent(eventType, overrides)), customerId) };
}

describe("mparticleDelivery.deliver", () => {
  let sandbox: MparticleSandbox;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    cleanup = await useSecrets();
    sandbox = createMparticleSandbox({ feeds: TEST_SECRETS.mparticle.feeds });
    process.env.MPARTICLE_API_URL = await sandbox.start(0);
  });
  afterEach(() => {
    sandbox.calls.length = 0;
    sandbox.accepted.length = 0;
    sandbox.dropped.length = 0;
    sandbox.clearFaults();
  });
  afterAll(async () => {
    await sandbox.stop();
    await cleanup();
  });

  it("sends one bulk request per feed with the feed's Basic credentials", async () => {
    const items = [
      item("m1", "users.messages.pushnotification.Send", { id: eventId(1), time: 1767225600, platform: "ios" }),
      item("m2", "users.messages.email.Delivery", { id: eventId(2), time: 1767225601 }),
    ];

    const outcomes = await mparticleDelivery.deliver(items);

    expect(outcomes).toEqual(
      new Map([
        ["m1", { kind: "delivered" }],
        ["m2", { kind: "delivered" }],
      ]),
    );
    const calls = sandbox.callsTo("/v2/bulkevents");
    expect(calls.map((call) => [call.method, call.status, call.headers.authorization, call.headers["content-type"]])).toEqual([
      ["POST", 202, basic("ios-key", "ios-secret"), "application/json"],
      ["POST", 202, basic("unbound-key", "unbound-secret"), "application/json"],
    ]);
    const pushEvent = items[0]?.item.event;
    expect(calls[0]?.json).toEqual([
      {
        source_request_id: uuidV5(`ios\u001falice\u001fdevelopment\u001f${eventId(1)}`),
        environment: "development",
        user_identities: { customer_id: "alice" },
        device_info: items[0]?.item.deviceInfo,
        events: [pushEvent],
      },
    ]);
    expect(calls[1]?.json).toMatchObject([{ user_identities: { customer_id: "alice", email: "example@braze.com" } }]);
    for (const call of calls) for (const batch of call.json as unknown[]) expect(validateEventsApiBatch(batch)).toEqual([]);
    expect(sandbox.accepted.map((accepted) => accepted.feed)).toEqual(["ios", "unbound"]);
  });

  it("parks an event whose batch would break the Events API rules instead of sending it into mParticle's 202", async () => {
    const bad = item("m1", "users.canvas.Entry", { id: eventId(1) });
    bad.item.event.data.custom_attributes = { note: "x".repeat(4097) };

    const outcomes = await mparticleDelivery.deliver([bad, item("m2", "users.canvas.Entry", { id: eventId(2) })]);

    expect(outcomes.get("m2")).toEqual({ kind: "delivered" });
    expect(outcomes.get("m1")).toMatchObject({
      kind: "failed",
      error: { errorClass: "permanent", message: expect.stringContaining("event.data.custom_attributes.note: ") },
    });
    const sent = sandbox.callsTo("/v2/bulkevents").flatMap((call) => call.json as Array<{ events: Array<{ data: { source_message_id: string } }> }>);
    expect(sent.flatMap((batch) => batch.events.map((event) => event.data.source_message_id))).toEqual([eventId(2)]);
    expect(sandbox.dropped).toEqual([]);
  });

  it("sends nothing the sandbox drops: every fixture event type, on every platform, lands", async () => {
    const platforms = ["ios", "android", "kindle", "web", "tvos", "roku", null] as const;
    const items = fixtureEventTypes().map((eventType, n) => {
      const raw = brazeEvent(eventType, { id: eventId(1000 + n), time: 1767225600 + n, platform: platforms[n % platforms.length] });
      // Braze device ids in both shapes: a UUID becomes device_info.ios_idfv, anything else only an attribute.
      if (n % 2 === 0) raw.user.device_id = eventId(5000 + n);
      return { key: `k${n}`, item: toMparticlePayload(brazeEventSchema.parse(raw), `user-${n % 4}`, n % 3 === 0 ? "braze_" : "") };
    });

    const outcomes = await mparticleDelivery.deliver(items);

    expect([...outcomes.values()].every((outcome) => outcome.kind === "delivered")).toBe(true);
    expect(sandbox.dropped).toEqual([]);
    expect(sandbox.accepted.flatMap((accepted) => accepted.batch.events as unknown[])).toHaveLength(items.length);
  });

  it("gives each item its own request's outcome", async () => {
    sandbox.setFaultRate(1, [{ kind: "status", status: 503 }], { filter: (request) => request.headers.authorization === basic("web-key", "web-secret") });
    const items = [
      item("m1", "users.messages.inappmessage.Click", { id: eventId(1), platform: "web" }),
      item("m2", "users.messages.inappmessage.Click", { id: eventId(2), platform: "android" }),
    ];

    const outcomes = await mparticleDelivery.deliver(items);

    expect(outcomes.get("m2")).toEqual({ kind: "delivered" });
    expect(outcomes.get("m1")).toMatchObject({ kind: "failed", error: { errorClass: "retryable", status: 503 } });
  });

  it.each([
    [401, "auth"],
    [429, "retryable"],
    [400, "permanent"],
  ])("classifies HTTP %i as %s", async (status, errorClass) => {
    sandbox.injectFaults({ kind: "status", status, body: { errors: [{ code: "X", message: "no" }] } });

    const outcomes = await mparticleDelivery.deliver([item("m1", "users.canvas.Entry", { id: eventId(3) })]);

    expect(outcomes.get("m1")).toMatchObject({ kind: "failed", error: { errorClass, status, partnerMessage: '{"errors":[{"code":"X","message":"no"}]}' } });
  });

  it("fails every item of a request the network dropped as retryable", async () => {
    sandbox.injectFaults({ kind: "reset" });

    const outcomes = await mparticleDelivery.deliver([item("m1", "users.canvas.Entry", { id: eventId(4) })]);

    expect(outcomes.get("m1")).toMatchObject({ kind: "failed", error: { errorClass: "retryable" } });
  });
});
