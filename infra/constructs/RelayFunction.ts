import path from "node:path";
import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import { Architecture, Runtime } from "aws-cdk-lib/aws-lambda";
import { Charset, NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { SECRET_ARN_ENV_VAR, wiredEnvironment, type FunctionWiring, type QueueRef } from "../wiring.js";

/** What every function of the relay shares: where the code is, the common env and the secret. */
export interface RelayFunctionDefaults {
  /** Repository root: holds functions/, shared/ and package-lock.json. */
  projectRoot: string;
  /** Env vars every function gets (settings, Powertools, user's relayEnvironment). */
  environment: Readonly<Record<string, string>>;
  /** The relay secret; readable by the functions that say they read it. */
  secret: ISecret;
  logRetention: RetentionDays;
}

export interface RelayFunctionProps {
  defaults: RelayFunctionDefaults;
  /** The function's entry in infra/wiring.ts: its queues, secret access, sizing. */
  wiring: FunctionWiring;
  /** The queue a wiring reference names. */
  queueOf: (ref: QueueRef) => IQueue;
}

/**
 * Node 22 on arm64, bundled locally by esbuild as ESM, with its own log group, built from its wiring:
 * exactly the queue URL variables and sqs:SendMessage grants of the queues it sends to, and the secret
 * if it reads it. A worker's consume grant comes with its event source (QueueToWorker).
 */
export class RelayFunction extends Construct {
  readonly handler: NodejsFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: RelayFunctionProps) {
    super(scope, id);
    const { defaults, wiring } = props;
    this.logGroup = new LogGroup(this, "Logs", { retention: defaults.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.handler = new NodejsFunction(this, "Function", {
      description: `cdp-relay ${wiring.name}`,
      entry: path.join(defaults.projectRoot, "functions", `${wiring.name}.ts`),
      handler: "handler",
      projectRoot: defaults.projectRoot,
      depsLockFilePath: path.join(defaults.projectRoot, "package-lock.json"),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: wiring.memorySize,
      timeout: Duration.seconds(wiring.timeoutSeconds),
      logGroup: this.logGroup,
      // Wiring last, so user context cannot override it.
      environment: {
        ...defaults.environment,
        ...wiredEnvironment(wiring, (ref) => props.queueOf(ref).queueUrl, { name: SECRET_ARN_ENV_VAR, value: defaults.secret.secretArn }),
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: "node22",
        minify: true,
        // Non-ASCII text as UTF-8 instead of \u escapes: the same strings, fewer bytes.
        charset: Charset.UTF8,
        // Shipped beside the bundle, read only when NODE_OPTIONS=--enable-source-maps is set (not by default: it costs each cold start).
        sourceMap: true,
        mainFields: ["module", "main"],
        // Bundle the SDK clients we pin and test with instead of the runtime's copy. Externalised, the bundles
        // shrink to ~185 KB but a cold start loads the SDK's unbundled files and took ~100 ms longer (docs/performance.md).
        bundleAwsSDK: true,
        // Bundle-time substitutes (infra/bundling/, each file says why and what it saved; docs/performance.md):
        // the SDK's default credential chain becomes the environment, the only source Lambda uses; the
        // event-stream codecs, which no SQS or Secrets Manager operation needs, are left out.
        esbuildArgs: {
          "--alias:@aws-sdk/credential-provider-node": path.join(defaults.projectRoot, "infra", "bundling", "lambdaCredentials.ts"),
          "--alias:@smithy/core/event-streams": path.join(defaults.projectRoot, "infra", "bundling", "noEventStreams.ts"),
          // The only "legal" comments in the bundles are coverage pragmas marked @preserve (`v8 ignore next`), not licences.
          "--legal-comments": "none",
        },
      },
    });
    for (const ref of wiring.sendsTo) props.queueOf(ref).grantSendMessages(this.handler);
    if (wiring.readsSecret) defaults.secret.grantRead(this.handler);

    Validations.of(this).acknowledge(
      {
        id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        reason: "The AWS-managed basic execution role only lets the function write to CloudWatch Logs; it is the documented minimum for Lambda.",
      },
      {
        id: "AwsSolutions-L1",
        reason:
          "Node.js 22 is the runtime the relay is built and tested for (esbuild target node22); moving to a newer runtime is a deliberate, tested change.",
      },
    );
  }
}
