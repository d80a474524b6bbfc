import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { App } from "aws-cdk-lib";
import { Match, type Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CdpRelayStack, REPOSITORY_ROOT } from "../../infra/stack.js";
import { DEFAULT_API_THROTTLE, readRelayContext } from "../../infra/context.js";
import { outputKeyForQueue, outputKeyForRoute } from "../../infra/outputs.js";
import { localFunctionEnvironment } from "../../infra/local/localStack.js";
import type { QueueUrls } from "../../infra/local/sqs.js";
import {
  FUNCTIONS,
  HTTP_FUNCTIONS,
  WIRED_ENV_VARS,
  WORKER_FUNCTIONS,
  probesPartner,
  queueEnvVar,
  queuesOf,
  workerFor,
  type QueueRef,
} from "../../infra/wiring.js";
import { HOLD_PARKING_MARGIN_SECONDS, probeRateMinutes } from "../../infra/outageSettings.js";
import { relaySecretsSchema } from "../../shared/config/secrets.js";
import { synthesizeRelay, type SynthesizedRelay } from "../support/synthesizedStack.js";
import { SECRET_NOT_CONFIGURED_METRIC } from "../../shared/observability.js";
import {
  DESTINATIONS,
  MAX_RECEIVE_COUNT,
  QUEUE_SETTINGS,
  RETENTION_SECONDS,
  deadLetterQueueName,
  deadLetterQueueUrlEnvVar,
  queueName,
  type Destination,
} from "../../shared/queue/definition.js";
import { DEFAULT_RETRY_BASE_SECONDS } from "../../shared/config/settings.js";
import { defined } from "../support/defined.js";

const cleanups: Array<() => void> = [];
/**
 * The stack as `cdk synth` builds it. A synthesis that only reads the template skips bundling the
 * functions (CDK's own `aws:cdk:bundling-stacks` context), which is most of a synthesis's time.
 */
function synthRelay(context: Record<string, unknown> = {}, { bundle = true } = {}): SynthesizedRelay {
  const relay = synthesizeRelay(bundle ? context : { ...context, "aws:cdk:bundling-stacks": [] });
  cleanups.push(relay.remove);
  return relay;
}

function onlyKey(resources: Record<string, unknown>, what: string): string {
  const keys = Object.keys(resources);
  if (keys.length !== 1) throw new Error(`expected exactly one ${what}, found ${keys.length}`);
  return keys[0] as string;
}

let relay: ReturnType<typeof synthRelay>;
let template: Template;

function queueId(destination: Destination, deadLetter: boolean): string {
  const name = deadLetter ? deadLetterQueueName(destination) : queueName(destination);
  return onlyKey(template.findResources("AWS::SQS::Queue", { Properties: { QueueName: name } }), `queue ${name}`);
}

function functionId(functionName: string): string {
  return onlyKey(template.findResources("AWS::Lambda::Function", { Properties: { Description: `cdp-relay ${functionName}` } }), `function ${functionName}`);
}

const arnOf = (logicalId: string) => ({ "Fn::GetAtt": [logicalId, "Arn"] });

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** The statements that let a worker pause and resume its own event source mapping (infra/constructs/QueueToWorker.ts). */
const isMappingStatement = (statement: Statement) =>
  asList(statement.Action).every((action) => action.startsWith("lambda:") && action.includes("EventSourceMapping"));

