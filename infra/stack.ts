import { fileURLToPath } from "node:url";
import { CfnOutput, RemovalPolicy, Stack, Validations, type StackProps } from "aws-cdk-lib";
import { HttpApi, LogGroupLogDestination, type HttpStage } from "aws-cdk-lib/aws-apigatewayv2";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { Construct } from "constructs";
import { METRICS_NAMESPACE, SERVICE_NAME } from "../shared/observability.js";
import type { Destination } from "../shared/queue/definition.js";
import { DEFAULT_RETRY_BASE_SECONDS } from "../shared/config/settings.js";
import { QueueToWorker } from "./constructs/QueueToWorker.js";
import type { RelayFunctionDefaults } from "./constructs/RelayFunction.js";
import { RelayMonitoring } from "./constructs/RelayMonitoring.js";
import { WebhookToQueue } from "./constructs/WebhookToQueue.js";
import {
  ALARM_TOPIC_OUTPUT,
  API_URL_OUTPUT,
  DASHBOARD_OUTPUT,
  SECRET_ARN_OUTPUT,
  SECRET_NAME_OUTPUT,
  outputKeyForQueue,
  outputKeyForRoute,
  pascalCase,
} from "./outputs.js";
import { HTTP_FUNCTIONS, WIRED_ENV_VARS, WORKER_FUNCTIONS, type QueueRef } from "./wiring.js";
import { readApiThrottle, readMaxConcurrency } from "./context.js";
import { probeRateMinutes, readOutageSettings } from "./outageSettings.js";
import { GENERATED_TOKEN_KEY, SECRET_TEMPLATE } from "./secretTemplate.js";

export const REPOSITORY_ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface CdpRelayStackProps extends StackProps {
  /** Extra env vars for every function (partner URLs, RETRY_BASE_SECONDS, ...): context `relayEnvironment`. */
  relayEnvironment?: Readonly<Record<string, string>>;
  /** Subscribed to the alarm topic when set: context `alarmEmail`. */
  alarmEmail?: string;
  /** Repository root holding functions/ and package-lock.json. */
  projectRoot?: string;
  logRetention?: RetentionDays;
}

/** The relay: webhook API → ingest functions → one queue per destination → workers, with alarms and a dashboard. */
export class CdpRelayStack extends Stack {
  readonly secret: Secret;
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly alarmTopic: Topic;
  readonly workers: ReadonlyMap<Destination, QueueToWorker>;
  readonly webhooks: readonly WebhookToQueue[];
  readonly monitoring: RelayMonitoring;

