import { describe, expect, it } from "vitest";
import { brazeEventSchema, currentsBatchSchema } from "../../../../shared/sources/braze/schema.js";
import { brazeEvent, fixture, fixtureEventTypes } from "./factories.js";

describe("brazeEventSchema", () => {
  it.each(fixtureEventTypes())("accepts the %s fixture", (eventType) => {
    const raw = fixture(eventType);

    const result = brazeEventSchema.safeParse(raw);

    expect(result.success).toBe(true);
    expect(result.data?.event_type).toBe(eventType);
  });

  it("accepts unknown event types and keeps unknown fields", () => {
    const raw = { ...brazeEvent("users.messages.email.Send"), event_type: "users.messages.telegram.Send", brand_new: 1 };
    raw.properties.future_field = { nested: true };

    const parsed = brazeEventSchema.parse(raw);

    expect(parsed.event_type).toBe("users.messages.telegram.Send");
    expect(parsed.properties.future_field).toEqual({ nested: true });
    expect((parsed as Record<string, unknown>).brand_new).toBe(1);
  });

  it("defaults a missing user and properties to empty objects", () => {
    const parsed = brazeEventSchema.parse({ event_type: "users.behaviors.Uninstall", id: "x", time: 1 });

    expect(parsed.user).toEqual({});
    expect(parsed.properties).toEqual({});
  });

  it.each([
    ["id", { id: undefined }],
    ["time", { time: "yesterday" }],
    ["event_type", { event_type: "" }],
  ])("rejects an event with a bad %s", (field, change) => {
    const raw = { ...brazeEvent("users.canvas.Entry"), ...change };

    const result = brazeEventSchema.safeParse(raw);

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([field]);
  });

  it("rejects a typed field of the wrong type (platform)", () => {
    const raw = brazeEvent("users.behaviors.app.SessionStart", { properties: { platform: 7 } });

    const result = brazeEventSchema.safeParse(raw);

    expect(result.error?.issues[0]?.path).toEqual(["properties", "platform"]);
  });
});

describe("currentsBatchSchema", () => {
  it("needs an events array but not valid events", () => {
    expect(currentsBatchSchema.safeParse({ events: [1, "x"] }).success).toBe(true);
    expect(currentsBatchSchema.safeParse({ events: {} }).error?.issues[0]?.path).toEqual(["events"]);
    expect(currentsBatchSchema.safeParse({}).error?.issues[0]?.path).toEqual(["events"]);
  });
});
