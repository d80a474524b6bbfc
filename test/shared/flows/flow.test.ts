import { describe, expect, it } from "vitest";
import * as z from "../../../shared/zod.js";
import { PermanentError, RetryableError, type DeliveryOutcome } from "../../../shared/errors.js";
import type { DestinationDelivery } from "../../../shared/destinations/delivery.js";
import { defineFlow, flowWorker } from "../../../shared/flows/flow.js";
import { eventKey, type WorkerMessage } from "../../../shared/queue/workerMessage.js";

/** A flow that sums the numbers of a message's events into one item, and gives every even number an item of its own. */
const sums = defineFlow({
  name: "numbers-to-sums",
  destination: "mixpanel",
  eventSchema: z.object({ n: z.number() }),
  contextSchema: z.object({ base: z.number() }),
  map: (events, context) => [
    { eventIds: events.map((event) => event.id), item: context.base + events.reduce((sum, { event }) => sum + event.n, 0) },
    ...events.filter(({ event }) => event.n % 2 === 0).map(({ id, event }) => ({ eventIds: [id], item: event.n })),
  ],
});

function message(messageId: string, events: Array<[string, unknown]>, flow = "numbers-to-sums", context: unknown = { base: 0 }): WorkerMessage {
  return {
    messageId,
    attempt: 1,
    workItem: {
      workItemId: `w-${messageId}`,
      flow,
      destination: "mixpanel",
      correlationId: "c",
      receivedAt: "2026-01-01T00:00:00.000Z",
      priorAttempts: 0,
      context,
      events: events.map(([id, event]) => ({ id, event })),
    },
  };
}

function destination(answer: (item: number) => DeliveryOutcome) {
  const delivered: number[][] = [];
  const delivery: DestinationDelivery<number> = {
    destination: "mixpanel",
    deliver: async (items) => {
      delivered.push(items.map(({ item }) => item));
      return new Map(items.map(({ key, item }) => [key, answer(item)]));
    },
  };
  return { delivered, worker: flowWorker(delivery, [sums]) };
}

describe("defineFlow", () => {
  it("uses the events its eventAsIs vouches for as they are and validates the rest with the schema", () => {
    const vouched = { n: 2 };
    const seen: unknown[] = [];
    const fast = defineFlow({
      ...sums.spec,
      eventAsIs: (raw): raw is { n: number } => raw === vouched,
      map: (events) => events.map(({ id, event }) => (seen.push(event), { eventIds: [id], item: event.n })),
    });

    const { items, failed } = fast.mapMessage(
      [
        { id: "a", event: vouched },
        { id: "b", event: { n: 3 } },
        { id: "c", event: { n: "x" } },
      ],
      { base: 0 },
    );

    expect(items).toEqual([
      { eventIds: ["a"], item: 2 },
      { eventIds: ["b"], item: 3 },
    ]);
    expect(seen[0]).toBe(vouched);
    expect(seen[1]).not.toBe(vouched);
    expect(failed.get("c")).toMatchObject({ field: "event.n" });
  });

  it("validates the context and each event, mapping only the valid ones", () => {
    const { items, failed } = sums.mapMessage(
      [
        { id: "a", event: { n: 1 } },
        { id: "b", event: { n: "x" } },
      ],
      { base: 10 },
    );

    expect(items).toEqual([{ eventIds: ["a"], item: 11 }]);
    expect(failed.get("b")).toMatchObject({ errorClass: "validation", field: "event.n", message: expect.stringContaining("expected number") });
  });

  it("fails every event of a message whose context is invalid", () => {
    const { items, failed } = sums.mapMessage([{ id: "a", event: { n: 1 } }], { base: "ten" });

    expect(items).toEqual([]);
    expect(failed.get("a")).toMatchObject({ errorClass: "validation", field: "context.base" });
    expect(failed.get("a")?.message).toMatch(/^context\.base: ./);
  });

  it("names the path of a nested invalid field in the error", () => {
    const { failed } = sums.mapMessage([{ id: "a", event: {} }], { base: 0 });

    expect(failed.get("a")).toMatchObject({ field: "event.n", message: expect.stringMatching(/^event\.n: ./) });
  });

  it("fails the valid events of a message whose mapping throws with its error, and keeps the invalid ones' own", () => {
    const refusing = defineFlow({
      name: "refusing",
      destination: "mixpanel",
      eventSchema: z.object({ n: z.number() }),
      contextSchema: z.unknown(),
      map: () => {
        throw new PermanentError("partner refuses this shape");
      },
    });

    const { items, failed } = refusing.mapMessage(
      [
        { id: "a", event: { n: 1 } },
        { id: "b", event: { n: "x" } },
      ],
      undefined,
    );

    expect(items).toEqual([]);
    expect(failed.get("a")).toMatchObject({ errorClass: "permanent", message: "partner refuses this shape" });
    expect(failed.get("b")).toMatchObject({ errorClass: "validation", field: "event.n" });
  });

  it("turns an unexpected mapping error into a retryable one", () => {
    const crashing = defineFlow({
      name: "crashing",
      destination: "mixpanel",
      eventSchema: z.unknown(),
      contextSchema: z.unknown(),
      map: () => {
        throw new TypeError("boom");
      },
    });

    const { failed } = crashing.mapMessage([{ id: "a", event: {} }], undefined);

    expect(failed.get("a")).toMatchObject({ errorClass: "retryable", message: "unexpected error: boom" });
  });
});

