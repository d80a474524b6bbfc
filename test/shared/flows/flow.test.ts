import { describe, expect, it } from "vitest";
import { z } from "zod";
import { PermanentError, RetryableError, type DeliveryOutcome } from "../../../shared/errors.js";
import type { DestinationDelivery } from "../../../shared/destinations/delivery.js";
import { defineFlow, flowWorker } from "../../../shared/flows/flow.js";
import { eventKey, type WorkerMessage } from "../../../shared/queue/worker.js";

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
    workItem: { workItemId: `w-${messageId}`, flow, destination: "mixpanel", correlationId: "c", receivedAt: "2026-01-01T00:00:00.000Z", priorAttempts: 0, context, events: events.map(([id, event]) => ({ id, event })) },
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
  it("validates the context and each event, mapping only the valid ones", () => {
    const { items, failed } = sums.mapMessage([{ id: "a", event: { n: 1 } }, { id: "b", event: { n: "x" } }], { base: 10 });

    expect(items).toEqual([{ eventIds: ["a"], item: 11 }]);
    expect(failed.get("b")).toMatchObject({ errorClass: "validation", field: "event.n" });
  });

  it("fails every event of a message whose context is invalid", () => {
    const { items, failed } = sums.mapMessage([{ id: "a", event: { n: 1 } }], { base: "ten" });

    expect(items).toEqual([]);
    expect(failed.get("a")).toMatchObject({ errorClass: "validation", field: "context.base" });
  });
});

describe("flowWorker", () => {
  it("delivers every message of the batch in one call and gives each event the worst outcome of its items", async () => {
    const { delivered, worker } = destination((item) =>
      item === 2 ? { kind: "failed", error: new RetryableError("busy") } : item === 4 ? { kind: "failed", error: new PermanentError("no") } : { kind: "delivered" },
    );

    const outcomes = await worker.deliver([message("m1", [["a", { n: 1 }], ["b", { n: 2 }]]), message("m2", [["c", { n: 4 }], ["d", { n: 5 }]])]);

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
    expect(outcomes.get(eventKey("m1", "a"))).toMatchObject({ kind: "failed", error: { errorClass: "validation", message: 'no flow "braze-to-mixpanel" delivers to mixpanel' } });
  });

  it("counts an event the mapping leaves out as skipped", async () => {
    const none = flowWorker<number>({ destination: "mixpanel", deliver: async () => new Map() }, [
      defineFlow({ name: "drop-all", destination: "mixpanel", eventSchema: z.unknown(), contextSchema: z.unknown(), map: () => [] }),
    ]);

    const outcomes = await none.deliver([message("m1", [["a", {}]], "drop-all")]);

    expect(outcomes.get(eventKey("m1", "a"))).toEqual({ kind: "skipped", reason: "nothing-to-send" });
  });
});
