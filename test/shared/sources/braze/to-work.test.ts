import { describe, expect, it } from "vitest";
import { routingFromEnv } from "../../../../shared/sources/braze/routing.js";
import { currentsToWork, type CurrentsContext } from "../../../../shared/sources/braze/to-work.js";
import { deriveWorkItemId } from "../../../../shared/queue/workItem.js";
import { brazeEvent, eventId, fixtureEventTypes } from "./factories.js";

function context(env: NodeJS.ProcessEnv = {}): CurrentsContext {
  return { correlationId: "corr-1", receivedAt: "2026-01-01T00:00:00.000Z", routing: routingFromEnv(env), mparticleAttributePrefix: "" };
}

describe("currentsToWork", () => {
  it("makes one work item per event per destination, ids derived from the Braze id", () => {
    const events = [brazeEvent("users.messages.pushnotification.Send", { id: eventId(1) }), brazeEvent("users.behaviors.Purchase", { id: eventId(2) })];

    const work = currentsToWork(events, context());

    expect(work.workItems.map((item) => [item.destination, item.workItemId])).toEqual([
      ["mparticle", deriveWorkItemId("braze", eventId(1), "mparticle")],
      ["mixpanel", deriveWorkItemId("braze", eventId(1), "mixpanel")],
      ["mixpanel", deriveWorkItemId("braze", eventId(2), "mixpanel")],
    ]);
    expect(work.workItems[0]).toMatchObject({ correlationId: "corr-1", receivedAt: "2026-01-01T00:00:00.000Z" });
    expect(work.workItems[0]?.payload).toMatchObject({ feed: "android", customerId: "external_user_id" });
    expect(work.workItems[1]?.payload).toMatchObject({ event: "Push Notification Send" });
  });

  it("counts a repeated Braze id once", () => {
    const event = brazeEvent("users.canvas.Entry", { id: eventId(7) });

    const work = currentsToWork([event, { ...event }, event], context());

    expect(work.workItems).toHaveLength(2);
    expect(work.duplicates).toBe(2);
  });

  it("skips users without external_user_id, naming the destinations they would have reached", () => {
    const events = [brazeEvent("users.messages.email.Open", { id: eventId(3), externalUserId: null })];

    const work = currentsToWork(events, context());

    expect(work.workItems).toEqual([]);
    expect(work.skipped).toEqual([
      { eventId: eventId(3), eventType: "users.messages.email.Open", reason: "no-external-user-id", destinations: ["mparticle", "mixpanel"] },
    ]);
  });

  it("skips event types no enabled destination takes", () => {
    const events = [brazeEvent("users.behaviors.Purchase", { id: eventId(4) })];

    const work = currentsToWork(events, context({ BRAZE_TO_MIXPANEL: "off" }));

    expect(work.workItems).toEqual([]);
    expect(work.skipped[0]).toMatchObject({ reason: "not-routed", destinations: [] });
  });

  it("rejects a malformed event alone, for the destinations its type routes to", () => {
    const bad = { ...brazeEvent("users.behaviors.CustomEvent", { id: eventId(5) }), time: "soon" };
    const events = [brazeEvent("users.canvas.Entry", { id: eventId(6) }), bad];

    const work = currentsToWork(events, context());

    expect(work.workItems).toHaveLength(2);
    expect(work.rejected).toHaveLength(1);
    expect(work.rejected[0]?.error.message).toBe("events.1.time: Invalid input: expected number, received string");
    expect(work.rejected[0]?.error.field).toBe("events.1.time");
    expect(work.rejected[0]?.workItems).toEqual([
      { workItemId: deriveWorkItemId("braze", eventId(5), "mixpanel"), destination: "mixpanel", correlationId: "corr-1", receivedAt: "2026-01-01T00:00:00.000Z", payload: bad },
    ]);
  });

  it("parks an event whose type cannot be read in every enabled destination", () => {
    const work = currentsToWork(["not an event"], context({ BRAZE_TO_MPARTICLE: "off" }));

    expect(work.rejected[0]?.destinations).toEqual(["mixpanel"]);
    expect(work.rejected[0]?.workItems[0]?.workItemId).toBe(deriveWorkItemId("braze", '"not an event"', "mixpanel"));
  });

  it("routes every fixture event type by the default table", () => {
    const events = fixtureEventTypes().map((type, index) => brazeEvent(type, { id: eventId(index) }));

    const work = currentsToWork(events, context());

    const count = (destination: string) => work.workItems.filter((item) => item.destination === destination).length;
    expect(work.rejected).toEqual([]);
    expect(count("mparticle")).toBe(81);
    expect(count("mixpanel")).toBe(88);
    expect(work.skipped.map((skipped) => skipped.eventType).sort()).toEqual([
      "agentconsole.AgentExecuted",
      "agentconsole.ToolInvocation",
      "users.behaviors.liveactivity.PushToStartTokenChange",
      "users.behaviors.liveactivity.UpdateTokenChange",
      "users.behaviors.pushnotification.TokenStateChange",
    ]);
  });

  it("passes the configured attribute prefix to the mParticle mapping", () => {
    const events = [brazeEvent("users.canvas.Entry", { id: eventId(8) })];

    const work = currentsToWork(events, { ...context(), mparticleAttributePrefix: "braze_" });

    expect(work.workItems[0]?.payload).toMatchObject({ event: { data: { custom_attributes: { braze_canvas_name: "canvas_name" } } } });
  });
});
