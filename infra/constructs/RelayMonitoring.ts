import { Duration, Stack } from "aws-cdk-lib";
import type { HttpApi } from "aws-cdk-lib/aws-apigatewayv2";
import {
  Alarm,
  ComparisonOperator,
  type AlarmProps,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import type { Destination } from "../../shared/queue/definition.js";
import { pascalCase } from "../outputs.js";
import { METRICS_NAMESPACE, SECRET_NOT_CONFIGURED_METRIC, SERVICE_NAME } from "../../shared/observability.js";
import { PARKED_AT_INGEST_METRIC } from "../../shared/queue/ingest.js";
import type { QueueToWorker } from "./QueueToWorker.js";
import type { WebhookToQueue } from "./WebhookToQueue.js";

export interface RelayMonitoringProps {
  api: HttpApi;
  workers: ReadonlyMap<Destination, QueueToWorker>;
  webhooks: readonly WebhookToQueue[];
  alarmTopic: ITopic;
  /** Minutes between two probes of a paused worker: the period of `partnerDown` (PARTNER_PROBE_SECONDS rounded). */
  probeRateMinutes: number;
}

/** How long a partner is down before PartnerOutageAlarm fires. */
const PARTNER_OUTAGE_ALARM_MINUTES = 15;

const PERIOD = Duration.minutes(5);

/** Powertools EMF: serviceName becomes the `service` dimension, the worker's default dimension is `destination`. */
function relayMetric(metricName: string, destination: Destination, statistic = "Sum"): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: SERVICE_NAME, destination },
    statistic,
    period: PERIOD,
  });
}

/** `parked` and `skipped` carry an extra `reason` dimension; the search sums every reason. */
function relayMetricAllReasons(metricName: string, destination: Destination): IMetric {
  const search = `{${METRICS_NAMESPACE},destination,reason,service} MetricName="${metricName}" destination="${destination}" service="${SERVICE_NAME}"`;
  return new MathExpression({
    expression: `SUM(SEARCH('${search}', 'Sum', ${PERIOD.toSeconds()}))`,
    usingMetrics: {},
    label: metricName,
    period: PERIOD,
  });
}

/**
 * `parkedAtIngest` per destination (the dimension set without `flow`), and their sum for the alarm: an
 * alarm cannot read a SEARCH expression, so the destinations are listed.
 */
function parkedAtIngestMetrics(destinations: Destination[]): { byDestination: Metric[]; total: IMetric } {
  const byDestination = destinations.map((destination) => relayMetric(PARKED_AT_INGEST_METRIC, destination).with({ label: destination }));
  const usingMetrics = Object.fromEntries(byDestination.map((metric, index) => [`parked${index}`, metric]));
  const total = new MathExpression({
    expression: `SUM([${Object.keys(usingMetrics)
      .map((id) => `FILL(${id}, 0)`)
      .join(", ")}])`,
    usingMetrics,
    label: "parked at ingest",
    period: PERIOD,
  });
  return { byDestination, total };
}

