import { currentsRoutes, type CurrentsRouting } from "../../shared/flows/brazeRouting.js";
import type { Destination } from "../../shared/queue/definition.js";

/** The destinations the live Braze routes send an event type to: each enabled route whose `takes` accepts it. */
export function currentsDestinationsOf(eventType: string, routing: CurrentsRouting): Destination[] {
  return currentsRoutes(routing)
    .filter((route) => route.takes(eventType))
    .map((route) => route.destination);
}
