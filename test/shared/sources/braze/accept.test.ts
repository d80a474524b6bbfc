import { describe, expect, it } from "vitest";
import { currentsRoutes, currentRouting } from "../../../../shared/flows/brazeRouting.js";
import { accept, acceptBody, type CurrentsContext } from "../../../../shared/sources/braze/accept.js";
import { deriveWorkItemId } from "../../../../shared/queue/workItem.js";
import { withEnv } from "../../../support/env.js";
import { brazeEvent, eventId, fixtureEventTypes } from "./factories.js";

function context(env: Record<string, string> = {}): CurrentsContext {
  const routing = withEnv({ BRAZE_TO_MPARTICLE: undefined, BRAZE_TO_MIXPANEL: undefined, ...env }, currentRouting);
  return { correlationId: "corr-1", receivedAt: "2026-01-01T00:00:00.000Z", routes: currentsRoutes(routing) };
}

describe("accept (Braze Currents)", () => {
  it("gives each route one work batch of the validated events it takes", () => {
    const events = [brazeEvent("users.messages.pushnotification.Send", { id: eventId(1) }), brazeEvent("users.behaviors.Purchase", { id: eventId(2) })];

    const work = accept(events, context());

    expect(work.workItems.map((batch) => [batch.flow, batch.destination, batch.events.map((event) => event.id)])).toEqual([
      ["braze-to-mparticle", "mparticle", [eventId(1)]],
      ["braze-to-mixpanel", "mixpanel", [eventId(1), eventId(2)]],
    ]);
    expect(work.workItems[0]).toMatchObject({ correlationId: "corr-1", receivedAt: "2026-01-01T00:00:00.000Z" });
    // The queue carries the Braze event as validated, not a partner request.
    expect(work.workItems[0]?.events[0]?.event).toMatchObject({
      event_type: "users.messages.pushnotification.Send",
      user: { external_user_id: "external_user_id" },
    });
    expect(work.summary).toEqual({ events: 2, workItems: 3, duplicates: 0, skipped: 0, rejected: 0 });
  });

  it("counts a repeated Braze id once", () => {
    const event = brazeEvent("users.canvas.Entry", { id: eventId(7) });

    const work = accept([event, { ...event }, event], context());

    expect(work.summary.workItems).toBe(2);
    expect(work.duplicates).toBe(2);
  });

  it("skips users without external_user_id, naming the destinations they would have reached", () => {
    const events = [brazeEvent("users.messages.email.Open", { id: eventId(3), externalUserId: null })];

    const work = accept(events, context());

    expect(work.workItems).toEqual([]);
    expect(work.skipped).toEqual([
      { eventId: eventId(3), eventType: "users.messages.email.Open", reason: "no-external-user-id", destinations: ["mparticle", "mixpanel"] },
    ]);
  });

  it("skips event types no enabled destination takes", () => {
    const work = accept([brazeEvent("users.behaviors.Purchase", { id: eventId(4) })], context({ BRAZE_TO_MIXPANEL: "off" }));

    expect(work.workItems).toEqual([]);
    expect(work.skipped[0]).toMatchObject({ reason: "not-routed", destinations: [] });
  });

  it("rejects a malformed event alone, for the destinations its type routes to", () => {
    const bad = { ...brazeEvent("users.behaviors.CustomEvent", { id: eventId(5) }), time: "soon" };
    const events = [brazeEvent("users.canvas.Entry", { id: eventId(6) }), bad];

    const work = accept(events, context());

    expect(work.summary).toMatchObject({ workItems: 2, rejected: 1 });
    expect(work.rejected).toHaveLength(1);
    expect(work.rejected[0]?.error.message).toBe("events.1.time: Invalid input: expected number, received string");
    expect(work.rejected[0]?.error.field).toBe("events.1.time");
    expect(work.rejected[0]?.batch).toEqual({
      flow: "braze-to-mixpanel",
      destination: "mixpanel",
      correlationId: "corr-1",
      receivedAt: "2026-01-01T00:00:00.000Z",
      events: [{ id: eventId(5), event: bad }],
    });
  });

  it("parks an event whose type cannot be read in every enabled destination, keyed on its content", () => {
    const work = accept(["not an event"], context({ BRAZE_TO_MPARTICLE: "off" }));

    expect(work.rejectedEvents[0]?.destinations).toEqual(["mixpanel"]);
    expect(work.rejected[0]?.batch.events[0]?.id).toBe(deriveWorkItemId('"not an event"'));
  });

  it("routes every fixture event type by the default table", () => {
    const events = fixtureEventTypes().map((type, index) => brazeEvent(type, { id: eventId(index) }));

    const work = accept(events, context());

    const count = (destination: string) => work.workItems.find((batch) => batch.destination === destination)?.events.length;
    expect(work.rejected).toEqual([]);
    expect(count("mparticle")).toBe(81);
    // Mixpanel also takes the token-change events (the glossary has Mixpanel tabs for them).
    expect(count("mixpanel")).toBe(91);
    expect(work.skipped.map((skipped) => skipped.eventType).sort()).toEqual(["agentconsole.AgentExecuted", "agentconsole.ToolInvocation"]);
  });
});

describe("acceptBody (Braze Currents)", () => {
  it("takes a Currents batch as accept does", () => {
    const events = [brazeEvent("users.canvas.Entry", { id: eventId(1) })];

    expect(acceptBody({ events }, context())).toEqual(accept(events, context()));
  });

  it("parks a body that is no batch whole, as it came, for every enabled route, keyed on the body's id", () => {
    const body = { id: "braze-request-1", data: [{ event_type: "users.canvas.Entry" }] };

    const work = acceptBody(body, context());

    expect(work.workItems).toEqual([]);
    expect(work.rejected.map(({ batch, error }) => [batch.destination, batch.events, error.message, error.field])).toEqual([
      ["mparticle", [{ id: "braze-request-1", event: body }], "events: Invalid input: expected array, received undefined", "events"],
      ["mixpanel", [{ id: "braze-request-1", event: body }], "events: Invalid input: expected array, received undefined", "events"],
    ]);
    expect(work.rejectedEvents).toEqual([{ error: work.rejected[0]?.error, destinations: ["mparticle", "mixpanel"] }]);
    expect(work.summary).toEqual({ events: 0, workItems: 0, duplicates: 0, skipped: 0, rejected: 1 });
  });

  it("keys a body without an id on its content and names the body as the field when it is not an object", () => {
    const work = acceptBody([1, 2], context({ BRAZE_TO_MPARTICLE: "off" }));

    expect(work.rejected.map(({ batch, error }) => [batch.destination, batch.events[0]?.id, error.field])).toEqual([
      ["mixpanel", deriveWorkItemId("[1,2]"), "body"],
    ]);
  });
});
