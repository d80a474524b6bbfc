import { describe, expect, it } from "vitest";
import type { MparticleRoute } from "../../../../shared/sources/mparticle/accept.js";
import { acceptWebhookBatches, normaliseWebhookBatch, parseWebhookBody, type WebhookBatch } from "../../../../shared/sources/mparticle/webhook.js";
import { parseEventsApiJson } from "../../../../shared/sources/mparticle/eventsApiBatch.js";
import { ValidationError } from "../../../../shared/errors.js";
import { IOS_CUSTOMER_ID, IOS_IDFV, IOS_PUSH_TOKEN, webhookFixtureText } from "./webhookFactories.js";

const SETTINGS = { applicationCode: "ABCDE-12345", apiToken: "device-api-token" };
const RECEIVED = 1_800_000_000_000;
const batchesOf = (name: "ios-batch.json" | "batches.json") => parseWebhookBody(parseEventsApiJson(webhookFixtureText(name)));
const one = (batch: unknown): WebhookBatch => parseWebhookBody(batch)[0]!;

describe("parseWebhookBody", () => {
  it("takes one batch or an array of them, each keyed by a hash of its document", () => {
    const [single] = batchesOf("ios-batch.json");
    const array = batchesOf("batches.json");
    expect(array).toHaveLength(3);
    expect(single!.key).toMatch(/^[0-9a-f]{32}$/);
    expect(batchesOf("ios-batch.json")[0]!.key).toBe(single!.key);
    expect(new Set(array.map((batch) => batch.key)).size).toBe(3);
  });

  it("names the batch's index in the field when the body is an array", () => {
    expect(() => parseWebhookBody([{ events: [] }, { events: [{ event_type: "custom_event", data: {} }] }])).toThrow(
      expect.objectContaining({ field: "1.events.0.data.event_name" }),
    );
    expect(() => parseWebhookBody("a batch")).toThrow(expect.objectContaining({ field: "body" }));
  });

  it("refuses more than 100 batches in one request", () => {
    expect(() => parseWebhookBody(Array.from({ length: 101 }, () => ({})))).toThrow(ValidationError);
  });
});

