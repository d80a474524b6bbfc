import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../../shared/errors.js";
import { parseEventsApiJson } from "../../../../shared/sources/mparticle/eventsApiBatch.js";
import { documentKey } from "../../../../shared/sources/mparticle/accept.js";
import {
  normaliseWebhookBatch,
  parseWebhookJson,
  readWebhookBatch,
  readWebhookBody,
  type WebhookBatch,
} from "../../../../shared/sources/mparticle/webhookBatch.js";
import { azureBatchesText, MASTER_CUSTOMER_ID, MASTER_IDFV, MASTER_PUSH_TOKEN, masterSample, publishedEvent } from "./webhookFactories.js";
import { defined } from "../../../support/defined.js";

const SETTINGS = { applicationCode: "ABCDE-12345", apiToken: "device-api-token" };
const RECEIVED = 1_800_000_000_000;
function one(document: unknown): WebhookBatch {
  const read = readWebhookBatch(document);
  if (read instanceof ValidationError) throw read;
  return read;
}

describe("readWebhookBody", () => {
  it("takes one batch or an array of them (the Azure output's two), each keyed by a hash of its document", () => {
    const array = readWebhookBody(parseEventsApiJson(azureBatchesText()), SETTINGS, RECEIVED);
    const single = readWebhookBody(masterSample(), SETTINGS, RECEIVED);
    expect(array.documents).toBe(2);
    expect(array.rejected).toEqual([]);
    expect(defined(single.batches[0]).batch.requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(defined(readWebhookBody(masterSample(), SETTINGS, RECEIVED).batches[0]).batch.requestId).toBe(defined(single.batches[0]).batch.requestId);
  });

  it("keeps what it cannot read as raw documents naming the field: a batch whole, an event in its batch alone", () => {
    const body = readWebhookBody(
      [{ events: [] }, { events: [publishedEvent("screen_view"), { event_type: "custom_event", data: {} }] }, "a batch"],
      SETTINGS,
      RECEIVED,
    );

    expect(body.batches).toHaveLength(2);
    expect(body.rejected.map((rejected) => rejected.rejection?.field)).toEqual(["1.events.1.data.event_name", "2"]);
    expect(defined(body.rejected[0]).events).toEqual([
      { id: expect.stringMatching(/:1$/), type: "raw_document", door: "webhook", document: { events: [{ event_type: "custom_event", data: {} }] } },
    ]);
    expect(defined(body.rejected[1]).events[0]).toMatchObject({ type: "raw_document", door: "webhook", document: "a batch" });
    expect(body.rejected.every((rejected) => rejected.accountSettings === SETTINGS)).toBe(true);
  });

  it("keys the batches of a body parsed by parseWebhookJson by the body's text and their place in it", () => {
    const keysOf = (text: string) => {
      const body = readWebhookBody(parseWebhookJson(text), SETTINGS, RECEIVED);
      return [...body.batches.map((batch) => batch.batch.requestId), ...body.rejected.map((rejected) => rejected.requestId)];
    };
    const document = JSON.stringify(masterSample());
    const array = `[${document},${document},"a batch"]`;

    // The same body sent again: the same keys, so the same event and work item ids.
    expect(keysOf(document)).toEqual(keysOf(document));
    expect(keysOf(array)).toEqual(keysOf(array));
    // Two copies of one batch in a body are two batches; a body that differs by a byte is another body.
    expect(new Set(keysOf(array)).size).toBe(3);
    expect(keysOf(array).every((key) => /^[0-9a-f]{32}$/.test(key))).toBe(true);
    expect(keysOf(` ${document}`)).not.toEqual(keysOf(document));
    expect(keysOf(array)).not.toContain(defined(keysOf(document)[0]));
  });

  it("keys a body parsed elsewhere (a parked document read again) by each batch's own JSON", () => {
    const body = readWebhookBody(JSON.parse(`[${JSON.stringify(masterSample())},"a batch"]`), SETTINGS, RECEIVED);

    expect(defined(body.batches[0]).batch.requestId).toBe(documentKey(masterSample()));
    expect(defined(body.rejected[0]).requestId).toBe(documentKey("a batch"));
  });

  it("refuses more than 100 batches in one request", () => {
    expect(() =>
      readWebhookBody(
        Array.from({ length: 101 }, () => ({})),
        SETTINGS,
        RECEIVED,
      ),
    ).toThrow(ValidationError);
  });
});

describe("normaliseWebhookBatch", () => {
  it("normalises the Master Sample into the model the Firehose door produces", () => {
    const batch = one(masterSample());
    const { batch: normalised, events, skipped, sourceEventIds, failures } = normaliseWebhookBatch(batch, SETTINGS, RECEIVED);

    expect([events, failures, sourceEventIds.size]).toEqual([4, [], 0]);
    expect(skipped).toEqual({ session_start: 1, application_state_transition: 1, crash_report: 1, session_end: 1 });
    expect(normalised.user).toMatchObject({
      identities: expect.arrayContaining([
        { type: "customer", encoding: "raw", value: MASTER_CUSTOMER_ID },
        { type: "email", encoding: "raw", value: "helpers@mparticle.com" },
      ]),
      attributes: expect.objectContaining({ $age: "18", $zip: "10016" }),
      attributeLists: { a_custom_list: ["value1", "value2", "valueN"] },
      device: {
        platform: "ios",
        deviceId: MASTER_IDFV,
        token: { value: MASTER_PUSH_TOKEN, kind: "apns" },
        userAgent: expect.any(String),
        timezoneSeconds: -4 * 3600,
        language: "en",
      },
    });
    expect(normalised.events).toEqual([
      {
        id: `${batch.key}:deleted_user_attributes`,
        timestampMs: RECEIVED,
        type: "user_attribute_change",
        added: {},
        removed: ["an_old_attribute_name", "another_old_attribute"],
      },
      { id: `${batch.key}:device`, type: "device_state" },
    ]);
  });

  it("takes the push registration's token, else the device's, and fails one with neither", () => {
    const registration = (data: Record<string, unknown>, device: unknown) =>
      normaliseWebhookBatch(one({ device_info: device, events: [{ event_type: "push_registration", data: { register: true, ...data } }] }), SETTINGS, RECEIVED);

    expect(registration({ registration_token: "x" }, null).batch.events[0]).toMatchObject({ action: "subscribe", token: "x" });
    expect(
      registration({}, { platform: "iOS", push_token: "<e481f135 9629f0c3 fb634be0 82ca18b1 73ea45a2 b0b96a6e 2a00c829 bc9ff6eb>" }).batch.events[0],
    ).toMatchObject({ token: MASTER_PUSH_TOKEN });
    expect(registration({ registration_token: null }, null).failures.map((failure) => failure.error.field)).toEqual(["events.0.data.registration_token"]);
  });

  it("gives events without an id of their own the batch key and position, and falls back to the batch's time", () => {
    const batch = one({
      timestamp_unixtime_ms: 1714590000000,
      events: [
        { event_type: "custom_event", data: { event_name: "A", custom_event_type: "other" } },
        { event_type: "screen_view", data: { screen_name: "B" } },
      ],
    });
    const { events } = normaliseWebhookBatch(batch, SETTINGS, RECEIVED).batch;

    expect(events.map((event) => event.id)).toEqual([`${batch.key}:0`, `${batch.key}:1`]);
    expect(events.map((event) => ("timestampMs" in event ? event.timestampMs : undefined))).toEqual([1714590000000, 1714590000000]);
    expect(
      normaliseWebhookBatch(one({ events: [{ event_type: "screen_view", data: { screen_name: "B" } }] }), SETTINGS, RECEIVED).batch.events[0],
    ).toMatchObject({ timestampMs: RECEIVED });
  });

  it("keeps ids unique when a source_message_id repeats", () => {
    const data = { event_name: "A", custom_event_type: "other", source_message_id: "same" };
    const batch = one({
      events: [
        { event_type: "custom_event", data },
        { event_type: "custom_event", data },
      ],
    });

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
    const roku = normaliseWebhookBatch(
      one({ device_info: { platform: "roku", push_token: "t" }, events: [{ event_type: "screen_view", data: { screen_name: "B" } }] }),
      SETTINGS,
      RECEIVED,
    );
    expect(roku.batch.user?.device).toEqual({ platform: "other" });
    expect(roku.batch.events.map((event) => event.type)).toEqual(["screen_view"]);
    const empty = normaliseWebhookBatch(one({ device_info: { platform: "iOS", push_token: "t" }, events: [] }), SETTINGS, RECEIVED);
    expect(empty.batch.events).toEqual([]);
  });

  it("takes a user attribute change's value when the batch's attributes lack it", () => {
    const batch = one({
      events: [
        { event_type: "user_attribute_change", data: { user_attribute_name: "Tier", new: 3, old: 2 } },
        { event_type: "user_attribute_change", data: { user_attribute_name: "Tags", new: ["a", null, "b"], old: null } },
      ],
    });
    const { user, events } = normaliseWebhookBatch(batch, SETTINGS, RECEIVED).batch;

    expect(user?.attributes).toEqual({ Tier: "3" });
    expect(user?.attributeLists).toEqual({ Tags: ["a", "b"] });
    expect(events.map((event) => event.type === "user_attribute_change" && event.added)).toEqual([{ Tier: "3" }, { Tags: "a,b" }]);
  });
});
