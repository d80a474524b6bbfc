import { describe, expect, it } from "vitest";
import { readableEventName } from "../../../shared/flows/brazeEventNames.js";
import { fixtureEventTypes } from "../sources/braze/factories.js";

describe("readableEventName", () => {
  it.each([
    ["users.messages.pushnotification.Send", "Push Notification Send"],
    ["users.messages.email.Delivery", "Email Delivery"],
    ["users.messages.email.MarkAsSpam", "Email Mark As Spam"],
    ["users.messages.pushnotification.IosForeground", "Push Notification iOS Foreground"],
    ["users.messages.inappmessage.Click", "In-App Message Click"],
    ["users.messages.sms.ShortLinkClick", "SMS Short Link Click"],
    ["users.canvas.Entry", "Canvas Entry"],
    ["users.campaigns.Conversion", "Campaign Conversion"],
    ["users.behaviors.app.SessionStart", "Session Start"],
    ["users.behaviors.Purchase", "Purchase"],
    ["users.behaviors.Uninstall", "Uninstall"],
  ])("names %s %s", (eventType, name) => {
    expect(readableEventName(eventType)).toBe(name);
  });

  it("builds a name for event types Braze adds later", () => {
    expect(readableEventName("users.messages.telegram.LinkClick")).toBe("Telegram Link Click");
    expect(readableEventName("users.behaviors.app.NewThing")).toBe("Behaviors App New Thing");
  });

  it("gives every fixture event type a distinct name", () => {
    const types = fixtureEventTypes();

    const names = new Set(types.map(readableEventName));

    expect(names.size).toBe(types.length);
  });
});
