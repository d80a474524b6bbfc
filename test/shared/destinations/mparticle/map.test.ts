import { describe, expect, it } from "vitest";
import {
  ATTRIBUTE_LIMITS,
  BULK_LIMITS,
  feedForPlatform,
  planBulkRequests,
  sourceMessageId,
  toCustomAttributes,
  toMparticlePayload,
  uuidV5,
} from "../../../../shared/destinations/mparticle/map.js";
import type { MparticlePayload } from "../../../../shared/destinations/mparticle/schema.js";
import { brazeEventSchema } from "../../../../shared/sources/braze/schema.js";
import { validateEventsApiBatch } from "../../../../infra/local/sandboxes/mparticle.js";
import { brazeEvent, deliveryItem, eventId, fixtureEventTypes, type EventOverrides } from "../../sources/braze/factories.js";

function payload(eventType: string, overrides: EventOverrides = {}, customerId = "external_user_id", prefix = ""): MparticlePayload {
  return toMparticlePayload(brazeEventSchema.parse(brazeEvent(eventType, overrides)), customerId, prefix);
}

const items = (payloads: MparticlePayload[]) => payloads.map((p, index) => deliveryItem("mparticle", `m${index}`, p));

describe("feedForPlatform", () => {
  it.each([
    ["ios", "ios"],
    ["android", "android"],
    ["kindle", "android"],
    ["web", "web"],
    ["tvos", "unbound"],
    ["roku", "unbound"],
    [undefined, "unbound"],
    [null, "unbound"],
  ])("sends platform %s to the %s feed", (platform, feed) => {
    expect(feedForPlatform(platform)).toBe(feed);
  });
});

describe("toMparticlePayload", () => {
  it("maps a push send to a custom_event on its platform's feed", () => {
    const result = payload("users.messages.pushnotification.Send", { id: eventId(1), time: 1767225600 });

    expect(result).toEqual({
      feed: "android",
      customerId: "external_user_id",
      event: {
        event_type: "custom_event",
        data: {
          event_name: "Push Notification Send",
          custom_event_type: "other",
          source_message_id: eventId(1),
          timestamp_unixtime_ms: 1767225600000,
          custom_attributes: {
            ad_id: "f47ac10b-58cc-4372-a567-0e02b2c3d479",
            ad_id_type: "ios_idfa",
            ad_tracking_enabled: true,
            app_group_id: "f47ac10b-58cc-4372-a567-0e02b2c3d479",
            app_id: "f47ac10b-58cc-4372-a567-0e02b2c3d479",
            campaign_id: "f47ac10b-58cc-4372-a567-0e02b2c3d479",
            campaign_name: "campaign_name",
            canvas_id: "f47ac10b-58cc-4372-a567-0e02b2c3d479",
            canvas_name: "canvas_name",
            canvas_step_id: "f47ac10b-58cc-4372-a567-0e02b2c3d479",
            canvas_step_name: "canvas_step_name",
            canvas_variation_id: "f47ac10b-58cc-4372-a567-0e02b2c3d479",
            canvas_variation_name: "canvas_variation_name",
            dispatch_id: "639a35d192b0df004d06514c",
            locale_key: "en-us",
            message_extras: "message_extras",
            message_variation_id: "f47ac10b-58cc-4372-a567-0e02b2c3d479",
            message_variation_name: "message_variation_name",
            platform: "android",
            push_token: "push_token",
            send_id: "send_id",
          },
        },
      },
    });
  });

  it("carries the email identity when the event has an email address, on the Unbound feed", () => {
    const result = payload("users.messages.email.Delivery");

    expect(result.feed).toBe("unbound");
    expect(result.email).toBe("example@braze.com");
    expect(result.event).toMatchObject({ event_type: "custom_event", data: { event_name: "Email Delivery" } });
  });

  it("maps Uninstall to mParticle's uninstall event", () => {
    const result = payload("users.behaviors.Uninstall", { id: eventId(2), time: 1767225600 });

    expect(result).toEqual({
      feed: "unbound",
      customerId: "external_user_id",
      event: {
        event_type: "uninstall",
        data: {
          source_message_id: eventId(2),
          timestamp_unixtime_ms: 1767225600000,
          custom_attributes: { app_group_id: "f47ac10b-58cc-4372-a567-0e02b2c3d479", app_id: "f47ac10b-58cc-4372-a567-0e02b2c3d479" },
        },
      },
    });
  });

  it("names a custom event by its own name and flattens nested properties", () => {
    const result = payload("users.behaviors.CustomEvent");

    expect(result.event).toMatchObject({
      event_type: "custom_event",
      data: {
        event_name: "name",
        custom_attributes: {
          "custom_properties.listProperty": '["a"]',
          "custom_properties.numberProperty": 1,
          "custom_properties.stringProperty": "properties",
        },
      },
    });
  });

  it("prefixes attribute names when configured", () => {
    const result = payload("users.canvas.Entry", {}, "u", "antavo_");

    expect(Object.keys(result.event.data.custom_attributes)).toContain("antavo_canvas_name");
    expect(Object.keys(result.event.data.custom_attributes).every((name) => name.startsWith("antavo_"))).toBe(true);
  });

  it("derives a stable UUID v5 source_message_id from a Braze id that is not a UUID", () => {
    const result = payload("users.canvas.Entry", { id: "braze-event-42" });

    expect(result.event.data.source_message_id).toBe(uuidV5("braze-event-42"));
    expect(result.event.data.source_message_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sourceMessageId("braze-event-42")).toBe(sourceMessageId("braze-event-42"));
    expect(sourceMessageId("a1234567-89ab-cdef-0123-456789abcdef")).toBe("a1234567-89ab-cdef-0123-456789abcdef");
  });

  it.each(fixtureEventTypes())("maps the %s fixture to a batch that validates against the Events API schema", (eventType) => {
    const { requests } = planBulkRequests(items([payload(eventType)]), "production");

    const batches = requests.flatMap((request) => request.batches);

    expect(batches).toHaveLength(1);
    expect(batches.flatMap((batch) => validateEventsApiBatch(batch))).toEqual([]);
  });
});

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

  it("drops nulls and counts the prefix in the name length", () => {
    const attributes = toCustomAttributes({ gone: null, ["a".repeat(250)]: "x", ok: "y" }, "prefix_");

    expect(attributes).toEqual({ prefix_ok: "y" });
  });
});

