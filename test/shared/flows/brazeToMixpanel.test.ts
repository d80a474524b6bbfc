import { describe, expect, it, vi } from "vitest";
import { mixpanelEventSchema } from "../../../shared/destinations/mixpanel/schema.js";
import fc from "fast-check";
import { EVENT_LIMITS, fitEventLimits, isPlaceholderId, toInsertId } from "../../../shared/destinations/mixpanel/limits.js";
import { brazeToMixpanel, toMixpanelEvent } from "../../../shared/flows/brazeToMixpanel.js";
import { brazeEventSchema } from "../../../shared/sources/braze/schema.js";
import { validateImportEvent } from "../../../infra/local/sandboxes/mixpanel.js";
import { logger } from "../../../shared/observability.js";
import { brazeEvent, eventId, fixtureEventTypes, type EventOverrides } from "../sources/braze/factories.js";

function mapped(eventType: string, overrides: EventOverrides = {}) {
  return toMixpanelEvent(brazeEventSchema.parse(brazeEvent(eventType, overrides)), "external_user_id");
}

describe("toMixpanelEvent", () => {
  it("maps a custom event as Braze's Mixpanel export does: $os = OS version, $device = model, platform and device_id kept", () => {
    const result = mapped("users.behaviors.CustomEvent", { id: eventId(1), time: 1767225600 });

    expect(result).toEqual({
      event: "[Braze Custom Event] name",
      properties: {
        ad_id: "f47ac10b-58cc-4372-a567-0e02b2c3d479",
        ad_id_type: "ios_idfa",
        ad_tracking_enabled: true,
        app_group_id: "f47ac10b-58cc-4372-a567-0e02b2c3d479",
        app_id: "f47ac10b-58cc-4372-a567-0e02b2c3d479",
        $device: "device_model",
        $os: "17.6.1",
        platform: "android",
        "[Custom event property] listProperty": ["a"],
        "[Custom event property] numberProperty": 1,
        "[Custom event property] stringProperty": "properties",
        device_id: "device_id",
        distinct_id: "external_user_id",
        time: 1767225600000,
        $insert_id: eventId(1),
        $partner_id: "braze",
      },
    });
  });

  it("names a custom event without a name by its type, under the custom event prefix", () => {
    expect(mapped("users.behaviors.CustomEvent", { properties: { name: "" } }).event).toBe("[Braze Custom Event] Custom Event");
  });

  it("renames the device fields of a custom event's own properties too, and keeps its custom properties unrenamed", () => {
    const { properties } = mapped("users.behaviors.CustomEvent", { properties: { custom_properties: { os_version: "mine" } } });

    expect(properties).toMatchObject({ $os: "17.6.1", "[Custom event property] os_version": "mine" });
    expect(properties).not.toHaveProperty("custom_properties");
    expect(properties).not.toHaveProperty("name");
  });

  it("passes on properties named after Object's members under their own names, with their values", () => {
    const { properties } = mapped("users.behaviors.Purchase", { properties: { constructor: "c", toString: "t", hasOwnProperty: "h" } });

    expect(Object.getOwnPropertyDescriptor(properties, "constructor")?.value).toBe("c");
    expect(Object.getOwnPropertyDescriptor(properties, "toString")?.value).toBe("t");
    expect(Object.getOwnPropertyDescriptor(properties, "hasOwnProperty")?.value).toBe("h");
  });

  it("renames the device fields of a purchase", () => {
    const { properties } = mapped("users.behaviors.Purchase", { properties: { os_version: "18.0", device_model: "iPhone16,1" } });

    expect(properties).toMatchObject({ $os: "18.0", $device: "iPhone16,1" });
    expect(properties).not.toHaveProperty("os_version");
  });

  it("maps a custom event or purchase without its property bag", () => {
    const custom = brazeEvent("users.behaviors.CustomEvent");
    delete custom.properties.custom_properties;
    const purchase = brazeEvent("users.behaviors.Purchase");
    delete purchase.properties.purchase_properties;

    const customProperties = toMixpanelEvent(brazeEventSchema.parse(custom), "u").properties;
    const purchaseProperties = toMixpanelEvent(brazeEventSchema.parse(purchase), "u").properties;

    expect(Object.keys(customProperties).filter((name) => name.startsWith("["))).toEqual([]);
    expect(Object.keys(purchaseProperties).filter((name) => name.startsWith("["))).toEqual([]);
    expect(purchaseProperties).toMatchObject({ product_id: "product_id", distinct_id: "u" });
  });

  it("rounds Braze's seconds to whole milliseconds", () => {
    expect(mapped("users.canvas.Entry", { time: 1767225600.0016 }).properties.time).toBe(1767225600002);
  });

  it("never sends the raw os_version and device_model, nor $os_version", () => {
    const { properties } = mapped("users.messages.pushnotification.Open");

    expect(properties).toMatchObject({ $os: "17.6.1", $device: "device_model", platform: "android" });
    for (const name of ["os_version", "device_model", "$os_version"]) expect(properties).not.toHaveProperty(name);
  });

  it("keeps a purchase's product_id, price and currency, and prefixes its purchase properties", () => {
    const result = mapped("users.behaviors.Purchase", { id: eventId(2), platform: "ios" });

    expect(result.event).toBe("Purchase");
    expect(result.properties).toMatchObject({
      product_id: "product_id",
      price: 3.14,
      currency: "USD",
      "[Purchase property] listProperty": ["a"],
      "[Purchase property] numberProperty": 1,
      "[Purchase property] stringProperty": "properties",
      platform: "ios",
      $insert_id: eventId(2),
    });
    expect(result.properties).not.toHaveProperty("purchase_properties");
    expect(result.properties).not.toHaveProperty("product");
  });

  it("renames a content card's content_card_id to card_id, and keeps an in-app message's card_id", () => {
    expect(mapped("users.messages.contentcard.Click").properties).toMatchObject({ card_id: "content_card_id" });
    expect(mapped("users.messages.contentcard.Click").properties).not.toHaveProperty("content_card_id");
    expect(mapped("users.messages.inappmessage.Impression").properties.card_id).toBe("f47ac10b-58cc-4372-a567-0e02b2c3d479");
  });

  it.each([
    ["users.messages.pushnotification.Send", "Push Notification Send"],
    ["users.messages.email.Delivery", "Email Delivery"],
    ["users.canvas.Entry", "Canvas Entry"],
    ["users.campaigns.Conversion", "Campaign Conversion"],
    ["users.behaviors.app.SessionStart", "Session Start"],
    ["users.behaviors.Uninstall", "Uninstall"],
    // The seven names where Braze's Mixpanel export differs from our readable names.
    ["users.canvas.exit.MatchedAudience", "Exit Match Audience"],
    ["users.canvas.exit.PerformedEvent", "Exit Perform Event"],
    ["users.canvas.experimentstep.Conversion", "Experiment Step Conversion"],
    ["users.canvas.experimentstep.SplitEntry", "Experiment Split Entry"],
    ["users.messages.pushnotification.IosForeground", "Push Notification iOS Foreground Open"],
    ["users.messages.sms.InboundReceive", "SMS Inbound Received"],
    ["users.messages.featureflag.Impression", "Feature Flag Experiment Impression"],
  ])("names %s %s and passes its properties on", (eventType, name) => {
    const result = mapped(eventType);

    expect(result.event).toBe(name);
    const renamed = new Set(["os_version", "device_model", "content_card_id"]);
    const passed = Object.entries(brazeEvent(eventType).properties).filter(([property]) => !renamed.has(property));
    expect(result.properties).toMatchObject(Object.fromEntries(passed));
    expect(result.properties.$partner_id).toBe("braze");
  });

  it("keeps a Braze id Mixpanel takes as $insert_id, and maps any other to a stable 32-hex hash", () => {
    const long = "x".repeat(40);

    expect(mapped("users.canvas.Entry", { id: eventId(3) }).properties.$insert_id).toBe(eventId(3));
    expect(mapped("users.canvas.Entry", { id: long }).properties.$insert_id).toBe(toInsertId(long));
    expect(toInsertId(long)).toMatch(/^[0-9a-f]{32}$/);
    expect(toInsertId(long)).toBe(toInsertId(long));
    expect(toInsertId("a_b")).not.toBe(toInsertId("a-b"));
    expect(toInsertId("null")).toMatch(/^[0-9a-f]{32}$/);
    expect(toInsertId("a-b")).toBe("a-b");
  });

  it("leaves $os, $device and device_id out when Braze sent none", () => {
    const event = brazeEvent("users.messages.email.Send");
    delete event.user.device_id;
    const { properties } = toMixpanelEvent(brazeEventSchema.parse(event), "external_user_id");

    for (const name of ["$os", "$device", "device_id"]) expect(properties).not.toHaveProperty(name);
  });

  it.each(fixtureEventTypes())("maps the %s fixture to an event Mixpanel's strict mode accepts", (eventType) => {
    expect(mixpanelEventSchema.safeParse(mapped(eventType, { time: 1767225600 })).success).toBe(true);
    expect(validateImportEvent(mapped(eventType, { time: 1767225600 }))).toBeUndefined();
  });
});

