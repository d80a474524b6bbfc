import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";

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
