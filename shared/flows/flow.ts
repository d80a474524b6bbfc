import type * as z from "../zod.js";
import { ValidationError, toRelayError, validationErrorOf, type DeliveryOutcome, type RelayError } from "../errors.js";
import type { DestinationDelivery, KeyedItem } from "../destinations/delivery.js";
import type { Destination } from "../queue/definition.js";
import { eventKey } from "../queue/workerMessage.js";
import type { BatchCarry, DestinationWorker } from "../queue/workerRuntime.js";
import type { QueuedEvent } from "../queue/workItem.js";

/** One destination item and the source events it stands for (its outcome becomes theirs). */
export interface MappedItem<Item> {
  eventIds: string[];
  item: Item;
}

/** A flow as written: the source's event and context schemas and the worker-side mapping. */
export interface FlowSpec<SourceEvent, Context, Item> {
  name: string;
  destination: Destination;
  eventSchema: z.ZodMiniType<SourceEvent>;
  /**
   * Optional, for speed: whether a queued event already is what `eventSchema` would return for it, so it is
   * used as it is; events it does not vouch for go through the schema (which names what is wrong).
   */
  eventAsIs?: (raw: unknown) => raw is SourceEvent;
  /** The same for a message's context and `contextSchema`. */
  contextAsIs?: (raw: unknown) => raw is Context;
  contextSchema: z.ZodMiniType<Context>;
  /** Pure: one message's valid events → the destination's items. Events it leaves out are skipped. */
  map(events: Array<{ id: string; event: SourceEvent }>, context: Context): MappedItem<Item>[];
}

/** A flow as the worker runs it: validation inside, so flows of different sources sit in one registry. */
export interface Flow<Item> {
  name: string;
  destination: Destination;
  mapMessage(events: QueuedEvent[], context: unknown): { items: MappedItem<Item>[]; failed: Map<string, RelayError> };
}

export function defineFlow<SourceEvent, Context, Item>(
  spec: FlowSpec<SourceEvent, Context, Item>,
): Flow<Item> & { spec: FlowSpec<SourceEvent, Context, Item> } {
  return {
    name: spec.name,
    destination: spec.destination,
    spec,
    mapMessage(events, rawContext) {
      const failed = new Map<string, RelayError>();
      const context = spec.contextAsIs?.(rawContext) ? { success: true as const, data: rawContext } : spec.contextSchema.safeParse(rawContext);
      if (!context.success) {
        const error = validationErrorOf(context.error, ["context"]);
        for (const queued of events) failed.set(queued.id, error);
        return { items: [], failed };
      }
      const valid: Array<{ id: string; event: SourceEvent }> = [];
      for (const queued of events) {
        if (spec.eventAsIs?.(queued.event)) {
          valid.push({ id: queued.id, event: queued.event });
          continue;
        }
        const parsed = spec.eventSchema.safeParse(queued.event);
        if (parsed.success) valid.push({ id: queued.id, event: parsed.data });
        else failed.set(queued.id, validationErrorOf(parsed.error, ["event"]));
      }
      try {
        return { items: spec.map(valid, context.data), failed };
      } catch (thrown) {
        const error = toRelayError(thrown);
        for (const { id } of valid) failed.set(id, error);
        return { items: [], failed };
      }
    },
  };
}

// Carried outranks delivered: an event with one item sent and one carried comes back whole (a duplicate,
// never a loss); the carrying flows map each event to one item.
const RANK: Record<string, number> = { skipped: 0, delivered: 1, carried: 2, retryable: 3 };
function rank(outcome: DeliveryOutcome): number {
  if (outcome.kind !== "failed") return RANK[outcome.kind] ?? 0;
  return outcome.error.errorClass === "retryable" ? 3 : 4;
}

/**
 * A queue's worker from its destination and the flows that feed it. All events of the SQS batch are mapped
 * with the code deployed now and delivered in one call, so the destination batches across messages. An
 * event's outcome is the worst of its items' (a failure that will not pass by retrying wins).
 */
export function flowWorker<Item>(delivery: DestinationDelivery<Item>, flows: Flow<Item>[], carry?: BatchCarry): DestinationWorker {
  const byName = new Map(flows.map((flow) => [flow.name, flow]));
  return {
    destination: delivery.destination,
    ...(carry ? { carry } : {}),
    async deliver(messages, options = {}) {
      const outcomes = new Map<string, DeliveryOutcome>();
      const items: KeyedItem<Item>[] = [];
      const eventsOf = new Map<string, string[]>();
      for (const { messageId, workItem } of messages) {
        const flow = byName.get(workItem.flow);
        if (!flow || flow.destination !== delivery.destination) {
          const error = new ValidationError(`no flow "${workItem.flow}" delivers to ${delivery.destination}`, { field: "flow" });
          for (const queued of workItem.events) outcomes.set(eventKey(messageId, queued.id), { kind: "failed", error });
          continue;
        }
        const { items: mapped, failed } = flow.mapMessage(workItem.events, workItem.context);
        for (const [id, error] of failed) outcomes.set(eventKey(messageId, id), { kind: "failed", error });
        for (const queued of workItem.events) {
          if (!failed.has(queued.id)) outcomes.set(eventKey(messageId, queued.id), { kind: "skipped", reason: "nothing-to-send" });
        }
        const mayCarry = options.carriable?.has(messageId) === true;
        mapped.forEach((entry, index) => {
          const key = `${messageId}\u001f#${index}`;
          items.push({ key, item: entry.item, mayCarry });
          eventsOf.set(
            key,
            entry.eventIds.map((id) => eventKey(messageId, id)),
          );
        });
      }
      if (items.length === 0) return outcomes;
      const delivered = await delivery.deliver(items);
      const touched = new Set<string>();
      for (const { key } of items) {
        const outcome: DeliveryOutcome = delivered.get(key) ?? {
          kind: "failed",
          error: toRelayError(new Error("the destination reported no outcome for this item")),
        };
        for (const event of eventsOf.get(key) ?? []) {
          const current = outcomes.get(event);
          // The placeholder "nothing-to-send" gives way to the first real outcome.
          if (!touched.has(event) || !current || rank(outcome) > rank(current)) outcomes.set(event, outcome);
          touched.add(event);
        }
      }
      return outcomes;
    },
  };
}