describe("brazeToMixpanel limits", () => {
  const message = (event: ReturnType<typeof brazeEvent>) => brazeToMixpanel.mapMessage([{ id: event.id, event }], undefined);

  it("cuts an event to Mixpanel's per-event limits, and the sandbox's strict mode then accepts it", () => {
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`p${String(i).padStart(3, "0")}`, i]));
    const deep = { a: { b: { c: { d: "too deep" }, kept: 1 } } };
    const event = brazeEvent("users.behaviors.CustomEvent", {
      id: "braze:event/with-an-id-mixpanel-refuses-because-of-its-length",
      time: 1767225600,
      properties: { custom_properties: { ...many, list: Array.from({ length: 300 }, (_, i) => i), deep } },
    });
    const raw = toMixpanelEvent(brazeEventSchema.parse(event), "external_user_id");
    expect(validateImportEvent(raw)).toBeDefined();

    const { items } = message(event);

    const fitted = items[0]?.item;
    expect(fitted).toBeDefined();
    expect(validateImportEvent(fitted)).toBeUndefined();
    expect(Object.keys(fitted?.properties ?? {})).toHaveLength(EVENT_LIMITS.properties);
    expect(fitted?.properties).toMatchObject({ distinct_id: "external_user_id", time: 1767225600000, $partner_id: "braze", $os: "17.6.1" });
    expect(fitted?.properties.$insert_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it("never produces an event Mixpanel's strict mode refuses for its limits or ids, whatever Braze sends", () => {
    const leaf = fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean(), fc.constant(null));
    const nested = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        leaf,
        fc.array(tie("value"), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 6 }), tie("value"), { maxKeys: 4 }),
      ),
    })).value;
    const wide = fc.oneof(
      fc.integer({ min: 250, max: 300 }).map((n) => Array.from({ length: n }, (_, i) => i)),
      fc.integer({ min: 250, max: 300 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
    );
    const properties = fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(nested, wide), { maxKeys: 300 });
    fc.assert(
      fc.property(
        fc.constantFrom(...fixtureEventTypes()),
        fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 60 })),
        fc.oneof(fc.constant("user-1"), fc.string({ minLength: 1, maxLength: 20 })),
        properties,
        properties,
        (eventType, id, userId, extra, custom) => {
          const event = brazeEvent(eventType, {
            id,
            time: 1767225600,
            externalUserId: userId,
            properties: { ...extra, custom_properties: custom, name: "name" },
          });
          const { items } = message(event);
          for (const { item } of items) expect(validateImportEvent(item)).toBeUndefined();
          // Only a placeholder user is left out.
          expect(items.length === 0).toBe(isPlaceholderId(userId));
        },
      ),
      { numRuns: 200, seed: 10 },
    );
  });

  it("reports what it cut, by limit", () => {
    const { event, cuts } = fitEventLimits({
      event: "e",
      properties: {
        distinct_id: "u",
        time: 1767225600000,
        $insert_id: "i",
        list: Array.from({ length: 300 }, (_, i) => i),
        object: Object.fromEntries(Array.from({ length: 260 }, (_, i) => [`k${i}`, i])),
        deep: { a: { b: { c: 1, d: { e: 1 } } } },
        deepList: [[[1, [2]]]],
      },
    });

    expect(cuts).toEqual({ arrayItems: 46, objectKeys: 6, depth: 2 });
    // Strict: a dropped value leaves no key or item behind.
    expect(event.properties.deep).toStrictEqual({ a: { b: { c: 1 } } });
    expect(event.properties.deepList).toStrictEqual([[[1]]]);
    expect((event.properties.list as unknown[]).length).toBe(254);
    expect(validateImportEvent(event)).toBeUndefined();
  });

  it("passes an event of scalar properties within the limits on as a copy, in the same order", () => {
    const properties = { b: "x", distinct_id: "u", a: null, time: 1, $insert_id: "i", "7": true };
    const { event, cuts } = fitEventLimits({ event: "e", properties });

    expect(cuts).toEqual({});
    expect(event.properties).toStrictEqual(properties);
    expect(Object.keys(event.properties)).toEqual(Object.keys(properties));
    expect(event.properties).not.toBe(properties);
  });

  it("drops scalar properties past the 254th, and undefined values, keeping the import fields", () => {
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`p${String(i).padStart(3, "0")}`, i]));
    const { event, cuts } = fitEventLimits({ event: "e", properties: { ...many, distinct_id: "u", time: 1, $insert_id: "i" } });
    expect(cuts).toEqual({ properties: 49 });
    expect(Object.keys(event.properties)).toEqual([...Object.keys(many).slice(0, 251), "distinct_id", "time", "$insert_id"]);

    // One past the limit: the first property dropped.
    const justOver = Object.fromEntries(Array.from({ length: 252 }, (_, i) => [`p${i}`, i]));
    const oneCut = fitEventLimits({ event: "e", properties: { distinct_id: "u", time: 1, $insert_id: "i", ...justOver } });
    expect(oneCut.cuts).toEqual({ properties: 1 });
    expect(Object.keys(oneCut.event.properties)).toHaveLength(EVENT_LIMITS.properties);
    expect(oneCut.event.properties).not.toHaveProperty("p251");

    const withUndefined = fitEventLimits({ event: "e", properties: { distinct_id: "u", time: 1, $insert_id: "i", gone: undefined, kept: 1 } });
    expect(Object.keys(withUndefined.event.properties)).toEqual(["distinct_id", "time", "$insert_id", "kept"]);
  });

  it("does not carry a property named __proto__", () => {
    const properties = JSON.parse('{"__proto__":"x","distinct_id":"u","time":1,"$insert_id":"i"}') as { distinct_id: string; time: number; $insert_id: string };
    const { event } = fitEventLimits({ event: "e", properties });
    expect(Object.keys(event.properties)).toEqual(["distinct_id", "time", "$insert_id"]);
    expect(Object.getPrototypeOf(event.properties)).toBe(Object.prototype);
  });

  it.each(["null", "<nil>", "true", "false", "Anonymous", "00000000-0000-0000-0000-000000000000"])(
    "does not send an event whose external_user_id is the placeholder %s",
    (userId) => {
      const event = brazeEvent("users.canvas.Entry", { id: eventId(30), externalUserId: userId });

      const { items, failed } = message(event);

      expect(items).toEqual([]);
      expect(failed.size).toBe(0);
    },
  );
});

