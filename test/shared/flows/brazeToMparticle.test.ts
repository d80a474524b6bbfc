import { describe, expect, it, vi } from "vitest";
import { logger } from "../../../shared/observability.js";
import { planBulkRequests, sourceMessageId, uuidV5 } from "../../../shared/destinations/mparticle/map.js";
import { mparticlePayloadSchema, type MparticleBatch, type MparticlePayload } from "../../../shared/destinations/mparticle/schema.js";
import { MPARTICLE_EVENT_NAMES, brazeToMparticle, feedForPlatform, toMparticlePayload } from "../../../shared/flows/brazeToMparticle.js";
import { brazeEventSchema } from "../../../shared/sources/braze/schema.js";
import { validateEventsApiBatch } from "../../../infra/local/sandboxes/mparticle.js";
import { withEnv } from "../../support/env.js";
import { brazeEvent, eventId, fixtureEventTypes, type EventOverrides } from "../sources/braze/factories.js";
import { TEST_SECRETS } from "../../support/secrets.js";

function payload(eventType: string, overrides: EventOverrides = {}, customerId = "external_user_id", prefix = ""): MparticlePayload {
  return toMparticlePayload(brazeEventSchema.parse(brazeEvent(eventType, overrides)), customerId, prefix);
}

const items = (payloads: MparticlePayload[]) => payloads.map((item, index) => ({ key: `m${index}`, item }));
const TARGET = { environment: "production" as const, feeds: TEST_SECRETS.mparticle.feeds, baseUrl: "https://s2s.mparticle.test" };
const batchesOf = (request: { http: { body?: unknown } }) => JSON.parse(String(request.http.body)) as MparticleBatch[];

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
    ["IOS", "ios"],
    ["Android", "android"],
    ["WEB", "web"],
  ])("sends platform %s to the %s feed", (platform, feed) => {
    expect(feedForPlatform(platform)).toBe(feed);
  });
});