describe("planBulkRequests", () => {
  it("puts one user's events on one feed into one batch, and each feed in its own request", () => {
    const plan = planBulkRequests(
      items([
        payload("users.messages.pushnotification.Send", { id: eventId(1), platform: "ios" }, "alice"),
        payload("users.messages.email.Delivery", { id: eventId(2) }, "alice"),
        payload("users.messages.pushnotification.Open", { id: eventId(3), platform: "ios" }, "alice"),
        payload("users.messages.pushnotification.Send", { id: eventId(4), platform: "ios" }, "bob"),
      ]),
      "development",
    );

    expect(plan.oversized).toEqual([]);
    expect(plan.requests.map((request) => [request.feed, request.messageIds])).toEqual([
      ["ios", ["m0", "m2", "m3"]],
      ["unbound", ["m1"]],
    ]);
    const ios = plan.requests[0]?.batches ?? [];
    expect(ios.map((batch) => [batch.user_identities, batch.events.map((event) => event.data.source_message_id)])).toEqual([
      [{ customer_id: "alice" }, [eventId(1), eventId(3)]],
      [{ customer_id: "bob" }, [eventId(4)]],
    ]);
    expect(plan.requests[1]?.batches[0]).toMatchObject({ environment: "development", user_identities: { customer_id: "alice", email: "example@braze.com" } });
  });

  it("derives source_request_id from the batch content", () => {
    const build = () =>
      planBulkRequests(items([payload("users.canvas.Entry", { id: eventId(1) }, "alice")]), "production").requests[0]?.batches[0]?.source_request_id;
    const other = planBulkRequests(items([payload("users.canvas.Entry", { id: eventId(2) }, "alice")]), "production").requests[0]?.batches[0];

    expect(build()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5/);
    expect(build()).toBe(build());
    expect(other?.source_request_id).not.toBe(build());
  });

  it("starts a new request after 100 batches", () => {
    const payloads = Array.from({ length: 150 }, (_, i) => payload("users.canvas.Entry", { id: eventId(i) }, `user-${i}`));

    const plan = planBulkRequests(items(payloads), "production");

    expect(plan.requests.map((request) => request.batches.length)).toEqual([100, 50]);
    expect(plan.requests.flatMap((request) => request.messageIds)).toHaveLength(150);
  });

  it("keeps requests under 256 KB and batches under 128 KB", () => {
    const big = { blob: "x".repeat(3000) };
    const payloads = Array.from({ length: 300 }, (_, i) => payload("users.canvas.Entry", { id: eventId(i), properties: big }, `user-${i % 3}`));

    const plan = planBulkRequests(items(payloads), "production");

    for (const request of plan.requests) {
      expect(Buffer.byteLength(JSON.stringify(request.batches))).toBeLessThan(BULK_LIMITS.requestBytes);
      for (const batch of request.batches) expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThan(BULK_LIMITS.batchBytes);
    }
    expect(plan.requests.length).toBeGreaterThan(3);
    expect(plan.requests.flatMap((request) => request.messageIds).sort()).toEqual(payloads.map((_, i) => `m${i}`).sort());
  });

  it("reports an event too large for any batch instead of sending it", () => {
    const huge = payload("users.canvas.Entry", { id: eventId(1) });
    for (let i = 0; i < 40; i++) huge.event.data.custom_attributes[`big${i}`] = "y".repeat(4096);

    const plan = planBulkRequests(items([huge, payload("users.canvas.Entry", { id: eventId(2) })]), "production");

    expect(plan.oversized).toEqual(["m0"]);
    expect(plan.requests.flatMap((request) => request.messageIds)).toEqual(["m1"]);
  });
});