  constructor(scope: Construct, id: string, props: CdpRelayStackProps = {}) {
    super(scope, id, props);
    const relayEnvironment = props.relayEnvironment ?? {};
    const clashes = Object.keys(relayEnvironment).filter((name) => WIRED_ENV_VARS.has(name));
    if (clashes.length > 0) throw new Error(`relayEnvironment may not set ${clashes.join(", ")}: the stack wires them`);
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;

    this.secret = this.createSecret();
    this.alarmTopic = new Topic(this, "AlarmTopic", { displayName: "cdp-relay alarms", enforceSSL: true });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));

    const functionDefaults: RelayFunctionDefaults = {
      projectRoot: props.projectRoot ?? REPOSITORY_ROOT,
      secret: this.secret,
      logRetention,
      environment: {
        RETRY_BASE_SECONDS: String(DEFAULT_RETRY_BASE_SECONDS),
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        // No NODE_OPTIONS=--enable-source-maps by default: it adds 30-40 ms (idle) to every cold start
        // (docs/performance.md). The maps ship beside each bundle; relayEnvironment can turn them on.
        ...relayEnvironment,
      },
    };
    // RETRY_HOLD_SECONDS and PARTNER_PROBE_SECONDS are common settings (relayEnvironment) like RETRY_BASE_SECONDS:
    // read here as the workers will read them, so the probe rule and the retention check follow what they do.
    const rateMinutes = probeRateMinutes(readOutageSettings(functionDefaults.environment).partnerProbeSeconds);
    const { workers, queueOf } = this.createWorkers(functionDefaults, rateMinutes);
    this.workers = workers;

    ({ api: this.api, stage: this.stage } = this.createApi(id, logRetention));
    this.webhooks = HTTP_FUNCTIONS.map(
      (wiring) => new WebhookToQueue(this, `${pascalCase(wiring.name)}Webhook`, { api: this.api, wiring, queueOf, functionDefaults }),
    );
    this.monitoring = new RelayMonitoring(this, "Monitoring", {
      api: this.api,
      workers,
      webhooks: this.webhooks,
      alarmTopic: this.alarmTopic,
      probeRateMinutes: rateMinutes,
    });
    this.addOutputs();
  }

  private createSecret(): Secret {
    const secret = new Secret(this, "RelaySecret", {
      description: "cdp-relay secret document: inbound tokens, mParticle feed keys, Mixpanel token. Replace every REPLACE_ME value.",
      generateSecretString: {
        secretStringTemplate: JSON.stringify(SECRET_TEMPLATE),
        generateStringKey: GENERATED_TOKEN_KEY,
        excludePunctuation: true,
        passwordLength: 40,
      },
    });
    Validations.of(secret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "The values are issued by partners (mParticle feed keys, Mixpanel token) or pasted into partner consoles (inbound tokens); they can only be rotated by a person in those consoles.",
    });
    return secret;
  }

  /** A queue, its DLQ and its worker per destination; `queueOf` finds the queue a wiring names. */
  private createWorkers(functionDefaults: RelayFunctionDefaults, rateMinutes: number) {
    const workers = new Map<Destination, QueueToWorker>();
    const queueOf = ({ destination, deadLetter }: QueueRef) => {
      const pair = workers.get(destination);
      if (!pair) throw new Error(`the wiring names the ${destination} queues, which no worker consumes`);
      return deadLetter ? pair.deadLetterQueue : pair.queue;
    };
    for (const wiring of WORKER_FUNCTIONS) {
      workers.set(
        wiring.trigger.destination,
        new QueueToWorker(this, `${pascalCase(wiring.trigger.destination)}QueueToWorker`, {
          wiring,
          functionDefaults,
          queueOf,
          maxConcurrency: readMaxConcurrency(this.node, wiring.trigger.destination, wiring.trigger.eventSource.maxConcurrency),
          probeRateMinutes: rateMinutes,
        }),
      );
    }
    return { workers, queueOf };
  }

  /** The webhook HTTP API and its one stage, throttled, with JSON access logs. */
  private createApi(id: string, logRetention: RetentionDays): { api: HttpApi; stage: HttpStage } {
    const accessLogs = new LogGroup(this, "ApiAccessLogs", { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const api = new HttpApi(this, "WebhookApi", {
      apiName: `${id}-webhooks`,
      description: "cdp-relay partner webhooks",
      createDefaultStage: false,
    });
    const stage = api.addStage("DefaultStage", {
      stageName: "$default",
      autoDeploy: true,
      throttle: readApiThrottle(this.node),
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: "$context.requestId",
            ip: "$context.identity.sourceIp",
            requestTime: "$context.requestTime",
            routeKey: "$context.routeKey",
            status: "$context.status",
            responseLength: "$context.responseLength",
            integrationStatus: "$context.integrationStatus",
            integrationError: "$context.integrationErrorMessage",
            latency: "$context.responseLatency",
          }),
        ),
      },
    });
    return { api, stage };
  }

  /** What a person needs after deploying: the route URLs for the partners' consoles, the queues, the secret, the alarms. */
  private addOutputs(): void {
    new CfnOutput(this, API_URL_OUTPUT, { value: this.stage.url, description: "Base URL of the webhook API" });
    for (const { name, trigger } of HTTP_FUNCTIONS) {
      new CfnOutput(this, outputKeyForRoute(name), {
        value: `${this.stage.url}${trigger.path.replace(/^\//, "")}`,
        description: `${trigger.method} ${trigger.path}: paste into the partner's console`,
      });
    }
    for (const [destination, pair] of this.workers) {
      new CfnOutput(this, outputKeyForQueue(destination, false), { value: pair.queue.queueUrl, description: `${destination} queue` });
      new CfnOutput(this, outputKeyForQueue(destination, true), {
        value: pair.deadLetterQueue.queueUrl,
        description: `${destination} dead-letter queue`,
      });
    }
    new CfnOutput(this, SECRET_ARN_OUTPUT, { value: this.secret.secretArn, description: "Relay secret: put the secret document here" });
    new CfnOutput(this, SECRET_NAME_OUTPUT, { value: this.secret.secretName, description: "Relay secret name" });
    new CfnOutput(this, ALARM_TOPIC_OUTPUT, { value: this.alarmTopic.topicArn, description: "SNS topic the alarms notify" });
    new CfnOutput(this, DASHBOARD_OUTPUT, { value: this.monitoring.dashboard.dashboardName, description: "CloudWatch dashboard" });
  }
}
