import { ArnFormat, Duration, Stack, Validations } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { Policy, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Queue, QueueEncryption, type IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { MAX_RECEIVE_COUNT, QUEUE_SETTINGS, RETENTION_SECONDS, deadLetterQueueName, queueName } from "../../shared/queue/definition.js";
import type { QueueRef, WorkerFunction } from "../wiring.js";
import { RelayFunction, type RelayFunctionDefaults } from "./RelayFunction.js";

export interface QueueToWorkerProps {
  /** The worker's entry in infra/wiring.ts. */
  wiring: WorkerFunction;
  functionDefaults: RelayFunctionDefaults;
  /** The other queues of the stack, for a worker whose wiring names queues besides its own. */
  queueOf: (ref: QueueRef) => IQueue;
  /** The event source mapping's MaximumConcurrency: the wiring's, or the `<destination>MaxConcurrency` context. */
  maxConcurrency: number;
  /** Minutes between two probe invocations (PARTNER_PROBE_SECONDS rounded, at least one), for a worker the wiring probes. */
  probeRateMinutes: number;
}

/**
 * A destination's queue, its DLQ, and the worker that drains the queue with the wiring's event source settings.
 * A worker that rides out partner outages also gets the rule that probes its partner while it has paused
 * its mapping, and the right to pause and resume that mapping (its own only).
 */
export class QueueToWorker extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly worker: RelayFunction;
  readonly eventSource: SqsEventSource;
  readonly probeRule?: Rule;

  constructor(scope: Construct, id: string, props: QueueToWorkerProps) {
    super(scope, id);
    const { wiring } = props;
    const { destination, eventSource } = wiring.trigger;
    const queueDefaults = {
      retentionPeriod: Duration.seconds(RETENTION_SECONDS),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    };

    this.deadLetterQueue = new Queue(this, "DeadLetterQueue", { ...queueDefaults, queueName: deadLetterQueueName(destination) });

    // The redrive policy counts receives of one SQS message. A held event is deleted and sent again as a new
    // message (shared/queue), so its receive count restarts and only real attempts reach maxReceiveCount.
    this.queue = new Queue(this, "Queue", {
      ...queueDefaults,
      queueName: queueName(destination),
      visibilityTimeout: Duration.seconds(QUEUE_SETTINGS[destination].visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    this.worker = new RelayFunction(this, "Worker", {
      defaults: props.functionDefaults,
      wiring,
      queueOf: (ref) => (ref.destination !== destination ? props.queueOf(ref) : ref.deadLetter ? this.deadLetterQueue : this.queue),
    });

    this.eventSource = new SqsEventSource(this.queue, {
      batchSize: eventSource.batchSize,
      // SQS requires a batching window whenever batchSize exceeds 10; 0 means "not set".
      maxBatchingWindow: eventSource.maxBatchingWindowSeconds > 0 ? Duration.seconds(eventSource.maxBatchingWindowSeconds) : undefined,
      reportBatchItemFailures: eventSource.reportBatchItemFailures,
      // Lambda never invokes more than this many at once; a backlog waits in SQS instead of meeting 429s.
      maxConcurrency: props.maxConcurrency,
    });
    // The consume grant (Receive, Delete, GetQueueAttributes, ChangeMessageVisibility: the worker delays its retries with it).
    this.worker.handler.addEventSource(this.eventSource);

    if (wiring.trigger.partnerProbe) {
      this.allowPausingOwnMapping();
      this.probeRule = new Rule(this, "PartnerProbe", {
        description: `cdp-relay: invokes ${wiring.name} to probe ${destination} while its partner is down (a no-op otherwise)`,
        schedule: Schedule.rate(Duration.minutes(props.probeRateMinutes)),
      });
      // The scheduled event as EventBridge sends it (the handler tells it from an SQS event by its source). A
      // missed probe is not retried: the next one comes a rate later.
      this.probeRule.addTarget(new LambdaFunction(this.worker.handler, { retryAttempts: 0 }));
    }
  }

  /**
   * lambda:ListEventSourceMappings has no resource-level permission, so it is allowed on "*"; Get and Update
   * are allowed on event source mappings of this function only (condition lambda:FunctionArn,
   * https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html). A policy of its own,
   * attached to the role: the function's ARN in it would make the function, which depends on its role's
   * default policy, depend on itself.
   */
  private allowPausingOwnMapping(): void {
    const fn = this.worker.handler;
    const mappings = Stack.of(this).formatArn({
      service: "lambda",
      resource: "event-source-mapping",
      resourceName: "*",
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const policy = new Policy(this, "PauseOwnEventSourceMapping", {
      statements: [
        new PolicyStatement({ actions: ["lambda:ListEventSourceMappings"], resources: ["*"] }),
        new PolicyStatement({
          actions: ["lambda:GetEventSourceMapping", "lambda:UpdateEventSourceMapping"],
          resources: [mappings],
          conditions: { StringEquals: { "lambda:FunctionArn": fn.functionArn } },
        }),
      ],
    });
    if (!fn.role) throw new Error(`${this.node.path}: the worker has no role to attach its mapping policy to`);
    policy.attachToRole(fn.role);
    Validations.of(policy).acknowledge(
      {
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "lambda:ListEventSourceMappings supports no resource-level permission; the worker lists to find its own mapping's UUID. Get and Update are limited to mappings of this function by lambda:FunctionArn.",
      },
      {
        id: "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:event-source-mapping:*]",
        reason:
          "A mapping's UUID is assigned at deploy and cannot be named in its function's policy without a cycle; the condition lambda:FunctionArn = this worker limits Get and Update to its own mapping.",
      },
    );
  }
}
