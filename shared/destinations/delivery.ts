import type { DeliveryOutcome, RelayError } from "../errors.js";
import type { Destination } from "../queue/definition.js";

/** One item a destination is given, under the key its outcome is reported by. */
export interface KeyedItem<Item> {
  key: string;
  item: Item;
}

/**
 * The contract of every destination's deliver.ts: a batch of items in, one outcome per item key out.
 * Partner failures are outcomes, never thrown; an item missing from the map counts as failed.
 */
export interface DestinationDelivery<Item> {
  destination: Destination;
  deliver(items: KeyedItem<Item>[]): Promise<Map<string, DeliveryOutcome>>;
}

/** The outcome of a whole request: its error when it failed, else delivered. */
export function outcomeOf(error: RelayError | undefined): DeliveryOutcome {
  return error ? { kind: "failed", error } : { kind: "delivered" };
}

/** Gives every key the same outcome. */
export function outcomesFor(keys: Iterable<string>, outcome: DeliveryOutcome): Map<string, DeliveryOutcome> {
  return new Map([...keys].map((key) => [key, outcome]));
}
