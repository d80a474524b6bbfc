import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { ValidationError } from "../../errors.js";
import { toMixpanelEvent } from "../../destinations/mixpanel/map.js";
import { toMparticlePayload } from "../../destinations/mparticle/map.js";
import { createMetrics, logger } from "../../observability.js";
import { enqueueWorkItems } from "../../queue/enqueue.js";
import { sqsJson } from "../../queue/messageText.js";
import { park } from "../../queue/park.js";
import { deriveWorkItemId, type WorkItem } from "../../queue/workItem.js";
import { CURRENTS_DESTINATIONS, destinationsFor, routingFromEnv, type CurrentsDestination, type CurrentsRouting } from "./routing.js";
import { brazeEventSchema, type BrazeEvent } from "./schema.js";

export type SkipReason = "no-external-user-id" | "not-routed";

export interface RejectedEvent {
  index: number;
  raw: unknown;
  error: ValidationError;
  /** The DLQs that get it: the destinations its event type routes to (all enabled ones when unreadable). */
  destinations: CurrentsDestination[];
  workItems: WorkItem[];
}

export interface CurrentsWork {
  workItems: WorkItem[];
  rejected: RejectedEvent[];
  skipped: Array<{ eventId: string; eventType: string; reason: SkipReason; destinations: CurrentsDestination[] }>;
  duplicates: number;
}

export interface CurrentsContext {
  correlationId: string;
  receivedAt: string;
  routing: CurrentsRouting;
  mparticleAttributePrefix: string;
}

export const SOURCE = "braze";

function mapFor(destination: CurrentsDestination, event: BrazeEvent, userId: string, context: CurrentsContext): unknown {
  switch (destination) {
    case "mparticle":
      return toMparticlePayload(event, userId, context.mparticleAttributePrefix);
    case "mixpanel":
      return toMixpanelEvent(event, userId);
  }
}

function rejectedEvent(index: number, raw: unknown, error: ValidationError, context: CurrentsContext): RejectedEvent {
  const record = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  const eventType = typeof record.event_type === "string" ? record.event_type : undefined;
  const destinations = eventType
    ? destinationsFor(eventType, context.routing)
    : CURRENTS_DESTINATIONS.filter((destination) => context.routing[destination].enabled);
  // Keyed on the Braze id when it has one, else on the content: a redelivery parks the same work item id.
  const key = typeof record.id === "string" && record.id ? record.id : JSON.stringify(raw);
  const workItems = destinations.map((destination) => ({
    workItemId: deriveWorkItemId(SOURCE, key, destination),
    destination,
    correlationId: context.correlationId,
    receivedAt: context.receivedAt,
    payload: raw,
  }));
  return { index, raw, error, destinations, workItems };
}

/**
 * A Currents batch → one work item per event per destination, with deterministic ids from the Braze id.
 * Duplicate ids in the batch count once; events without `external_user_id` and event types no enabled
 * destination takes are skipped; a malformed event is rejected alone. Pure.
 */
export function currentsToWork(events: unknown[], context: CurrentsContext): CurrentsWork {
  const work: CurrentsWork = { workItems: [], rejected: [], skipped: [], duplicates: 0 };
  const seen = new Set<string>();
  events.forEach((raw, index) => {
    const parsed = brazeEventSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = ["events", index, ...(issue?.path ?? [])].join(".");
      work.rejected.push(rejectedEvent(index, raw, new ValidationError(`${field}: ${issue?.message ?? "invalid"}`, { field }), context));
      return;
    }
    const event = parsed.data;
    if (seen.has(event.id)) {
      work.duplicates++;
      return;
    }
    seen.add(event.id);
    const destinations = destinationsFor(event.event_type, context.routing);
    const base = { eventId: event.id, eventType: event.event_type, destinations };
    if (destinations.length === 0) {
      work.skipped.push({ ...base, reason: "not-routed" });
      return;
    }
    const userId = event.user.external_user_id;
    if (!userId) {
      work.skipped.push({ ...base, reason: "no-external-user-id" });
      return;
    }
    for (const destination of destinations) {
      work.workItems.push({
        workItemId: deriveWorkItemId(SOURCE, event.id, destination),
        destination,
        correlationId: context.correlationId,
        receivedAt: context.receivedAt,
        payload: mapFor(destination, event, userId, context),
      });
    }
  });
  return work;
}

export interface CurrentsSummary {
  events: number;
  workItems: number;
  duplicates: number;
  skipped: number;
  rejected: number;
}

const metrics = createMetrics({ source: SOURCE });

function countSkipped(work: CurrentsWork, correlationId: string): void {
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
    const metric = metrics.singleMetric();
    metric.addDimensions({ reason, destination });
    metric.addMetric("skipped", MetricUnit.Count, eventIds.length);
  }
}

async function parkRejected(rejected: RejectedEvent, correlationId: string, parkedAt: string): Promise<void> {
  logger.warn("braze event rejected", {
    correlationId, index: rejected.index, error: rejected.error.message, destinations: rejected.destinations,
  });
  await Promise.all(
    rejected.workItems.map((item) =>
      park(item.destination, sqsJson(item), {
        destination: item.destination,
        workItemId: item.workItemId,
        reason: "validation",
        errorClass: rejected.error.errorClass,
        message: rejected.error.message,
        firstFailedAt: parkedAt,
        parkedAt,
        attempts: 0,
      }, { destination: item.destination, workItemId: item.workItemId, correlationId }),
    ),
  );
  const metric = metrics.singleMetric();
  metric.addDimensions({ reason: "validation" });
  metric.addMetric("rejected", MetricUnit.Count, 1);
}

/**
 * Accepts a validated Currents body: enqueues the work items, parks malformed events in the DLQs of the
 * destinations they were meant for, counts and logs what was skipped. Throws RetryableError when SQS
 * fails, so the webhook answers 503 and Braze retries (ids are deterministic).
 */
export async function acceptCurrents(events: unknown[], correlationId: string, now = new Date()): Promise<CurrentsSummary> {
  const work = currentsToWork(events, {
    correlationId,
    receivedAt: now.toISOString(),
    routing: routingFromEnv(),
    mparticleAttributePrefix: process.env.MPARTICLE_ATTRIBUTE_PREFIX ?? "",
  });
  await Promise.all([
    enqueueWorkItems(work.workItems),
    ...work.rejected.map((rejected) => parkRejected(rejected, correlationId, now.toISOString())),
  ]);
  countSkipped(work, correlationId);
  if (work.duplicates > 0) metrics.singleMetric().addMetric("duplicates", MetricUnit.Count, work.duplicates);
  return {
    events: events.length,
    workItems: work.workItems.length,
    duplicates: work.duplicates,
    skipped: work.skipped.length,
    rejected: work.rejected.length,
  };
}
