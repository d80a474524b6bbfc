import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { packWorkBatch } from "../../../shared/queue/enqueue.js";
import { deriveWorkItemId, isWorkItemAsIs, workItemSchema } from "../../../shared/queue/workItem.js";

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

describe("isWorkItemAsIs (the schema's fast path)", () => {
  it("vouches for the messages ingest writes", () => {
    const { messages } = packWorkBatch({
      ...valid,
      destination: "mparticle",
      events: [
        { id: "e-1", event: { anything: true } },
        { id: "e-2", event: [1, "two"] },
      ],
      context: { a: 1 },
    });
    const body = JSON.parse(messages[0]?.body ?? "") as unknown;

    expect(isWorkItemAsIs(body)).toBe(true);
    expect(workItemSchema.parse(body)).toEqual(body);
  });

  it("vouches for the carry-overs workers write", () => {
    const { messages } = packWorkBatch({
      ...valid,
      destination: "mparticle",
      priorAttempts: 1,
      carriedAt: "2026-01-01T00:00:05.000Z",
      carriedFrom: ["c-1", "c-2"],
    });
    const body = JSON.parse(messages[0]?.body ?? "") as unknown;

    expect(isWorkItemAsIs(body)).toBe(true);
    expect(workItemSchema.parse(body)).toEqual(body);
  });

  it.each([
    ["no prior attempts (the schema fills the default)", { ...valid }],
    ["an extra field (the schema drops it)", { ...valid, priorAttempts: 0, extra: 1 }],
    ["an event with an extra field", { ...valid, priorAttempts: 0, events: [{ id: "e-1", event: 1, extra: 1 }] }],
    ["a receivedAt that is no timestamp", { ...valid, priorAttempts: 0, receivedAt: "yesterday" }],
    ["negative prior attempts", { ...valid, priorAttempts: -1 }],
    ["carriedFrom that is no list", { ...valid, priorAttempts: 0, carriedFrom: "c-1" }],
    ["carriedFrom with an id that is no string", { ...valid, priorAttempts: 0, carriedFrom: ["c-1", 2] }],
  ])("leaves a work item with %s to the schema", (_label, value) => {
    expect(isWorkItemAsIs(value)).toBe(false);
  });

  it("vouches only for work items the schema accepts and returns equal", () => {
    const text = fc.oneof({ arbitrary: fc.string({ minLength: 1 }), weight: 8 }, fc.constant(""), fc.integer(), fc.constant(null));
    // Mostly absent: undefined does not survive JSON.
    const rarely = fc.oneof({ arbitrary: fc.constant(undefined), weight: 8 }, fc.jsonValue());
    const queued = fc.record({ id: text, event: fc.jsonValue(), extra: rarely });
    const item = fc.record(
      {
        workItemId: text,
        flow: text,
        destination: fc.oneof({ arbitrary: fc.constantFrom("mparticle", "mixpanel", "pushwoosh"), weight: 8 }, text),
        correlationId: text,
        receivedAt: fc.oneof(
          { arbitrary: fc.date({ noInvalidDate: true, min: new Date(0), max: new Date("9999-12-31") }).map((date) => date.toISOString()), weight: 8 },
          fc.string(),
        ),
        priorAttempts: fc.oneof({ arbitrary: fc.nat(), weight: 8 }, fc.integer(), fc.double()),
        carriedAt: fc.oneof(
          { arbitrary: fc.constant(undefined), weight: 4 },
          fc.date({ noInvalidDate: true, min: new Date(0), max: new Date("9999-12-31") }).map((date) => date.toISOString()),
          fc.string(),
        ),
        carriedFrom: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, fc.array(fc.string(), { maxLength: 3 }), fc.jsonValue()),
        context: fc.jsonValue(),
        events: fc.oneof({ arbitrary: fc.array(queued, { maxLength: 4 }), weight: 8 }, fc.jsonValue()),
        extra: rarely,
      },
      { requiredKeys: ["workItemId", "flow", "destination", "correlationId", "receivedAt", "priorAttempts", "events"] },
    );
    let vouched = 0;
    fc.assert(
      fc.property(item, (generated) => {
        const value = JSON.parse(JSON.stringify(generated)) as unknown;
        if (!isWorkItemAsIs(value)) return;
        vouched++;
        const parsed = workItemSchema.safeParse(value);
        expect(parsed.success).toBe(true);
        expect(parsed.data).toEqual(value);
      }),
      { numRuns: 2000 },
    );
    // The property said something: a good share of the work items were vouched for.
    expect(vouched).toBeGreaterThan(50);
  });
});
