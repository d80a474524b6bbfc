import { describe, expect, it } from "vitest";
import { deriveWorkItemId, workItemSchema } from "../../../shared/queue/workItem.js";

const valid = {
  workItemId: "w-1",
  flow: "braze-to-mparticle",
  destination: "mparticle",
  correlationId: "c-1",
  receivedAt: "2026-01-01T00:00:00.000Z",
  events: [{ id: "e-1", event: { anything: true } }],
};

describe("workItemSchema", () => {
  it("accepts source events with their ids and counts no prior attempts by default", () => {
    expect(workItemSchema.parse(valid)).toEqual({ ...valid, priorAttempts: 0 });
  });

  it.each([
    ["no events", { ...valid, events: [] }, "events"],
    ["an event without id", { ...valid, events: [{ event: {} }] }, "events.0.id"],
    ["an unknown destination", { ...valid, destination: "braze" }, "destination"],
    ["no flow", { ...valid, flow: undefined }, "flow"],
  ])("refuses %s", (_label, value, path) => {
    const result = workItemSchema.safeParse(value);

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path.join(".")).toBe(path);
  });
});

describe("deriveWorkItemId", () => {
  it("is stable, 32 hex characters, and separates its parts", () => {
    expect(deriveWorkItemId("a", "b")).toBe(deriveWorkItemId("a", "b"));
    expect(deriveWorkItemId("a", "b")).toMatch(/^[0-9a-f]{32}$/);
    expect(deriveWorkItemId("ab")).not.toBe(deriveWorkItemId("a", "b"));
  });
});