describe("normaliseWebhookBatch", () => {
  it("normalises the iOS sample into the model the Firehose door produces", () => {
    const [batch] = batchesOf("ios-batch.json");
    const { batch: normalised, events, skipped, sourceEventIds } = normaliseWebhookBatch(batch!, SETTINGS, RECEIVED);

    expect(events).toBe(15);
    expect(skipped).toEqual({ session_start: 1, commerce_event: 1, crash_report: 1, session_end: 1 });
    expect(sourceEventIds.size).toBe(11);
    expect(normalised.accountSettings).toEqual(SETTINGS);
    expect(normalised.user).toEqual({
      mpid: "-8433569191518584284",
      identities: [{ type: "customer", encoding: "raw", value: IOS_CUSTOMER_ID }, { type: "email", encoding: "raw", value: "bri@example.com" }],
      attributes: { Age: "34", Balance: "12.5", Premium: "true", Signup: "2024-04-30T22:15:00-02:00", Zip: "02134", Nickname: "Bri" },
      attributeLists: { Genres: ["jazz", "blues"] },
      device: { platform: "ios", deviceId: IOS_IDFV, token: { value: IOS_PUSH_TOKEN, kind: "apns" }, timezoneSeconds: -18000, language: "en" },
    });
    const byType = (type: string) => normalised.events.filter((event) => event.type === type);
    expect(byType("custom_event")).toEqual([
      { id: "0f1e2d3c-4b5a-4678-9abc-def012345611", timestampMs: 1714592744066, type: "custom_event", name: "Level Up", attributes: { level: "8", score: "1250.5", boss: "Dragon" } },
    ]);
    expect(byType("screen_view")).toEqual([
      { id: "0f1e2d3c-4b5a-4678-9abc-def012345610", timestampMs: 1714592742000, type: "screen_view", screenName: "Home", attributes: { tab: "featured" } },
    ]);
    expect(byType("push_subscription")).toEqual([
      { id: "0f1e2d3c-4b5a-4678-9abc-def012345612", timestampMs: 1714592745000, type: "push_subscription", action: "subscribe", token: IOS_PUSH_TOKEN },
    ]);
    expect(byType("user_attribute_change")).toHaveLength(8);
    expect(byType("user_attribute_change").at(-1)).toMatchObject({ added: {}, removed: ["Churned"] });
    expect(byType("device_state")).toEqual([{ id: `${batch!.key}:device`, type: "device_state" }]);
  });

  it("maps the Android device by its android_uuid and the FCM token, and takes the mpid when there is no customer id", () => {
    const [android] = batchesOf("batches.json");
    const { user } = normaliseWebhookBatch(android!, SETTINGS, RECEIVED).batch;

    expect(user?.mpid).toBe("8016782932541212345");
    expect(user?.identities).toEqual([{ type: "email", encoding: "raw", value: "sam@example.com" }]);
    expect(user?.device).toEqual({ platform: "android", deviceId: "8f1d2c3b4a596877", token: { value: "fcm-token-APA91bH7xQ2w", kind: "fcm" }, timezoneSeconds: 7200, language: "de" });
  });

  it("gives events without an id of their own the batch key and position, and falls back to the batch's time", () => {
    const batch = one({ timestamp_unixtime_ms: 1714590000000, events: [{ event_type: "custom_event", data: { event_name: "A", custom_event_type: "other" } }, { event_type: "screen_view", data: { screen_name: "B" } }] });
    const { events } = normaliseWebhookBatch(batch, SETTINGS, RECEIVED).batch;

    expect(events.map((event) => event.id)).toEqual([`${batch.key}:0`, `${batch.key}:1`]);
    expect(events.map((event) => ("timestampMs" in event ? event.timestampMs : undefined))).toEqual([1714590000000, 1714590000000]);
    expect(normaliseWebhookBatch(one({ events: [{ event_type: "screen_view", data: { screen_name: "B" } }] }), SETTINGS, RECEIVED).batch.events[0]).toMatchObject({ timestampMs: RECEIVED });
  });

  it("keeps ids unique when a source_message_id repeats", () => {
    const data = { event_name: "A", custom_event_type: "other", source_message_id: "same" };
    const batch = one({ events: [{ event_type: "custom_event", data }, { event_type: "custom_event", data }] });

    expect(normaliseWebhookBatch(batch, SETTINGS, RECEIVED).batch.events.map((event) => event.id)).toEqual(["same", `${batch.key}:1`]);
  });

  it("unregisters on register false, maps an uninstall, removes deleted attributes, and counts unknown event types as one reason", () => {
    const batch = one({
      deleted_user_attributes: ["Old"],
      device_info: { platform: "Android", android_uuid: "a-1" },
      events: [
        { event_type: "push_registration", data: { register: false, registration_token: "t-1" } },
        { event_type: "hologram_view", data: {} },
        { event_type: "another_new_type" },
        { event_type: "uninstall", data: {} },
      ],
    });
    const { batch: normalised, skipped } = normaliseWebhookBatch(batch, SETTINGS, RECEIVED);

    expect(normalised.events).toEqual([
      { id: `${batch.key}:0`, timestampMs: RECEIVED, type: "push_subscription", action: "unsubscribe", token: "t-1" },
      { id: `${batch.key}:3`, timestampMs: RECEIVED, type: "uninstall" },
      { id: `${batch.key}:deleted_user_attributes`, timestampMs: RECEIVED, type: "user_attribute_change", added: {}, removed: ["Old"] },
    ]);
    expect(skipped).toEqual({ unknown_event_type: 2 });
  });

  it("registers no device without a platform it knows, and no device state for a batch without events", () => {
    const roku = normaliseWebhookBatch(one({ device_info: { platform: "roku", push_token: "t" }, events: [{ event_type: "screen_view", data: { screen_name: "B" } }] }), SETTINGS, RECEIVED);
    expect(roku.batch.user?.device).toEqual({ platform: "other" });
    expect(roku.batch.events.map((event) => event.type)).toEqual(["screen_view"]);
    const empty = normaliseWebhookBatch(one({ device_info: { platform: "iOS", push_token: "t" }, events: [] }), SETTINGS, RECEIVED);
    expect(empty.batch.events).toEqual([]);
  });

  it("takes a user attribute change's value when the batch's attributes lack it", () => {
    const batch = one({ events: [
      { event_type: "user_attribute_change", data: { user_attribute_name: "Tier", new: 3, old: 2 } },
      { event_type: "user_attribute_change", data: { user_attribute_name: "Tags", new: ["a", null, "b"], old: null } },
    ] });
    const { user, events } = normaliseWebhookBatch(batch, SETTINGS, RECEIVED).batch;

    expect(user?.attributes).toEqual({ Tier: "3" });
    expect(user?.attributeLists).toEqual({ Tags: ["a", "b"] });
    expect(events.map((event) => event.type === "user_attribute_change" && event.added)).toEqual([{ Tier: "3" }, { Tags: "a,b" }]);
  });
});

describe("acceptWebhookBatches", () => {
  const context = (route: MparticleRoute) => ({ correlationId: "c-1", receivedAt: new Date(RECEIVED).toISOString(), routes: [route] });

  it("counts the events no flow took as no_user_id, beside the skipped event types", () => {
    const batches = batchesOf("ios-batch.json").map((batch) => normaliseWebhookBatch(batch, SETTINGS, RECEIVED));
    // A route that takes only the device state, as the flow does for a user it cannot name.
    const onlyDevice: MparticleRoute = (batch) => ({ flow: "test", destination: "pushwoosh", events: batch.events.filter((event) => event.type === "device_state") });

    const accepted = acceptWebhookBatches(batches, context(onlyDevice));

    expect(accepted.summary).toEqual({ batches: 1, events: 15, skipped: { session_start: 1, commerce_event: 1, crash_report: 1, session_end: 1, no_user_id: 11 } });
    expect(accepted.workItems).toHaveLength(1);
    expect(accepted.workItems[0]?.events.map((event) => event.id)).toEqual([`${batches[0]!.batch.requestId}:device`]);
  });
});
