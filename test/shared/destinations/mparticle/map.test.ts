import { describe, expect, it } from "vitest";
import { planBulkRequests, toCustomAttributes, uuidV5 } from "../../../../shared/destinations/mparticle/map.js";
import { ATTRIBUTE_LIMITS, BULK_LIMITS, type MparticleBatch, type MparticlePayload } from "../../../../shared/destinations/mparticle/schema.js";
import { toMparticlePayload } from "../../../../shared/flows/brazeToMparticle.js";
import { brazeEventSchema } from "../../../../shared/sources/braze/schema.js";
import { brazeEvent, eventId, type EventOverrides } from "../../sources/braze/factories.js";
import { TEST_SECRETS, basic } from "../../../support/secrets.js";
import { defined } from "../../../support/defined.js";

function payload(eventType: string, overrides: EventOverrides = {}, customerId = "external_user_id", prefix = ""): MparticlePayload {
  return toMparticlePayload(brazeEventSchema.parse(brazeEvent(eventType, overrides)), customerId, prefix);
}

const items = (payloads: MparticlePayload[]) => payloads.map((item, index) => ({ key: `m${index}`, item }));
const target = (environment: "production" | "development") => ({ environment, feeds: TEST_SECRETS.mparticle.feeds, baseUrl: "https://s2s.mparticle.test" });
const batchesOf = (request: { http: { body?: unknown } }) => JSON.parse(String(request.http.body)) as MparticleBatch[];