describe("toMparticlePayload", () => {
  it("maps a push send as Braze's connector does: plural name, device_info, Braze id and device id as attributes", () => {
    const result = payload("users.messages.pushnotification.Send", { id: eventId(1), time: 1767225600 });

    expect(result).toEqual({
      feed: "android",
      customerId: "external_user_id",
      deviceInfo: { platform: "Android", ios_advertising_id: "f47ac10b-58cc-4372-a567-0e02b2c3d479", limit_ad_tracking: false },
      event: {
        event_type: "custom_event",
        data: {
          event_name: "Push Notification Sends",
          custom_event_type: "other",
          source_message_id: eventId(1),
          timestamp_unixtime_ms: 1767225600000,
          custom_attributes: {
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
            push_token: "push_token",
            send_id: "send_id",
            source_request_id: eventId(1),
            device_id: "device_id",
          },
        },
      },
    });
  });

  it("sends a UUID-shaped Braze device id as device_info.ios_idfv, on every platform, with the device model", () => {
    const raw = brazeEvent("users.messages.pushnotification.Open", { platform: "android" });
    raw.user.device_id = "a1234567-89ab-cdef-0123-456789abcdef";

    const result = toMparticlePayload(brazeEventSchema.parse(raw), "u");

    expect(result.deviceInfo).toMatchObject({ ios_idfv: "a1234567-89ab-cdef-0123-456789abcdef", device_model: "device_model", platform: "Android" });
    expect(result.event.data.custom_attributes).toMatchObject({ device_id: "a1234567-89ab-cdef-0123-456789abcdef" });
    for (const moved of ["platform", "device_model", "os_version", "ad_id", "ad_id_type", "ad_tracking_enabled"]) {
      expect(result.event.data.custom_attributes).not.toHaveProperty(moved);
    }
  });

  it.each([
    ["ios_idfa", "ios_advertising_id", "f47ac10b-58cc-4372-a567-0e02b2c3d479"],
    ["google_ad_id", "android_advertising_id", "f47ac10b-58cc-4372-a567-0e02b2c3d479"],
    ["roku_ad_id", "roku_advertising_id", "f47ac10b-58cc-4372-a567-0e02b2c3d479"],
    ["windows_ad_id", "microsoft_advertising_id", "windows-ad-id"],
  ])("sends an ad id of type %s as device_info.%s", (adIdType, field, adId) => {
    const result = payload("users.messages.pushnotification.Open", { properties: { ad_id_type: adIdType, ad_id: adId, ad_tracking_enabled: false } });

    expect(result.deviceInfo).toMatchObject({ [field]: adId, limit_ad_tracking: true });
  });

  it.each([
    ["iOS", "iOS"],
    ["KINDLE", "Android"],
    ["tvos", "tvOS"],
    ["roku", "roku"],
    ["web", "web"],
  ])("names the device platform %s %s in device_info", (platform, devicePlatform) => {
    expect(payload("users.messages.pushnotification.Open", { platform }).deviceInfo?.platform).toBe(devicePlatform);
  });

  it.each(["constructor", "toString", "windows"])("sends no device platform for the platform %s", (platform) => {
    expect(payload("users.messages.pushnotification.Open", { platform }).deviceInfo).not.toHaveProperty("platform");
  });

  it("sends an advertising id that is no UUID, or of an unknown type, nowhere in device_info, and no tracking flag it was not given", () => {
    const notUuid = payload("users.messages.pushnotification.Open", {
      properties: { ad_id_type: "ios_idfa", ad_id: "not-a-uuid", ad_tracking_enabled: "yes" },
    });
    const unknownType = payload("users.messages.pushnotification.Open", { properties: { ad_id_type: "fire_ad_id" } });

    expect(notUuid.deviceInfo).toEqual({ platform: "Android", device_model: "device_model" });
    expect(unknownType.deviceInfo).toEqual({ platform: "Android", device_model: "device_model", limit_ad_tracking: false });
  });

  it.each(["constructor", "toString"])("finds no advertising id field for the ad_id_type %s", (adIdType) => {
    const result = payload("users.messages.pushnotification.Open", { properties: { ad_id_type: adIdType } });

    expect(result.deviceInfo).toEqual({ platform: "Android", device_model: "device_model", limit_ad_tracking: false });
  });

  it("finds no advertising id field for an ad_id_type that is no string", () => {
    const result = payload("users.messages.pushnotification.Open", { properties: { ad_id_type: ["ios_idfa"] } });

    expect(result.deviceInfo).not.toHaveProperty("ios_advertising_id");
  });

  it("sends a Windows advertising id only when it is a string", () => {
    const result = payload("users.messages.pushnotification.Open", { properties: { ad_id_type: "windows_ad_id", ad_id: 42 } });

    expect(result.deviceInfo).not.toHaveProperty("microsoft_advertising_id");
  });

  it("sends no device_info for an event that says nothing of its device", () => {
    const raw = brazeEvent("users.messages.email.Delivery", { platform: null });
    delete raw.user.device_id;

    expect(toMparticlePayload(brazeEventSchema.parse(raw), "u")).not.toHaveProperty("deviceInfo");
  });

  it("sends a non-UUID Braze device id as the device_id attribute only, and no device_id attribute without one", () => {
    expect(payload("users.messages.pushnotification.Open").deviceInfo).not.toHaveProperty("ios_idfv");
    // Absent, null or empty: no device id to send (an empty attribute would be sent as it is).
    for (const deviceId of [undefined, null, ""]) {
      const raw = brazeEvent("users.messages.email.Delivery");
      raw.user.device_id = deviceId;

      expect(toMparticlePayload(brazeEventSchema.parse(raw), "u").event.data.custom_attributes).not.toHaveProperty("device_id");
    }
  });

  it("takes the user's phone number when the recipient's is empty", () => {
    expect(payload("users.messages.sms.Delivery", { properties: { to_phone_number: "", user_phone_number: "+15550001111" } }).userAttributes).toEqual({
      $mobile: "+15550001111",
    });
  });

  it("takes the user's phone number when the recipient's is missing, and neither when it is no string", () => {
    expect(payload("users.messages.whatsapp.Delivery", { properties: { to_phone_number: null, user_phone_number: "+15550001111" } }).userAttributes).toEqual({
      $mobile: "+15550001111",
    });
    expect(payload("users.messages.sms.Delivery", { properties: { to_phone_number: 15550001111, user_phone_number: "+15550002222" } }).userAttributes).toEqual({
      $mobile: "+15550002222",
    });
    expect(payload("users.messages.sms.Delivery", { properties: { to_phone_number: null, user_phone_number: 15550001111 } })).not.toHaveProperty(
      "userAttributes",
    );
  });

  it("keeps a phone number of exactly 4096 characters whole, cutting nothing", () => {
    const cuts = {};
    const result = toMparticlePayload(
      brazeEventSchema.parse(brazeEvent("users.messages.sms.Delivery", { properties: { to_phone_number: "1".repeat(4096) } })),
      "u",
      "",
      cuts,
    );

    expect(result.userAttributes?.$mobile).toHaveLength(4096);
    expect(cuts).toEqual({});
  });

  it("names a message or canvas event by its type even when it has a name property", () => {
    expect(payload("users.canvas.Entry", { properties: { name: "own name" } }).event).toMatchObject({ data: { event_name: "Canvas Entries" } });
  });

  it("sends no $mobile, and keeps the phone fields as attributes, for an SMS without a phone number", () => {
    const result = payload("users.messages.sms.Delivery", { properties: { to_phone_number: "", media_urls: ["https://example.com/a.png"] } });

    expect(result).not.toHaveProperty("userAttributes");
    expect(result.event.data.custom_attributes).toMatchObject({ media_urls: '["https://example.com/a.png"]' });
  });

  it("sends the phone number of no other channel or event kind as $mobile", () => {
    expect(payload("users.messages.email.Delivery", { properties: { to_phone_number: "+15550001111" } })).not.toHaveProperty("userAttributes");
    expect(payload("users.behaviors.CustomEvent", { properties: { to_phone_number: "+15550001111" } })).not.toHaveProperty("userAttributes");
    expect(payload("users.canvas.Entry", { properties: { to_phone_number: "+15550001111" } })).not.toHaveProperty("userAttributes");
  });

  it("sends no email identity for an empty email address", () => {
    expect(payload("users.messages.email.Delivery", { properties: { email_address: "" } })).not.toHaveProperty("email");
  });

  it("names a custom event without a name by its type", () => {
    expect(payload("users.behaviors.CustomEvent", { properties: { name: "" } }).event).toMatchObject({ data: { event_name: "Custom Event" } });
  });

  it("keeps an event name of exactly 256 characters whole, cutting nothing", () => {
    const cuts = {};
    const result = toMparticlePayload(
      brazeEventSchema.parse(brazeEvent("users.behaviors.CustomEvent", { properties: { name: "n".repeat(256) } })),
      "u",
      "",
      cuts,
    );

    expect(result.event).toMatchObject({ data: { event_name: "n".repeat(256) } });
    expect(cuts).toEqual({});
  });

  it("rounds Braze's seconds to whole milliseconds", () => {
    expect(payload("users.canvas.Entry", { time: 1767225600.0016 }).event.data.timestamp_unixtime_ms).toBe(1767225600002);
  });

  it.each([
    ["users.messages.sms.Delivery", "+1234567890", "to_phone_number"],
    ["users.messages.sms.InboundReceive", "+1234567890", "user_phone_number"],
    ["users.messages.whatsapp.Delivery", "+1234567890", "to_phone_number"],
  ])("sends the user's phone number of %s as user_attributes.$mobile (from %s), not as an attribute", (eventType, phone, field) => {
    const result = payload(eventType, { properties: { [field]: phone } });

    expect(result.userAttributes).toEqual({ $mobile: phone });
    for (const moved of ["to_phone_number", "user_phone_number", "media_urls"]) expect(result.event.data.custom_attributes).not.toHaveProperty(moved);
  });

  it("keeps the sender's number of an SMS as an attribute", () => {
    expect(payload("users.messages.sms.Delivery").event.data.custom_attributes).toMatchObject({ from_phone_number: "+1234567890" });
    expect(payload("users.messages.sms.InboundReceive").event.data.custom_attributes).toMatchObject({ inbound_phone_number: "+1234567890" });
  });

  it("carries the email identity when the event has an email address, on the Unbound feed, and not as an attribute", () => {
    const result = payload("users.messages.email.Delivery");

    expect(result.feed).toBe("unbound");
    expect(result.email).toBe("example@braze.com");
    expect(result.event).toMatchObject({ event_type: "custom_event", data: { event_name: "Email Deliveries" } });
    expect(result.event.data.custom_attributes).not.toHaveProperty("email_address");
  });

  it.each(Object.entries(MPARTICLE_EVENT_NAMES))("names %s %s, as Braze's connector does", (eventType, name) => {
    expect(payload(eventType, {}).event).toMatchObject({ event_type: "custom_event", data: { event_name: name } });
  });

  it("keeps our readable name for a type Braze does not export to mParticle", () => {
    expect(payload("users.messages.pushnotification.IosForeground").event).toMatchObject({ data: { event_name: "Push Notification iOS Foreground" } });
  });

  it("cuts an event name to mParticle's 256 characters, and a phone number to 4096, counting both", () => {
    const cuts = {};
    const result = toMparticlePayload(
      brazeEventSchema.parse(brazeEvent("users.behaviors.CustomEvent", { properties: { name: "n".repeat(300) } })),
      "u",
      "",
      cuts,
    );
    const sms = toMparticlePayload(
      brazeEventSchema.parse(brazeEvent("users.messages.sms.Delivery", { properties: { to_phone_number: "1".repeat(5000) } })),
      "u",
      "",
      cuts,
    );

    expect(result.event).toMatchObject({ data: { event_name: "n".repeat(256) } });
    expect(sms.userAttributes?.$mobile).toHaveLength(4096);
    expect(cuts).toEqual({ eventName: 1, attributeValues: 1 });
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
          custom_attributes: {
            app_group_id: "f47ac10b-58cc-4372-a567-0e02b2c3d479",
            app_id: "f47ac10b-58cc-4372-a567-0e02b2c3d479",
            source_request_id: eventId(2),
            device_id: "device_id",
          },
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
    expect(mparticlePayloadSchema.safeParse(payload(eventType)).success).toBe(true);
    const { requests } = planBulkRequests(items([payload(eventType)]), TARGET);

    const batches = requests.flatMap(batchesOf);

    expect(batches).toHaveLength(1);
    expect(batches.flatMap((batch) => validateEventsApiBatch(batch))).toEqual([]);
  });
});

