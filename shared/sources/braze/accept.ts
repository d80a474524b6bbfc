import { validationErrorOf, type ValidationError } from "../../errors.js";
import { createMetrics, logger, publishCount } from "../../observability.js";
import type { Destination } from "../../queue/definition.js";
import type { AcceptedWork, RejectedWork } from "../../queue/ingest.js";
import { deriveWorkItemId, type WorkBatch } from "../../queue/workItem.js";
import { currentsBatchSchema, parseBrazeEvent, type BrazeEvent } from "./schema.js";

const SOURCE = "braze";

/** A flow's ingest side, as Braze sees it: where an event type goes. Given by shared/flows. */
export interface BrazeRoute {
  flow: string;
  destination: Destination;
  takes(eventType: string): boolean;
}

export type SkipReason = "no-external-user-id" | "not-routed";

export interface CurrentsSummary {
  events: number;
  /** Events × destinations enqueued. */
  workItems: number;
  duplicates: number;
  skipped: number;
  rejected: number;
}

export interface CurrentsWork extends AcceptedWork {
  skipped: Array<{ eventId: string; eventType: string; reason: SkipReason; destinations: Destination[] }>;
  /** Rejected events, one entry per event (each may be parked for several destinations); no index: the whole body. */
  rejectedEvents: Array<{ index?: number; error: ValidationError; destinations: Destination[] }>;
  duplicates: number;
  summary: CurrentsSummary;
}

export interface CurrentsContext {
  correlationId: string;
  receivedAt: string;
  routes: BrazeRoute[];
}

/** Keyed on the Braze id when it has one, else on the content: a redelivery parks under the same id. */
function rejectedId(raw: unknown): string {
  const id = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>).id : undefined;
  return typeof id === "string" && id ? id : deriveWorkItemId(JSON.stringify(raw) ?? "");
}

/**
 * An authenticated request body → the work it makes. A Currents batch goes through `accept`; JSON that is
 * no batch at all (not an object, `events` missing or not a list) is parked whole, as it came, for every
 * route, because Braze drops for good what is answered 400 twice (docs/security.md, "What each sender
 * does with a 4xx"). Pure.
 */
export function acceptBody(body: unknown, context: CurrentsContext): CurrentsWork {
  const batch = currentsBatchSchema.safeParse(body);
  if (batch.success) return accept(batch.data.events, context);
  const error = validationErrorOf(batch.error);
  const work = accept([], context);
  for (const route of context.routes) {
    work.rejected.push({
      batch: {
        flow: route.flow,
        destination: route.destination,
        correlationId: context.correlationId,
        receivedAt: context.receivedAt,
        events: [{ id: rejectedId(body), event: body }],
      },
      error,
    });
  }
  work.rejectedEvents.push({ error, destinations: context.routes.map((route) => route.destination) });
  work.summary.rejected = 1;
  return work;
}

/**
 * A Currents batch → for each route, one work batch of the validated events it takes. Duplicate ids in
 * the batch count once; events without `external_user_id` and event types no route takes are skipped; a
 * malformed event is rejected alone, for the routes its type goes to (all of them when unreadable). Pure.
 */
export function accept(events: unknown[], context: CurrentsContext): CurrentsWork {
  const batches = new Map<BrazeRoute, WorkBatch>();
  const rejected: RejectedWork[] = [];
  const work: CurrentsWork = {
    workItems: [],
    rejected,
    skipped: [],
    rejectedEvents: [],
    duplicates: 0,
    summary: { events: events.length, workItems: 0, duplicates: 0, skipped: 0, rejected: 0 },
  };
  const envelope = (route: BrazeRoute) => ({
    flow: route.flow,
    destination: route.destination,
    correlationId: context.correlationId,
    receivedAt: context.receivedAt,
  });
  const seen = new Set<string>();
  events.forEach((raw, index) => {
    const parsed = parseBrazeEvent(raw);
    if (!parsed.success) {
      const error = validationErrorOf(parsed.error, ["events", index]);
      const record = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
      const eventType = typeof record.event_type === "string" ? record.event_type : undefined;
      const routes = eventType ? context.routes.filter((route) => route.takes(eventType)) : context.routes;
      const id = rejectedId(raw);
      for (const route of routes) rejected.push({ batch: { ...envelope(route), events: [{ id, event: raw }] }, error });
      work.rejectedEvents.push({ index, error, destinations: routes.map((route) => route.destination) });
      return;
    }
    const event: BrazeEvent = parsed.data;
    if (seen.has(event.id)) {
      work.duplicates++;
      return;
    }
    seen.add(event.id);
    const routes = context.routes.filter((route) => route.takes(event.event_type));
    const base = { eventId: event.id, eventType: event.event_type, destinations: routes.map((route) => route.destination) };
    if (routes.length === 0) {
      work.skipped.push({ ...base, reason: "not-routed" });
      return;
    }
    if (!event.user.external_user_id) {
      work.skipped.push({ ...base, reason: "no-external-user-id" });
      return;
    }
    for (const route of routes) {
      const batch = batches.get(route) ?? { ...envelope(route), events: [] };
      batch.events.push({ id: event.id, event });
      batches.set(route, batch);
      work.summary.workItems++;
    }
  });
  work.workItems = [...batches.values()];
  work.summary.duplicates = work.duplicates;
  work.summary.skipped = work.skipped.length;
  work.summary.rejected = work.rejectedEvents.length;
  return work;
}

const metrics = createMetrics({ source: SOURCE });

/** Logs and counts what was skipped, rejected and duplicated. */
export function reportCurrents(work: CurrentsWork, correlationId: string): void {
  const counts = new Map<string, { reason: SkipReason; destination: string; eventIds: string[] }>();
  for (const skipped of work.skipped) {
    // An event no destination takes is counted once, under "none".
    for (const destination of skipped.destinations.length > 0 ? skipped.destinations : ["none"]) {
      const key = `${skipped.reason}/${destination}`;
      const entry = counts.get(key) ?? { reason: skipped.reason, destination, eventIds: [] };
      entry.eventIds.push(skipped.eventId);
      counts.set(key, entry);
    }
  }
  for (const { reason, destination, eventIds } of counts.values()) {
    const log = reason === "not-routed" ? logger.debug.bind(logger) : logger.info.bind(logger);
    log("braze events skipped", { correlationId, reason, destination, count: eventIds.length, eventIds });
    // Not routed is the routing doing its job: a debug line, not an EMF metric line per request.
    if (reason === "not-routed") continue;
    publishCount(metrics, "skipped", eventIds.length, { reason, destination });
  }
  for (const rejected of work.rejectedEvents) {
    const wholeBody = rejected.index === undefined;
    logger.warn(wholeBody ? "braze body rejected" : "braze event rejected", {
      correlationId,
      index: rejected.index,
      error: rejected.error.message,
      destinations: rejected.destinations,
    });
    publishCount(metrics, "rejected", 1, { reason: wholeBody ? "not-a-batch" : "validation" });
  }
  if (work.duplicates > 0) publishCount(metrics, "duplicates", work.duplicates);
}
