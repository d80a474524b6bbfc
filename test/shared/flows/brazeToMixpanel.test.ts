import { describe, expect, it } from "vitest";
import { mixpanelEventSchema } from "../../../shared/destinations/mixpanel/schema.js";
import { brazeToMixpanel, toMixpanelEvent } from "../../../shared/flows/brazeToMixpanel.js";
import { brazeEventSchema } from "../../../shared/sources/braze/schema.js";
import { validateImportEvent } from "../../../infra/local/sandboxes/mixpanel.js";
import { brazeEvent, eventId, fixtureEventTypes, type EventOverrides } from "../sources/braze/factories.js";

function mapped(eventType: string, overrides: EventOverrides = {}) {
  return toMixpanelEvent(brazeEventSchema.parse(brazeEvent(eventType, overrides)), "external_user_id");
}

describe("toMixpanelEvent", () => {
  it("maps a custom event to [Braze Custom Event] <name> with prefixed properties", () => {
    const result = mapped("users.behaviors.CustomEvent", { id: eventId(1), time: 1767225600 });

    expect(result).toEqual({
      event: "[Braze Custom Event] name",
      properties: {
        ad_id: "f47ac10b-58cc-4372-a567-0e02b2c3d479",
        ad_id_type: "ios_idfa",
        ad_tracking_enabled: true,
        app_group_id: "f47ac10b-58cc-4372-a567-0e02b2c3d479",
        app_id: "f47ac10b-58cc-4372-a567-0e02b2c3d479",
        device_model: "device_model",
        os_version: "17.6.1",
        platform: "android",
        "[Custom event property] listProperty": ["a"],
        "[Custom event property] numberProperty": 1,
        "[Custom event property] stringProperty": "properties",
        $os: "Android",
        $os_version: "17.6.1",
        $device: "device_model",
        distinct_id: "external_user_id",
        time: 1767225600000,
        $insert_id: eventId(1),
        $partner_id: "braze",
      },
    });
  });

  it("maps a purchase with product, price, currency and prefixed purchase properties", () => {
    const result = mapped("users.behaviors.Purchase", { id: eventId(2), platform: "ios" });

    expect(result.event).toBe("Purchase");
    expect(result.properties).toMatchObject({
      product: "product_id",
      price: 3.14,
      currency: "USD",
      "[Purchase property] listProperty": ["a"],
      "[Purchase property] numberProperty": 1,
      "[Purchase property] stringProperty": "properties",
      $os: "iOS",
      $insert_id: eventId(2),
    });
    expect(result.properties).not.toHaveProperty("purchase_properties");
    expect(result.properties).not.toHaveProperty("product_id");
  });

  it.each([
    ["users.messages.pushnotification.Send", "Push Notification Send"],
    ["users.messages.email.Delivery", "Email Delivery"],
    ["users.canvas.Entry", "Canvas Entry"],
    ["users.campaigns.Conversion", "Campaign Conversion"],
    ["users.behaviors.app.SessionStart", "Session Start"],
    ["users.behaviors.Uninstall", "Uninstall"],
  ])("names %s %s and passes its properties on", (eventType, name) => {
    const result = mapped(eventType);

    expect(result.event).toBe(name);
    expect(result.properties.app_group_id).toBe("f47ac10b-58cc-4372-a567-0e02b2c3d479");
    expect(result.properties.$partner_id).toBe("braze");
  });

  it("uses the Braze id exactly as $insert_id, even when Mixpanel will refuse it", () => {
    const id = "x".repeat(40);

    expect(mapped("users.canvas.Entry", { id }).properties.$insert_id).toBe(id);
  });

  it("leaves $os out when Braze sent no platform", () => {
    expect(mapped("users.messages.email.Send").properties).not.toHaveProperty("$os");
  });

  it.each(fixtureEventTypes())("maps the %s fixture to an event Mixpanel's strict mode accepts", (eventType) => {
    expect(mixpanelEventSchema.safeParse(mapped(eventType, { time: 1767225600 })).success).toBe(true);
    expect(validateImportEvent(mapped(eventType, { time: 1767225600 }))).toBeUndefined();
  });
});

describe("brazeToMixpanel.mapMessage", () => {
  it("maps each valid event to one import event, and fails an invalid one alone", () => {
    const good = brazeEvent("users.canvas.Entry", { id: eventId(40) });
    const { items, failed } = brazeToMixpanel.mapMessage([{ id: eventId(40), event: good }, { id: "bad", event: { ...good, time: "x" } }], undefined);

    expect(items).toEqual([{ eventIds: [eventId(40)], item: toMixpanelEvent(brazeEventSchema.parse(good), "external_user_id") }]);
    expect(failed.get("bad")).toMatchObject({ errorClass: "validation", field: "event.time" });
  });
});