function policyStatementsOf(functionLogicalId: string): Statement[] {
  const roleId = (template.toJSON().Resources[functionLogicalId].Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  const policies = template.findResources("AWS::IAM::Policy", { Properties: { Roles: [{ Ref: roleId }] } });
  return Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** The actions a function's role allows on one resource, however CDK merged the statements. */
function actionsAllowedOn(functionLogicalId: string, resource: unknown): string[] {
  const key = JSON.stringify(resource);
  return policyStatementsOf(functionLogicalId)
    .filter((statement) => statement.Effect === "Allow" && asList(statement.Resource).some((r) => JSON.stringify(r) === key))
    .flatMap((statement) => asList(statement.Action));
}

/** Every resource a function's role may call `action` on. */
function resourcesAllowing(functionLogicalId: string, action: string): unknown[] {
  return policyStatementsOf(functionLogicalId)
    .filter((statement) => statement.Effect === "Allow" && asList(statement.Action).includes(action))
    .flatMap((statement) => asList(statement.Resource));
}

beforeAll(() => {
  relay = synthRelay();
  template = relay.template;
});

afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

describe("CdpRelayStack", () => {
  it("creates one queue and one DLQ per destination, named by the shared queue definition", () => {
    template.resourceCountIs("AWS::SQS::Queue", DESTINATIONS.length * 2);
    for (const destination of DESTINATIONS) {
      template.hasResourceProperties("AWS::SQS::Queue", {
        QueueName: queueName(destination),
        MessageRetentionPeriod: RETENTION_SECONDS,
        VisibilityTimeout: QUEUE_SETTINGS[destination].visibilityTimeoutSeconds,
        SqsManagedSseEnabled: true,
        RedrivePolicy: { deadLetterTargetArn: arnOf(queueId(destination, true)), maxReceiveCount: MAX_RECEIVE_COUNT },
      });
      template.hasResourceProperties("AWS::SQS::Queue", {
        QueueName: deadLetterQueueName(destination),
        MessageRetentionPeriod: RETENTION_SECONDS,
        SqsManagedSseEnabled: true,
      });
    }
  });

  it("denies non-TLS access to every queue", () => {
    for (const destination of DESTINATIONS) {
      for (const deadLetter of [false, true]) {
        template.hasResourceProperties("AWS::SQS::QueuePolicy", {
          Queues: [{ Ref: queueId(destination, deadLetter) }],
          PolicyDocument: {
            Statement: Match.arrayWith([Match.objectLike({ Effect: "Deny", Action: "sqs:*", Condition: { Bool: { "aws:SecureTransport": "false" } } })]),
          },
        });
      }
    }
  });

  it("feeds each worker from its queue with the wiring's event source settings", () => {
    template.resourceCountIs("AWS::Lambda::EventSourceMapping", WORKER_FUNCTIONS.length);
    for (const { name, trigger } of WORKER_FUNCTIONS) {
      const { batchSize, maxBatchingWindowSeconds, reportBatchItemFailures } = trigger.eventSource;
      template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
        EventSourceArn: arnOf(queueId(trigger.destination, false)),
        FunctionName: { Ref: functionId(name) },
        FunctionResponseTypes: reportBatchItemFailures ? ["ReportBatchItemFailures"] : Match.absent(),
        BatchSize: batchSize,
        MaximumBatchingWindowInSeconds: maxBatchingWindowSeconds > 0 ? maxBatchingWindowSeconds : Match.absent(),
      });
      const consume = actionsAllowedOn(functionId(name), arnOf(queueId(trigger.destination, false)));
      for (const action of ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]) {
        expect(consume, `${name} ${action}`).toContain(action);
      }
    }
  });

  it("caps each worker's event source mapping at the wiring's MaximumConcurrency", () => {
    for (const { name, trigger } of WORKER_FUNCTIONS) {
      expect(trigger.eventSource.maxConcurrency, name).toBeGreaterThanOrEqual(2);
      template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
        FunctionName: { Ref: functionId(name) },
        ScalingConfig: { MaximumConcurrency: trigger.eventSource.maxConcurrency },
      });
    }
  });

  it("takes a destination's MaximumConcurrency from context <destination>MaxConcurrency, and refuses what Lambda would", () => {
    const { template: configured, stack } = synthRelay({ mparticleMaxConcurrency: "7", mixpanelMaxConcurrency: 1000 }, { bundle: false });
    const mappingOf = (destination: Destination) => {
      const functionLogicalId = stack.getLogicalId(stack.workers.get(destination)?.worker.handler.node.defaultChild as never);
      return Object.values(configured.findResources("AWS::Lambda::EventSourceMapping", { Properties: { FunctionName: { Ref: functionLogicalId } } }))[0];
    };
    expect(mappingOf("mparticle")?.Properties.ScalingConfig).toEqual({ MaximumConcurrency: 7 });
    expect(mappingOf("mixpanel")?.Properties.ScalingConfig).toEqual({ MaximumConcurrency: 1000 });
    expect(mappingOf("pushwoosh")?.Properties.ScalingConfig).toEqual({ MaximumConcurrency: workerFor("pushwoosh").trigger.eventSource.maxConcurrency });
    for (const refused of [1, 1001, 2.5, "many"]) {
      const app = new App({ context: { pushwooshMaxConcurrency: refused } });
      expect(() => new CdpRelayStack(app, "CdpRelay", readRelayContext(app.node)), String(refused)).toThrow(
        /pushwooshMaxConcurrency must be a whole number from 2 to 1000/,
      );
    }
  });

  it("invokes each probed worker on an EventBridge schedule, every PARTNER_PROBE_SECONDS rounded to whole minutes (at least one)", () => {
    const probed = WORKER_FUNCTIONS.filter(probesPartner);
    expect(probed.map((fn) => fn.name).sort()).toEqual(WORKER_FUNCTIONS.map((fn) => fn.name).sort());
    template.resourceCountIs("AWS::Events::Rule", probed.length);
    for (const { name } of probed) {
      template.hasResourceProperties("AWS::Events::Rule", {
        ScheduleExpression: "rate(1 minute)",
        State: "ENABLED",
        Targets: [Match.objectLike({ Arn: arnOf(functionId(name)), RetryPolicy: { MaximumRetryAttempts: 0 } })],
      });
      template.hasResourceProperties("AWS::Lambda::Permission", {
        Action: "lambda:InvokeFunction",
        FunctionName: arnOf(functionId(name)),
        Principal: "events.amazonaws.com",
      });
    }
    expect([20, 60, 89, 150, 300].map(probeRateMinutes)).toEqual([1, 1, 1, 3, 5]);
  });

  it("lets each worker find, read and pause only its own event source mapping, without a dependency cycle", () => {
    for (const { name } of WORKER_FUNCTIONS) {
      const id = functionId(name);
      const mappingStatements = policyStatementsOf(id).filter(isMappingStatement);
      expect(mappingStatements, name).toEqual([
        { Effect: "Allow", Action: "lambda:ListEventSourceMappings", Resource: "*" },
        {
          Effect: "Allow",
          Action: ["lambda:GetEventSourceMapping", "lambda:UpdateEventSourceMapping"],
          Resource: {
            "Fn::Join": [
              "",
              ["arn:", { Ref: "AWS::Partition" }, ":lambda:", { Ref: "AWS::Region" }, ":", { Ref: "AWS::AccountId" }, ":event-source-mapping:*"],
            ],
          },
          Condition: { StringEquals: { "lambda:FunctionArn": arnOf(id) } },
        },
      ]);
      // The policy names the function's ARN, so the function must not wait for it (its default policy it does wait for).
      const policyIds = Object.keys(
        template.findResources("AWS::IAM::Policy", {
          Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: "lambda:ListEventSourceMappings" })]) } },
        }),
      );
      const functionDependsOn = (template.toJSON().Resources[id].DependsOn ?? []) as string[];
      expect(
        functionDependsOn.filter((dependency) => policyIds.includes(dependency)),
        name,
      ).toEqual([]);
    }
    for (const { name } of HTTP_FUNCTIONS) expect(policyStatementsOf(functionId(name)).filter(isMappingStatement), name).toEqual([]);
  });

  it("keeps messages longer than RETRY_HOLD_SECONDS, and refuses a hold the queues' retention cannot cover", () => {
    const longest = RETENTION_SECONDS - HOLD_PARKING_MARGIN_SECONDS;
    expect(RETENTION_SECONDS).toBe(14 * 24 * 3600);
    expect(longest).toBeGreaterThanOrEqual(86_400);
    const { template: longHold } = synthRelay({ relayEnvironment: { RETRY_HOLD_SECONDS: String(longest) } }, { bundle: false });
    longHold.hasResourceProperties("AWS::SQS::Queue", { QueueName: queueName("mparticle"), MessageRetentionPeriod: RETENTION_SECONDS });
    const app = new App({ context: { relayEnvironment: { RETRY_HOLD_SECONDS: String(longest + 1) } } });
    expect(() => new CdpRelayStack(app, "CdpRelay", readRelayContext(app.node))).toThrow(/RETRY_HOLD_SECONDS \d+ is longer than the queues can keep a message/);
  });

  it("gives each function exactly the queue URL variables and sqs:SendMessage grants its wiring lists, and its sizing", () => {
    const refId = ({ destination, deadLetter }: QueueRef) => queueId(destination, deadLetter);
    const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));
    for (const fn of FUNCTIONS) {
      const id = functionId(fn.name);
      const properties = template.toJSON().Resources[id].Properties;
      const variables = properties.Environment.Variables as Record<string, unknown>;
      const queueVariables = Object.keys(variables).filter((name) => name.endsWith("_QUEUE_URL") || name.endsWith("_DLQ_URL"));
      expect(queueVariables.sort(), fn.name).toEqual(queuesOf(fn).map(queueEnvVar).sort());
      for (const ref of queuesOf(fn)) expect(variables[queueEnvVar(ref)], fn.name).toEqual({ Ref: refId(ref) });
      expect(resourcesAllowing(id, "sqs:SendMessage").sort(byJson), fn.name).toEqual(fn.sendsTo.map((ref) => arnOf(refId(ref))).sort(byJson));
      expect([properties.Timeout, properties.MemorySize], fn.name).toEqual([fn.timeoutSeconds, fn.memorySize]);
    }
  });

  it("gives each function the same wired variables under `npm start` as the template gives it in AWS", () => {
    const localUrls = Object.fromEntries(DESTINATIONS.map((destination) => [destination, { queue: `local-${destination}`, dlq: `local-${destination}-dlq` }]));
    const shell = { PUSHWOOSH_QUEUE_URL: "from-the-shell", RELAY_SECRET_ARN: "from-the-shell", PATH: "/bin" };
    const wired = (names: string[]) => names.filter((name) => WIRED_ENV_VARS.has(name) && name !== "RELAY_SECRETS_FILE" && name !== "RELAY_SECRET_ARN").sort();
    for (const fn of FUNCTIONS) {
      const inAws = template.toJSON().Resources[functionId(fn.name)].Properties.Environment.Variables as Record<string, unknown>;
      const local = localFunctionEnvironment(fn, localUrls as QueueUrls, "/secrets.json", shell);
      expect(wired(Object.keys(local)), fn.name).toEqual(wired(Object.keys(inAws)));
      expect("RELAY_SECRETS_FILE" in local, fn.name).toBe("RELAY_SECRET_ARN" in inAws);
      expect(local.RELAY_SECRET_ARN, fn.name).toBeUndefined();
      expect(local.PATH, fn.name).toBe("/bin");
    }
  });

  it("lets Braze Currents ingest park rejected events in the mParticle and Mixpanel DLQs", () => {
    const id = functionId("braze-currents");
    for (const destination of ["mparticle", "mixpanel"] as const) {
      expect(actionsAllowedOn(id, arnOf(queueId(destination, true)))).toContain("sqs:SendMessage");
      expect(template.toJSON().Resources[id].Properties.Environment.Variables[deadLetterQueueUrlEnvVar(destination)]).toEqual({
        Ref: queueId(destination, true),
      });
    }
  });

  it("routes the five webhook paths to their ingest functions", () => {
    template.resourceCountIs("AWS::ApiGatewayV2::Route", HTTP_FUNCTIONS.length);
    for (const { name, trigger } of HTTP_FUNCTIONS) {
      const integrationId = onlyKey(
        template.findResources("AWS::ApiGatewayV2::Integration", {
          Properties: { IntegrationType: "AWS_PROXY", IntegrationUri: arnOf(functionId(name)) },
        }),
        `integration for ${trigger.path}`,
      );
      template.hasResourceProperties("AWS::ApiGatewayV2::Route", {
        RouteKey: `${trigger.method} ${trigger.path}`,
        Target: { "Fn::Join": ["", ["integrations/", { Ref: integrationId }]] },
      });
    }
    expect(HTTP_FUNCTIONS.map(({ trigger }) => `${trigger.method} ${trigger.path}`)).toEqual([
      "POST /mparticle/registration",
      "POST /mparticle/events",
      "POST /mparticle/audiences",
      "POST /mparticle/webhook",
      "POST /braze/currents",
    ]);
  });

  it("gives each role named actions on exactly its wired queues and the secret: no wildcard action or resource", () => {
    const secret = { Ref: onlyKey(template.findResources("AWS::SecretsManager::Secret"), "secret") };
    const key = (resource: unknown) => JSON.stringify(resource);
    for (const fn of FUNCTIONS) {
      // The event source mapping statements are checked on their own below (ListEventSourceMappings has no resource-level permission).
      const statements = policyStatementsOf(functionId(fn.name)).filter((statement) => statement.Effect === "Allow" && !isMappingStatement(statement));
      const actions = statements.flatMap((statement) => asList(statement.Action));
      expect(
        actions.filter((action) => action.includes("*")),
        fn.name,
      ).toEqual([]);
      const resources = new Set(statements.flatMap((statement) => asList(statement.Resource)).map(key));
      const wired = [...queuesOf(fn).map((ref) => arnOf(queueId(ref.destination, ref.deadLetter))), ...(fn.readsSecret ? [secret] : [])].map(key);
      expect([...resources].sort(), fn.name).toEqual([...new Set(wired)].sort());
    }
  });

  it("logs access and throttles on the default stage", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp("\\$context\\.requestId") },
      DefaultRouteSettings: { ThrottlingRateLimit: DEFAULT_API_THROTTLE.rateLimit, ThrottlingBurstLimit: DEFAULT_API_THROTTLE.burstLimit },
    });
  });

  it("runs every function on Node.js 22 arm64 with the shared settings and a log group with retention", () => {
    template.resourceCountIs("AWS::Lambda::Function", FUNCTIONS.length);
    template.allResourcesProperties("AWS::Lambda::Function", {
      Runtime: "nodejs22.x",
      Architectures: ["arm64"],
      Handler: "index.handler",
      LoggingConfig: { LogGroup: { Ref: Match.anyValue() } },
      Environment: {
        Variables: Match.objectLike({
          RETRY_BASE_SECONDS: String(DEFAULT_RETRY_BASE_SECONDS),
          POWERTOOLS_SERVICE_NAME: "cdp-relay",
          POWERTOOLS_METRICS_NAMESPACE: "CdpRelay",
        }),
      },
    });
    for (const [id, resource] of Object.entries(template.findResources("AWS::Lambda::Function"))) {
      // Source maps cost every cold start; they are shipped but only an operator turns them on.
      expect(resource.Properties.Environment.Variables.NODE_OPTIONS, id).toBeUndefined();
      expect(resource.Properties.MemorySize, id).toBeGreaterThanOrEqual(256);
      expect(resource.Properties.MemorySize, id).toBeLessThanOrEqual(512);
      const logGroupId = resource.Properties.LoggingConfig.LogGroup.Ref as string;
      expect(template.toJSON().Resources[logGroupId].Properties.RetentionInDays, id).toBeGreaterThan(0);
    }
  });

  it("lets exactly the functions that read the relay secret read it: all but the unauthenticated registration", () => {
    const secretId = onlyKey(template.findResources("AWS::SecretsManager::Secret"), "secret");
    const functions = Object.entries(template.findResources("AWS::Lambda::Function"));
    for (const [id, resource] of functions) {
      const name = String(resource.Properties.Description).replace("cdp-relay ", "");
      const reads = name !== "mparticle-registration";
      expect(resource.Properties.Environment.Variables.RELAY_SECRET_ARN, name).toEqual(reads ? { Ref: secretId } : undefined);
      if (reads) expect(actionsAllowedOn(id, { Ref: secretId }), name).toContain("secretsmanager:GetSecretValue");
      else expect(actionsAllowedOn(id, { Ref: secretId }), name).not.toContain("secretsmanager:GetSecretValue");
    }
    expect(functions.map(([, resource]) => resource.Properties.Description)).toContain("cdp-relay mparticle-registration");
  });

  it("passes the relayEnvironment context to every function, given as a JSON string", () => {
    const { template: configured } = synthRelay(
      {
        relayEnvironment: JSON.stringify({ MPARTICLE_API_URL: "https://s2s.eu1.mparticle.com", RETRY_BASE_SECONDS: "5" }),
        alarmEmail: "ops@example.com",
      },
      { bundle: false },
    );
    configured.allResourcesProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ MPARTICLE_API_URL: "https://s2s.eu1.mparticle.com", RETRY_BASE_SECONDS: "5" }) },
    });
    configured.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: "ops@example.com" });
  });

  it("refuses a relayEnvironment that overrides the queue or secret wiring", () => {
    const app = new App({ context: { relayEnvironment: { PUSHWOOSH_QUEUE_URL: "https://example.com/q" } } });
    expect(() => new CdpRelayStack(app, "CdpRelay", readRelayContext(app.node))).toThrow(/PUSHWOOSH_QUEUE_URL/);
  });

  it("creates the relay secret from a template of the documented secret document", () => {
    const secret = Object.values(template.findResources("AWS::SecretsManager::Secret"))[0];
    const generate = secret?.Properties.GenerateSecretString as { SecretStringTemplate: string; GenerateStringKey: string };
    expect(relaySecretsSchema.safeParse(JSON.parse(generate.SecretStringTemplate)).success).toBe(true);
    expect(generate.SecretStringTemplate).toContain("REPLACE_ME");
    expect(Object.keys(relaySecretsSchema.shape)).not.toContain(generate.GenerateStringKey);
  });

  it("alarms when a DLQ holds messages, for every destination", () => {
    for (const destination of DESTINATIONS) {
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        Namespace: "AWS/SQS",
        MetricName: "ApproximateNumberOfMessagesVisible",
        Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [queueId(destination, true), "QueueName"] } }],
        ComparisonOperator: "GreaterThanThreshold",
        Threshold: 0,
        AlarmActions: [{ Ref: Match.anyValue() }],
      });
    }
  });

  it("alarms on worker errors, for every worker", () => {
    for (const { name: functionName } of WORKER_FUNCTIONS) {
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        Namespace: "AWS/Lambda",
        MetricName: "Errors",
        Dimensions: [{ Name: "FunctionName", Value: { Ref: functionId(functionName) } }],
        ComparisonOperator: "GreaterThanThreshold",
        Threshold: 0,
      });
    }
  });

  it("alarms on ingest 5xx responses", () => {
    const apiId = onlyKey(template.findResources("AWS::ApiGatewayV2::Api"), "HTTP API");
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/ApiGateway",
      MetricName: "5xx",
      Dimensions: [{ Name: "ApiId", Value: { Ref: apiId } }],
      ComparisonOperator: "GreaterThanThreshold",
      Threshold: 0,
    });
  });

  it("alarms when ingest refuses requests because an inbound credential is not configured", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "CdpRelay",
      MetricName: SECRET_NOT_CONFIGURED_METRIC,
      Dimensions: [{ Name: "service", Value: "cdp-relay" }],
      ComparisonOperator: "GreaterThanThreshold",
      Threshold: 0,
      TreatMissingData: "notBreaching",
    });
  });

  it("alarms on credential failures, on the dimensions Powertools emits", () => {
    for (const destination of DESTINATIONS) {
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        Namespace: "CdpRelay",
        MetricName: "credentialFailures",
        Dimensions: Match.arrayEquals([
          { Name: "destination", Value: destination },
          { Name: "service", Value: "cdp-relay" },
        ]),
        ComparisonOperator: "GreaterThanThreshold",
        Threshold: 0,
        TreatMissingData: "notBreaching",
      });
    }
  });

  it("alarms (PartnerOutageAlarm) when a destination's partner has been down for 15 minutes", () => {
    for (const destination of DESTINATIONS) {
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        AlarmName: `CdpRelay-${destination}-PartnerOutageAlarm`,
        Namespace: "CdpRelay",
        MetricName: "partnerDown",
        Dimensions: Match.arrayWith([
          { Name: "destination", Value: destination },
          { Name: "service", Value: "cdp-relay" },
        ]),
        Statistic: "Maximum",
        Period: 60,
        EvaluationPeriods: 15,
        DatapointsToAlarm: 15,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
      });
    }
    // A slower probe makes fewer, longer periods that still cover 15 minutes, and a slower schedule.
    const { template: slow } = synthRelay({ relayEnvironment: { PARTNER_PROBE_SECONDS: "300" } }, { bundle: false });
    slow.hasResourceProperties("AWS::CloudWatch::Alarm", { MetricName: "partnerDown", Period: 300, EvaluationPeriods: 3, DatapointsToAlarm: 3 });
    expect(Object.values(slow.findResources("AWS::Events::Rule")).map((rule) => rule.Properties.ScheduleExpression)).toEqual(
      WORKER_FUNCTIONS.map(() => "rate(5 minutes)"),
    );
  });

  it("alarms on events parked at ingest, summing parkedAtIngest over every destination", () => {
    const alarms = Object.entries(template.findResources("AWS::CloudWatch::Alarm")).filter(([id]) => id.includes("ParkedAtIngestAlarm"));
    expect(alarms).toHaveLength(1);
    const [, alarm] = defined(alarms[0]);
    expect(alarm.Properties).toMatchObject({
      AlarmName: "CdpRelay-parked-at-ingest",
      ComparisonOperator: "GreaterThanThreshold",
      Threshold: 0,
      TreatMissingData: "notBreaching",
    });
    const queries = alarm.Properties.Metrics as Array<{
      Id: string;
      Expression?: string;
      ReturnData?: boolean;
      MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: Array<{ Name: string; Value: string }> }; Stat: string };
    }>;
    const summed = queries.filter((query) => query.MetricStat);
    expect(summed.map((query) => query.MetricStat)).toEqual(
      expect.arrayContaining(
        DESTINATIONS.map((destination) => ({
          Metric: {
            Namespace: "CdpRelay",
            MetricName: "parkedAtIngest",
            Dimensions: expect.arrayContaining([
              { Name: "destination", Value: destination },
              { Name: "service", Value: "cdp-relay" },
            ]),
          },
          Period: 300,
          Stat: "Sum",
        })),
      ),
    );
    expect(summed).toHaveLength(DESTINATIONS.length);
    const [expression] = queries.filter((query) => query.Expression);
    expect(expression?.Expression).toBe(`SUM([${summed.map((query) => `FILL(${query.Id}, 0)`).join(", ")}])`);
  });

  it("sends alarms to an SNS topic that only accepts TLS", () => {
    const topicId = onlyKey(template.findResources("AWS::SNS::Topic"), "alarm topic");
    for (const alarm of Object.values(template.findResources("AWS::CloudWatch::Alarm"))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    }
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      Topics: [{ Ref: topicId }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } })]) },
    });
  });

  it("builds a dashboard with the relay metrics for every destination", () => {
    const dashboard = Object.values(template.findResources("AWS::CloudWatch::Dashboard"))[0];
    const [, parts] = dashboard?.Properties.DashboardBody["Fn::Join"] as [string, unknown[]];
    // Tokens sit inside JSON strings; replacing each with its logical id leaves parseable JSON.
    const body = JSON.parse(parts.map((part) => (typeof part === "string" ? part : JSON.stringify(part).replace(/"/g, ""))).join(""));
    const graphed: string[] = body.widgets.flatMap((widget: { properties: { metrics?: unknown[][] } }) =>
      (widget.properties.metrics ?? []).map((metric) => JSON.stringify(metric)),
    );
    const shows = (...needles: string[]) => graphed.some((metric) => needles.every((needle) => metric.includes(needle)));
    for (const destination of DESTINATIONS) {
      for (const metric of ["delivered", "retried", "partnerLatency"]) {
        expect(shows(`"CdpRelay","${metric}"`, `"destination","${destination}"`, `"service","cdp-relay"`), `${metric} ${destination}`).toBe(true);
      }
      for (const metric of ["parked", "skipped"]) {
        expect(shows("SEARCH(", `MetricName=\\"${metric}\\" destination=\\"${destination}\\"`), `${metric} ${destination}`).toBe(true);
      }
      for (const metric of ["partnerDown", "held", "throttled"]) {
        expect(shows(`"CdpRelay","${metric}"`, `"destination","${destination}"`), `${metric} ${destination}`).toBe(true);
      }
      expect(shows("ApproximateNumberOfMessagesVisible", queueId(destination, false))).toBe(true);
      expect(shows("ApproximateNumberOfMessagesVisible", queueId(destination, true))).toBe(true);
    }
    for (const { name: functionName } of WORKER_FUNCTIONS) {
      expect(shows(`"AWS/Lambda","Errors"`, functionId(functionName))).toBe(true);
      expect(shows(`"AWS/Lambda","Duration"`, functionId(functionName))).toBe(true);
    }
    // Each ingest function's duration, the mParticle Webhook's included.
    for (const { name: functionName } of HTTP_FUNCTIONS) expect(shows(`"AWS/Lambda","Duration"`, functionId(functionName)), functionName).toBe(true);
    for (const metric of ["4xx", "5xx", "Latency"]) expect(shows(`"AWS/ApiGateway","${metric}"`)).toBe(true);
    for (const destination of DESTINATIONS)
      expect(shows(`"CdpRelay","parkedAtIngest"`, `"destination","${destination}"`), `parkedAtIngest ${destination}`).toBe(true);
  });

  it("outputs the webhook URLs, the queue URLs under the CLI's keys, and the secret", () => {
    for (const { name, trigger } of HTTP_FUNCTIONS) {
      template.hasOutput(outputKeyForRoute(name), {
        Value: { "Fn::Join": ["", Match.arrayWith([Match.stringLikeRegexp(`${trigger.path}$`)])] },
      });
    }
    for (const destination of DESTINATIONS) {
      template.hasOutput(outputKeyForQueue(destination, false), { Value: { Ref: queueId(destination, false) } });
      template.hasOutput(outputKeyForQueue(destination, true), { Value: { Ref: queueId(destination, true) } });
    }
    const outputs = Object.keys(template.toJSON().Outputs);
    expect(outputs).toEqual(
      expect.arrayContaining([
        "MparticleRegistrationUrl",
        "MparticleEventsUrl",
        "MparticleAudiencesUrl",
        "MparticleWebhookUrl",
        "BrazeCurrentsUrl",
        "PushwooshQueueUrl",
        "PushwooshDeadLetterQueueUrl",
        "MparticleQueueUrl",
        "MparticleDeadLetterQueueUrl",
        "MixpanelQueueUrl",
        "MixpanelDeadLetterQueueUrl",
        "RelaySecretArn",
        "RelaySecretName",
      ]),
    );
  });

  it("passes the cdk-nag AwsSolutions checks, every finding acknowledged with a reason", () => {
    const report = new AwsSolutionsChecks().validateScope(relay.app);
    const findings = report.violations.map(
      (violation) => `${violation.ruleName} (${violation.severity}) at ${violation.violatingResources.map((resource) => resource.constructPath).join(", ")}`,
    );
    expect(findings).toEqual([]);
    for (const construct of relay.app.node.findAll()) {
      for (const entry of construct.node.metadata.filter((metadata) => metadata.type === "aws:cdk:acknowledged-rules")) {
        for (const reason of Object.values(entry.data as Record<string, string>)) expect(reason.length, construct.node.path).toBeGreaterThan(20);
      }
    }
  });

  it("synthesizes with the real `cdk synth` CLI, offline and without AWS credentials", async () => {
    const output = mkdtempSync(path.join(tmpdir(), "cdp-relay-cli-"));
    cleanups.push(() => rmSync(output, { recursive: true, force: true }));
    const env: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(process.env)) if (!name.startsWith("AWS_") && !name.startsWith("CDK_")) env[name] = value;
    Object.assign(env, { CDK_DISABLE_VERSION_CHECK: "1", AWS_EC2_METADATA_DISABLED: "true" });
    // execFile's timeout kills a synth that hangs; a wall-clock check after it could only fail at random.
    await promisify(execFile)("npx", ["cdk", "synth", "-q", "--output", output], { cwd: REPOSITORY_ROOT, env, timeout: 180_000 });
    const synthesized = JSON.parse(readFileSync(path.join(output, "CdpRelay.template.json"), "utf8"));
    expect(Object.keys(synthesized.Outputs)).toContain(outputKeyForQueue("pushwoosh", true));
  }, 180_000);
});