describe("uuidV5", () => {
  it("matches the RFC 4122 test vector (DNS namespace, python.org)", () => {
    expect(uuidV5("python.org", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe("886313e1-3b8a-5372-9b90-0c9aee199e5d");
  });
});

describe("toCustomAttributes", () => {
  it("keeps mParticle's limits: 100 attributes, 256-char names, 4096-char values", () => {
    const properties: Record<string, unknown> = { long_value: "v".repeat(5000), ["n".repeat(257)]: "dropped" };
    for (let i = 0; i < 120; i++) properties[`p${i}`] = i;

    const attributes = toCustomAttributes(properties);

    expect(Object.keys(attributes)).toHaveLength(ATTRIBUTE_LIMITS.count);
    expect(attributes.long_value).toBe("v".repeat(4096));
    expect(attributes["n".repeat(257)]).toBeUndefined();
    expect(attributes.p98).toBe(98);
    expect(attributes.p99).toBeUndefined();
  });

  it("counts what it cut, by limit", () => {
    const properties: Record<string, unknown> = { long_value: "v".repeat(5000), ["n".repeat(257)]: "dropped" };
    for (let i = 0; i < 120; i++) properties[`p${i}`] = i;
    const cuts = {};

    toCustomAttributes(properties, "", cuts);

    expect(cuts).toEqual({ attributeValues: 1, attributeNames: 1, attributes: 21 });
  });

  it("drops nulls and counts the prefix in the name length", () => {
    const attributes = toCustomAttributes({ gone: null, ["a".repeat(250)]: "x", ok: "y" }, "prefix_");

    expect(attributes).toEqual({ prefix_ok: "y" });
  });
});

describe("planBulkRequests", () => {
  it("builds the documented POST /v2/bulkevents with the feed's key and secret as Basic auth", () => {
    const plan = planBulkRequests(items([payload("users.canvas.Entry", { id: eventId(1), platform: "ios" }, "alice")]), target("production"));

    expect(plan.requests).toHaveLength(1);
    const [request] = plan.requests;
    expect(request?.http).toMatchObject({
      method: "POST",
      url: "https://s2s.mparticle.test/v2/bulkevents",
      headers: { authorization: basic("ios-key", "ios-secret"), "content-type": "application/json", accept: "application/json" },
    });
    const mapped = payload("users.canvas.Entry", { id: eventId(1), platform: "ios" }, "alice");
    expect(batchesOf(defined(request))).toEqual([
      {
        source_request_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-5/),
        environment: "production",
        user_identities: { customer_id: "alice" },
        device_info: { platform: "iOS" },
        events: [mapped.event],
      },
    ]);
  });

  it("puts one user's events on one feed into one batch, and each feed in its own request", () => {
    const plan = planBulkRequests(
      items([
        payload("users.messages.pushnotification.Send", { id: eventId(1), platform: "ios" }, "alice"),
        payload("users.messages.email.Delivery", { id: eventId(2) }, "alice"),
        payload("users.messages.pushnotification.Send", { id: eventId(3), platform: "ios" }, "alice"),
        payload("users.messages.pushnotification.Send", { id: eventId(4), platform: "ios" }, "bob"),
      ]),
      target("development"),
    );

    expect(plan.rejected).toEqual(new Map());
    expect(plan.requests.map((request) => [request.feed, request.keys])).toEqual([
      ["ios", ["m0", "m2", "m3"]],
      ["unbound", ["m1"]],
    ]);
    const ios = plan.requests[0] ? batchesOf(plan.requests[0]) : [];
    expect(ios.map((batch) => [batch.user_identities, batch.events.map((event) => event.data.source_message_id)])).toEqual([
      [{ customer_id: "alice" }, [eventId(1), eventId(3)]],
      [{ customer_id: "bob" }, [eventId(4)]],
    ]);
    expect(plan.requests[1] && batchesOf(plan.requests[1])[0]).toMatchObject({
      environment: "development",
      user_identities: { customer_id: "alice", email: "example@braze.com" },
    });
  });

  it("derives source_request_id from the batch content", () => {
    const build = () =>
      planBulkRequests(items([payload("users.canvas.Entry", { id: eventId(1) }, "alice")]), target("production")).requests.map(batchesOf)[0]?.[0]
        ?.source_request_id;
    const other = planBulkRequests(items([payload("users.canvas.Entry", { id: eventId(2) }, "alice")]), target("production")).requests.map(batchesOf)[0]?.[0];

    expect(build()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5/);
    expect(build()).toBe(build());
    expect(other?.source_request_id).not.toBe(build());
  });

  it("starts a new request after 100 batches", () => {
    const payloads = Array.from({ length: 150 }, (_, i) => payload("users.canvas.Entry", { id: eventId(i) }, `user-${i}`));

    const plan = planBulkRequests(items(payloads), target("production"));

    expect(plan.requests.map((request) => batchesOf(request).length)).toEqual([100, 50]);
    expect(plan.requests.flatMap((request) => request.keys)).toHaveLength(150);
  });

  it("keeps requests under 256 KB and batches under 128 KB", () => {
    const big = { blob: "x".repeat(3000) };
    const payloads = Array.from({ length: 300 }, (_, i) => payload("users.canvas.Entry", { id: eventId(i), properties: big }, `user-${i % 3}`));

    const plan = planBulkRequests(items(payloads), target("production"));

    for (const request of plan.requests) {
      expect(Buffer.byteLength(String(request.http.body))).toBeLessThan(BULK_LIMITS.requestBytes);
      for (const batch of batchesOf(request)) expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThan(BULK_LIMITS.batchBytes);
    }
    expect(plan.requests.length).toBeGreaterThan(3);
    expect(plan.requests.flatMap((request) => request.keys).sort()).toEqual(payloads.map((_, i) => `m${i}`).sort());
  });

  it("reports an event too large for any batch instead of sending it", () => {
    const huge = payload("users.canvas.Entry", { id: eventId(1) });
    for (let i = 0; i < 40; i++) huge.event.data.custom_attributes[`big${i}`] = "y".repeat(4096);

    const plan = planBulkRequests(items([huge, payload("users.canvas.Entry", { id: eventId(2) })]), target("production"));

    expect([...plan.rejected.keys()]).toEqual(["m0"]);
    expect(plan.rejected.get("m0")).toMatch(/^batch is \d+ bytes; mParticle takes batches under 131072$/);
    expect(plan.requests.flatMap((request) => request.keys)).toEqual(["m1"]);
  });

  it("puts events of one user on different devices into different batches", () => {
    const device = (deviceId: string) => {
      const raw = brazeEvent("users.messages.pushnotification.Send", { id: deviceId.slice(0, 8) === "aaaaaaaa" ? eventId(1) : eventId(2), platform: "ios" });
      raw.user.device_id = deviceId;
      return toMparticlePayload(brazeEventSchema.parse(raw), "alice");
    };

    const plan = planBulkRequests(
      items([device("aaaaaaaa-0000-4000-8000-000000000001"), device("bbbbbbbb-0000-4000-8000-000000000002")]),
      target("production"),
    );

    expect(plan.requests.flatMap(batchesOf).map((batch) => batch.device_info?.ios_idfv)).toEqual([
      "aaaaaaaa-0000-4000-8000-000000000001",
      "bbbbbbbb-0000-4000-8000-000000000002",
    ]);
  });

  it("rejects, with the reason, an event that breaks the Events API rules, and sends its user's other events", () => {
    const bad = payload("users.canvas.Entry", { id: eventId(1) }, "alice");
    bad.event.data.custom_attributes = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`a${i}`, i]));

    const plan = planBulkRequests(items([bad, payload("users.canvas.Entry", { id: eventId(2) }, "alice")]), target("production"));

    expect(plan.rejected).toEqual(new Map([["m0", "event.data.custom_attributes: at most 100 attributes"]]));
    expect(plan.requests.flatMap((request) => request.keys)).toEqual(["m1"]);
  });

  it("rejects every event of a batch whose header breaks the rules", () => {
    const bad = { ...payload("users.canvas.Entry", { id: eventId(1) }, "alice"), userAttributes: { $mobile: "x".repeat(4097) } };

    const plan = planBulkRequests(items([bad]), target("production"));

    expect(plan.rejected.get("m0")).toMatch(/^user_attributes\.\$mobile: /);
    expect(plan.requests).toEqual([]);
  });
});
