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

  it("names a channel it knows in a new event type the way it names its messages", () => {
    expect(readableEventName("users.messages.rcs.Read")).toBe("RCS Read");
    expect(readableEventName("users.messages.sms.IosForeground")).toBe("SMS iOS Foreground");
    expect(readableEventName("users.sms.Optin")).toBe("SMS Optin");
  });

  it("builds a name from every segment of an event type outside users, and of a message type of another shape", () => {
    expect(readableEventName("agentconsole.NewStep")).toBe("Agentconsole New Step");
    expect(readableEventName("users.messages.email.click.Tracked")).toBe("Messages Email Click Tracked");
    expect(readableEventName("users.messages.email")).toBe("Messages Email");
    expect(readableEventName("users..canvas..NewThing")).toBe("Canvas New Thing");
  });

  it("keeps an event type with no words as its own name", () => {
    expect(readableEventName("...")).toBe("...");
    expect(readableEventName("users")).toBe("users");
  });

  it("splits words at a digit followed by a capital, and keeps a run of capitals together", () => {
    expect(readableEventName("users.messages.email.Open2Click")).toBe("Email Open2 Click");
    expect(readableEventName("users.messages.email.SMSLink")).toBe("Email SMSLink");
  });

  it("gives the same name to a type it has named before", () => {
    const first = readableEventName("users.messages.email.Forward");

    expect(readableEventName("users.messages.email.Forward")).toBe(first);
    expect(first).toBe("Email Forward");
  });

  it("gives every fixture event type a distinct name", () => {
    const types = fixtureEventTypes();

    const names = new Set(types.map(readableEventName));

    expect(names.size).toBe(types.length);
  });
});
