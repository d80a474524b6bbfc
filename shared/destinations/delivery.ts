import type { DeliveryOutcome, RelayError } from "../errors.js";
import type { Destination } from "../queue/definition.js";

/** One item a destination is given, under the key its outcome is reported by. */
export interface KeyedItem<Item> {
  key: string;
  item: Item;
  /** It may wait for a later invocation: a batching destination may carry it over instead of sending it short. */
  mayCarry?: boolean;
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

/** A planned partner request: the items it carries, and whether another item would still have fitted. */
export interface PlannedRequest {
  keys: string[];
  full: boolean;
}

/**
 * Carry-over: of each feed's requests (a feed: what one request may hold, e.g. one credential), the last is
 * held back when it is part-filled and every item in it may wait, so it fills up in a later invocation
 * instead of going short. Returns the requests to send and the outcome (`carried`) of the held-back items.
 */
export function withholdPartFilled<Request extends PlannedRequest>(
  requests: Request[],
  items: Iterable<KeyedItem<unknown>>,
  feedOf: (request: Request) => string,
): { send: Request[]; carried: Map<string, DeliveryOutcome> } {
  const mayCarry = new Set<string>();
  for (const { key, mayCarry: may } of items) if (may) mayCarry.add(key);
  const carried = new Map<string, DeliveryOutcome>();
  if (mayCarry.size === 0) return { send: requests, carried };
  const lastOfFeed = new Map<string, Request>();
  for (const request of requests) lastOfFeed.set(feedOf(request), request);
  const held = new Set([...lastOfFeed.values()].filter((request) => !request.full && request.keys.every((key) => mayCarry.has(key))));
  for (const request of held) for (const key of request.keys) carried.set(key, { kind: "carried" });
  return { send: requests.filter((request) => !held.has(request)), carried };
}