describe("brazeToMparticle.mapMessage", () => {
  it("sends nothing for an event without an external_user_id, and fails nothing", () => {
    const event = brazeEvent("users.canvas.Entry", { id: eventId(10), externalUserId: null });

    expect(brazeToMparticle.mapMessage([{ id: eventId(10), event }], undefined)).toEqual({ items: [], failed: new Map() });
  });

  it("reports what it cut from an event, by flow, event id and limit", () => {
    const long = brazeEvent("users.behaviors.CustomEvent", { id: eventId(11), properties: { name: "n".repeat(300) } });
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => undefined);
    try {
      const { items } = brazeToMparticle.mapMessage([{ id: eventId(11), event: long }], undefined);

      expect(items[0]?.item.customerId).toBe("external_user_id");
      expect(warn.mock.calls.map(([, details]) => details)).toEqual([{ flow: "braze-to-mparticle", eventId: eventId(11), cuts: { eventName: 1 } }]);
    } finally {
      warn.mockRestore();
    }
  });

  it("reads MPARTICLE_ATTRIBUTE_PREFIX when it maps, not when the event was queued", () => {
    const event = brazeEvent("users.canvas.Entry", { id: eventId(9) });

    const { items: mapped } = withEnv({ MPARTICLE_ATTRIBUTE_PREFIX: "braze_" }, () => brazeToMparticle.mapMessage([{ id: eventId(9), event }], undefined));

    expect(mapped[0]?.eventIds).toEqual([eventId(9)]);
    expect(mapped[0]?.item.event.data.custom_attributes).toMatchObject({ braze_canvas_name: "canvas_name" });
  });
});