describe("brazeToMixpanel.mapMessage", () => {
  it("sends nothing for an event without an external_user_id, and fails nothing", () => {
    const event = brazeEvent("users.canvas.Entry", { id: eventId(41), externalUserId: null });

    expect(brazeToMixpanel.mapMessage([{ id: eventId(41), event }], undefined)).toEqual({ items: [], failed: new Map() });
  });

  it("logs the event it leaves out for a placeholder user, by flow and event id", () => {
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => undefined);
    try {
      brazeToMixpanel.mapMessage([{ id: eventId(42), event: brazeEvent("users.canvas.Entry", { id: eventId(42), externalUserId: "null" }) }], undefined);

      expect(warn).toHaveBeenCalledWith(expect.stringContaining("placeholder"), { flow: "braze-to-mixpanel", eventId: eventId(42) });
    } finally {
      warn.mockRestore();
    }
  });

  it("reports what it cut from an event, by flow, event id and limit, and nothing for an event within the limits", () => {
    const wide = brazeEvent("users.behaviors.CustomEvent", {
      id: eventId(43),
      properties: { custom_properties: { list: Array.from({ length: 300 }, (_, i) => i) } },
    });
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => undefined);
    try {
      brazeToMixpanel.mapMessage(
        [
          { id: eventId(43), event: wide },
          { id: eventId(44), event: brazeEvent("users.canvas.Entry", { id: eventId(44) }) },
        ],
        undefined,
      );

      expect(warn.mock.calls.map(([, details]) => details)).toEqual([{ flow: "braze-to-mixpanel", eventId: eventId(43), cuts: { arrayItems: 46 } }]);
    } finally {
      warn.mockRestore();
    }
  });

  it("maps each valid event to one import event, and fails an invalid one alone", () => {
    const good = brazeEvent("users.canvas.Entry", { id: eventId(40) });
    const { items, failed } = brazeToMixpanel.mapMessage(
      [
        { id: eventId(40), event: good },
        { id: "bad", event: { ...good, time: "x" } },
      ],
      undefined,
    );

    expect(items).toEqual([{ eventIds: [eventId(40)], item: toMixpanelEvent(brazeEventSchema.parse(good), "external_user_id") }]);
    expect(failed.get("bad")).toMatchObject({ errorClass: "validation", field: "event.time" });
  });
});