/** Alarms that mean a person should look, and one dashboard per stack. */
export class RelayMonitoring extends Construct {
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: RelayMonitoringProps) {
    super(scope, id);
    this.action = new SnsAction(props.alarmTopic);
    const parkedAtIngest = parkedAtIngestMetrics([...props.workers.keys()]);
    this.addAlarms(props, parkedAtIngest.total);
    this.dashboard = new Dashboard(this, "Dashboard", { dashboardName: Stack.of(this).stackName, defaultInterval: Duration.hours(3) });
    this.addIngestRows(props, parkedAtIngest.byDestination);
    for (const [destination, pair] of props.workers) this.addDestinationRow(destination, pair);
    this.addPartnerRow(props);
  }

  /** An alarm named after the stack that notifies the topic when it fires and when it clears. */
  private alarm(alarmId: string, alarmName: string, props: Omit<AlarmProps, "alarmName">): void {
    const alarm = new Alarm(this, alarmId, { ...props, alarmName: `${Stack.of(this).stackName}-${alarmName}` });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
  }

  private alarmWhenAboveZero(alarmId: string, alarmName: string, description: string, metric: IMetric): void {
    this.alarm(alarmId, alarmName, {
      alarmDescription: description,
      metric,
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  private addAlarms(props: RelayMonitoringProps, parkedAtIngest: IMetric): void {
    for (const [destination, pair] of props.workers) {
      this.alarmWhenAboveZero(
        `${pascalCase(destination)}DeadLetterQueueAlarm`,
        `${destination}-dlq-not-empty`,
        `Messages for ${destination} were parked in the DLQ. Inspect the failure attribute, fix the cause, then redrive.`,
        pair.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: "Maximum" }),
      );
      this.alarmWhenAboveZero(
        `${pascalCase(destination)}WorkerErrorsAlarm`,
        `${destination}-worker-errors`,
        `The ${destination} worker failed whole invocations (a crash, timeout or a batch where every record failed).`,
        pair.worker.handler.metricErrors({ period: PERIOD, statistic: "Sum" }),
      );
      this.alarmWhenAboveZero(
        `${pascalCase(destination)}CredentialFailuresAlarm`,
        `${destination}-credential-failures`,
        `${destination} rejected our credentials (401/403). Update the relay secret; messages are kept and retried slowly.`,
        relayMetric("credentialFailures", destination),
      );
    }
    this.addPartnerOutageAlarms(props);
    this.alarmWhenAboveZero(
      "IngestSecretNotConfiguredAlarm",
      "ingest-secret-not-configured",
      "A webhook was refused with 503 because an inbound credential in the relay secret is missing, empty or a REPLACE_ME placeholder. The function log names the field.",
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: SECRET_NOT_CONFIGURED_METRIC,
        dimensionsMap: { service: SERVICE_NAME },
        statistic: "Sum",
        period: PERIOD,
      }),
    );
    this.alarmWhenAboveZero(
      "Ingest5xxAlarm",
      "ingest-5xx",
      "The webhook API answered 5xx: partners will retry, but check the ingest function logs.",
      props.api.metricServerError({ period: PERIOD, statistic: "Sum" }),
    );
    this.alarmWhenAboveZero(
      "ParkedAtIngestAlarm",
      "parked-at-ingest",
      "A webhook door parked authenticated input it could not map in a DLQ and answered 2xx (metric parkedAtIngest). `npx cdp-relay dlq list` shows it with the reason; fix the mapping, then redrive.",
      parkedAtIngest,
    );
  }

  /**
   * PartnerOutageAlarm per destination: every probe of a paused worker reports partnerDown 1 (0 when its
   * partner is healthy), once per probe rate; the alarm fires when every probe of 15 minutes found it down.
   */
  private addPartnerOutageAlarms(props: RelayMonitoringProps): void {
    const period = Duration.minutes(props.probeRateMinutes);
    const periods = Math.max(1, Math.ceil(PARTNER_OUTAGE_ALARM_MINUTES / props.probeRateMinutes));
    for (const destination of props.workers.keys()) {
      this.alarm(`${pascalCase(destination)}PartnerOutageAlarm`, `${destination}-PartnerOutageAlarm`, {
        alarmDescription:
          `${destination} has been down (timeouts, resets, 408 or 5xx on every call) for ${PARTNER_OUTAGE_ALARM_MINUTES} minutes. ` +
          'Its worker paused consumption and holds the events (nothing is parked before RETRY_HOLD_SECONDS); check the partner\'s status page. Runbook: docs/operations.md, "A partner is down".',
        metric: relayMetric("partnerDown", destination, "Maximum").with({ period }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: periods,
        datapointsToAlarm: periods,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
  }

  /** The webhook API's requests, errors and latency, and what its doors parked. */
  private addIngestRows(props: RelayMonitoringProps, parkedAtIngest: Metric[]): void {
    this.dashboard.addWidgets(
      new TextWidget({ markdown: "# Ingest (webhook API)", width: 24, height: 1 }),
      new GraphWidget({
        title: "Ingest requests and errors",
        left: [
          props.api.metricCount({ period: PERIOD, statistic: "Sum", label: "requests" }),
          props.api.metricClientError({ period: PERIOD, statistic: "Sum", label: "4xx" }),
          props.api.metricServerError({ period: PERIOD, statistic: "Sum", label: "5xx" }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: "Ingest latency",
        left: [
          props.api.metricLatency({ period: PERIOD, statistic: "p50", label: "p50" }),
          props.api.metricLatency({ period: PERIOD, statistic: "p99", label: "p99" }),
          ...props.webhooks.map((webhook) =>
            webhook.ingest.handler.metricDuration({ period: PERIOD, statistic: "p99", label: `${webhook.wiring.trigger.path} function p99` }),
          ),
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(new GraphWidget({ title: "Parked at ingest (events, by destination)", left: parkedAtIngest, width: 24 }));
  }

  /** One destination: its outcomes, its partner's latency, its queue and DLQ, its worker. */
  private addDestinationRow(destination: Destination, pair: QueueToWorker): void {
    this.dashboard.addWidgets(
      new TextWidget({ markdown: `# ${destination}`, width: 24, height: 1 }),
      new GraphWidget({
        title: `${destination} outcomes`,
        left: [
          relayMetric("delivered", destination).with({ label: "delivered" }),
          relayMetric("retried", destination).with({ label: "retried" }),
          relayMetricAllReasons("parked", destination),
          relayMetricAllReasons("skipped", destination),
        ],
        width: 6,
      }),
      new GraphWidget({
        title: `${destination} partner latency`,
        left: [
          relayMetric("partnerLatency", destination, "p50").with({ label: "p50" }),
          relayMetric("partnerLatency", destination, "p99").with({ label: "p99" }),
        ],
        width: 6,
      }),
      new GraphWidget({
        title: `${destination} queue and DLQ depth`,
        left: [
          pair.queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: "Maximum", label: "queue" }),
          pair.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: "Maximum", label: "DLQ" }),
        ],
        right: [pair.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: "Maximum", label: "oldest message age (s)" })],
        width: 6,
      }),
      new GraphWidget({
        title: `${destination} worker`,
        left: [pair.worker.handler.metricErrors({ period: PERIOD, statistic: "Sum", label: "errors" })],
        right: [pair.worker.handler.metricDuration({ period: PERIOD, statistic: "p99", label: "duration p99 (ms)" })],
        width: 6,
      }),
    );
  }

  /** One row: per destination, whether its partner is down, the events held for it and the 429s it answered. */
  private addPartnerRow(props: RelayMonitoringProps): void {
    const width = Math.floor(24 / Math.max(1, props.workers.size));
    this.dashboard.addWidgets(
      new TextWidget({ markdown: "# Partners: down, held, throttled", width: 24, height: 1 }),
      ...[...props.workers.keys()].map(
        (destination) =>
          new GraphWidget({
            title: `${destination} partner`,
            left: [relayMetric("held", destination).with({ label: "held" }), relayMetric("throttled", destination).with({ label: "throttled (429)" })],
            right: [relayMetric("partnerDown", destination, "Maximum").with({ label: "partner down (1 = paused)" })],
            rightYAxis: { min: 0, max: 1 },
            width,
          }),
      ),
    );
  }
}
