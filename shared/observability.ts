import { Logger } from "@aws-lambda-powertools/logger";
import { MetricUnit, Metrics } from "@aws-lambda-powertools/metrics";

export const SERVICE_NAME = "cdp-relay";
export const METRICS_NAMESPACE = "CdpRelay";
/** Counted by ingest for each request refused because an inbound credential is not configured; alarmed on. */
export const SECRET_NOT_CONFIGURED_METRIC = "secretNotConfigured";

/** Structured JSON logs; every line about a work item carries its correlationId. */
export const logger = new Logger({ serviceName: SERVICE_NAME });

/**
 * Embedded Metric Format. One instance per handler: the local stack runs every handler in one process,
 * and a shared instance would mix their dimensions.
 */
export function createMetrics(defaultDimensions: Record<string, string>): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME, defaultDimensions });
}

/**
 * A count with dimensions of its own (a reason, a flow), published at once beside the handler's stored
 * metrics. Each dimension set is one more way CloudWatch aggregates it; none: the handler's defaults.
 * One EMF line per set: sets that share a key (`destination`, and `destination` with `flow`) in one line
 * make Powertools log a collision warning for each count, though the values agree.
 */
export function publishCount(metrics: Metrics, name: string, count: number, ...dimensionSets: Array<Record<string, string>>): void {
  // No set of its own: one line under the handler's defaults alone (an empty set adds none).
  for (const dimensions of dimensionSets.length > 0 ? dimensionSets : [{}]) {
    metrics.singleMetric().addDimensions(dimensions).addMetric(name, MetricUnit.Count, count);
  }
}

/** Counts of what a mapper cut from one event to fit a partner's limits, by limit. */
export type LimitCuts = Record<string, number>;

const trimMetrics = createMetrics({});

/** Logs what a flow cut from one event (with its id) and counts it as metric `trimmed` by flow and limit. */
export function reportTrimmed(flow: string, eventId: string, cuts: LimitCuts): void {
  const limits = Object.entries(cuts).filter(([, count]) => count > 0);
  if (limits.length === 0) return;
  logger.warn("event cut to the destination's limits", { flow, eventId, cuts: Object.fromEntries(limits) });
  for (const [limit, count] of limits) publishCount(trimMetrics, "trimmed", count, { flow, limit });
}

export const REDACTED = "[REDACTED]";
/**
 * Values that look like an Authorization header, wherever they appear. Credentials are long; the length
 * floor keeps prose such as "Token has expired" readable.
 */
const AUTH_SCHEME_VALUE = /\b(Bearer|Basic|Token|Digest)\s+[\w.~+/=-]{8,}/gi;
/** `"apiToken": "..."` and `api_token=...` inside free text, such as a partner's error body. */
const SECRET_PAIR_IN_TEXT =
  /(["']?[\w-]*(?:token|secret|auth|passw|api[-_]?key|credential)[\w-]*["']?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|(?:(?:Bearer|Basic|Token|Digest)\s+)?[^\s,;&}]+)/gi;

/**
 * Text with credential-looking parts replaced. A partner's error text can echo the credential it
 * refused; it goes into logs, DLQ records and CLI output, so it passes through here first.
 */
export function redactText(text: string): string {
  return text
    .replace(SECRET_PAIR_IN_TEXT, (_match, prefix: string) => `${prefix}"${REDACTED}"`)
    .replace(AUTH_SCHEME_VALUE, (_match, scheme: string) => `${scheme} ${REDACTED}`);
}