describe("flowWorker", () => {
  it("delivers every message of the batch in one call and gives each event the worst outcome of its items", async () => {
    const { delivered, worker } = destination((item) =>
      item === 2
        ? { kind: "failed", error: new RetryableError("busy") }
        : item === 4
          ? { kind: "failed", error: new PermanentError("no") }
          : { kind: "delivered" },
    );

    const outcomes = await worker.deliver([
      message("m1", [
        ["a", { n: 1 }],
        ["b", { n: 2 }],
      ]),
      message("m2", [
        ["c", { n: 4 }],
        ["d", { n: 5 }],
      ]),
    ]);

    expect(delivered).toEqual([[3, 2, 9, 4]]);
    expect(outcomes.get(eventKey("m1", "a"))).toEqual({ kind: "delivered" });
    expect(outcomes.get(eventKey("m1", "b"))).toMatchObject({ kind: "failed", error: { errorClass: "retryable" } });
    expect(outcomes.get(eventKey("m2", "c"))).toMatchObject({ kind: "failed", error: { errorClass: "permanent" } });
    expect(outcomes.get(eventKey("m2", "d"))).toEqual({ kind: "delivered" });
  });

  it("fails the events of a flow the destination does not run, without delivering them", async () => {
    const { delivered, worker } = destination(() => ({ kind: "delivered" }));

    const outcomes = await worker.deliver([message("m1", [["a", { n: 1 }]], "braze-to-mixpanel")]);

    expect(delivered).toEqual([]);
    expect(outcomes.get(eventKey("m1", "a"))).toMatchObject({
      kind: "failed",
      error: { errorClass: "validation", message: 'no flow "braze-to-mixpanel" delivers to mixpanel' },
    });
  });

  it("keeps an event's worst outcome when a better one comes later", async () => {
    // Item order per message: the sum first, then each even number.
    const { worker } = destination((item) => (item === 2 ? { kind: "delivered" } : { kind: "failed", error: new PermanentError("no") }));

    const outcomes = await worker.deliver([message("m1", [["b", { n: 2 }]], "numbers-to-sums", { base: 1 })]);

    expect(outcomes.get(eventKey("m1", "b"))).toMatchObject({ kind: "failed", error: { errorClass: "permanent" } });
  });

  it("ranks a permanent failure above a retryable one, and a retryable one above a delivery", async () => {
    const { worker } = destination((item) =>
      item === 6
        ? { kind: "failed", error: new PermanentError("no") }
        : item === 4
          ? { kind: "failed", error: new RetryableError("busy") }
          : { kind: "delivered" },
    );

    // m1: sum 6 (permanent) then 2 (delivered) and 4 (retryable); m2: sum 5 (delivered) then 4 (retryable).
    const outcomes = await worker.deliver([
      message("m1", [
        ["a", { n: 2 }],
        ["b", { n: 4 }],
      ]),
      message("m2", [
        ["c", { n: 1 }],
        ["d", { n: 4 }],
      ]),
    ]);

    expect(outcomes.get(eventKey("m1", "a"))).toMatchObject({ kind: "failed", error: { errorClass: "permanent" } });
    expect(outcomes.get(eventKey("m1", "b"))).toMatchObject({ kind: "failed", error: { errorClass: "permanent" } });
    expect(outcomes.get(eventKey("m2", "c"))).toEqual({ kind: "delivered" });
    expect(outcomes.get(eventKey("m2", "d"))).toMatchObject({ kind: "failed", error: { errorClass: "retryable" } });
  });

  it("lets a skipped item's outcome give way to a delivery of the same event", async () => {
    const { worker } = destination((item) => (item === 2 ? { kind: "skipped", reason: "nothing-to-send" } : { kind: "delivered" }));

    const outcomes = await worker.deliver([message("m1", [["a", { n: 2 }]], "numbers-to-sums", { base: 1 })]);

    expect(outcomes.get(eventKey("m1", "a"))).toEqual({ kind: "delivered" });
  });

  it("fails, retryably, the events of an item the destination gave no outcome for", async () => {
    const silent = flowWorker<number>({ destination: "mixpanel", deliver: async () => new Map() }, [sums]);

    const outcomes = await silent.deliver([message("m1", [["a", { n: 1 }]])]);

    expect(outcomes.get(eventKey("m1", "a"))).toMatchObject({
      kind: "failed",
      error: { errorClass: "retryable", message: expect.stringContaining("no outcome") },
    });
  });

  it("fails the events of a flow that feeds another destination, even when it is in the worker's list", async () => {
    const other = defineFlow<unknown, unknown, number>({
      name: "to-mparticle",
      destination: "mparticle",
      eventSchema: z.unknown(),
      contextSchema: z.unknown(),
      map: () => [],
    });
    const delivered: unknown[] = [];
    const worker = flowWorker<number>(
      {
        destination: "mixpanel",
        deliver: async (items) => {
          delivered.push(items);
          return new Map();
        },
      },
      [other],
    );

    const outcomes = await worker.deliver([message("m1", [["a", {}]], "to-mparticle")]);

    expect(delivered).toEqual([]);
    expect(outcomes.get(eventKey("m1", "a"))).toMatchObject({ kind: "failed", error: { errorClass: "validation", field: "flow" } });
  });

  it("ranks a permanent failure above a retryable one that came first", async () => {
    const { worker } = destination((item) =>
      item === 2 ? { kind: "failed", error: new PermanentError("no") } : { kind: "failed", error: new RetryableError("busy") },
    );

    const outcomes = await worker.deliver([message("m1", [["a", { n: 2 }]], "numbers-to-sums", { base: 1 })]);

    expect(outcomes.get(eventKey("m1", "a"))).toMatchObject({ kind: "failed", error: { errorClass: "permanent" } });
  });

  it("lets a delivery outrank a skip that came first, and keeps the first of two equal outcomes", async () => {
    const skipFirst = destination((item) => (item === 3 ? { kind: "skipped", reason: "duplicate" } : { kind: "delivered" }));
    const twoFailures = destination((item) => ({ kind: "failed", error: new PermanentError(`refused ${item}`) }));

    const skipped = await skipFirst.worker.deliver([message("m1", [["a", { n: 2 }]], "numbers-to-sums", { base: 1 })]);
    const failed = await twoFailures.worker.deliver([message("m1", [["a", { n: 2 }]], "numbers-to-sums", { base: 1 })]);

    expect(skipped.get(eventKey("m1", "a"))).toEqual({ kind: "delivered" });
    expect(failed.get(eventKey("m1", "a"))).toMatchObject({ kind: "failed", error: { message: "refused 3" } });
  });

  it("gives an event the destination's own skip reason in place of nothing-to-send", async () => {
    const { worker } = destination(() => ({ kind: "skipped", reason: "duplicate" }));

    const outcomes = await worker.deliver([message("m1", [["a", { n: 1 }]])]);

    expect(outcomes.get(eventKey("m1", "a"))).toEqual({ kind: "skipped", reason: "duplicate" });
  });

  it("fails an invalid event of a message with its validation error, and delivers the others", async () => {
    const { delivered, worker } = destination(() => ({ kind: "delivered" }));

    const outcomes = await worker.deliver([
      message("m1", [
        ["a", { n: 1 }],
        ["b", { n: "x" }],
      ]),
    ]);

    expect(delivered).toEqual([[1]]);
    expect(outcomes.get(eventKey("m1", "a"))).toEqual({ kind: "delivered" });
    expect(outcomes.get(eventKey("m1", "b"))).toMatchObject({ kind: "failed", error: { errorClass: "validation", field: "event.n" } });
  });

  it("counts an event the mapping leaves out as skipped", async () => {
    const none = flowWorker<number>({ destination: "mixpanel", deliver: async () => new Map() }, [
      defineFlow({ name: "drop-all", destination: "mixpanel", eventSchema: z.unknown(), contextSchema: z.unknown(), map: () => [] }),
    ]);

    const outcomes = await none.deliver([message("m1", [["a", {}]], "drop-all")]);

    expect(outcomes.get(eventKey("m1", "a"))).toEqual({ kind: "skipped", reason: "nothing-to-send" });
  });
});
