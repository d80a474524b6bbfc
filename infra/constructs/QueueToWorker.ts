import { Duration } from "aws-cdk-lib";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import {
  MAX_RECEIVE_COUNT,
  RETENTION_SECONDS,
  deadLetterQueueName,
  deadLetterQueueUrlEnvVar,
  queueName,
  queueUrlEnvVar,
  type Destination,
  type WorkerQueueSettings,
} from "../../shared/queue/definition.js";
import { RelayFunction, type RelayFunctionDefaults } from "./RelayFunction.js";

export interface QueueToWorkerProps {
  destination: Destination;
  settings: WorkerQueueSettings;
  /** File in functions/ that consumes the queue. */
  functionName: string;
  functionDefaults: RelayFunctionDefaults;
  memorySize?: number;
}

/** A destination's queue, its DLQ, and the worker that drains the queue with partial batch failures. */
export class QueueToWorker extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly worker: RelayFunction;
  readonly eventSource: SqsEventSource;

  constructor(scope: Construct, id: string, props: QueueToWorkerProps) {
    super(scope, id);
    const { destination, settings } = props;
    const queueDefaults = {
      retentionPeriod: Duration.seconds(RETENTION_SECONDS),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    };

    this.deadLetterQueue = new Queue(this, "DeadLetterQueue", { ...queueDefaults, queueName: deadLetterQueueName(destination) });

    this.queue = new Queue(this, "Queue", {
      ...queueDefaults,
      queueName: queueName(destination),
      visibilityTimeout: Duration.seconds(settings.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    this.worker = new RelayFunction(this, "Worker", {
      defaults: props.functionDefaults,
      functionName: props.functionName,
      // Feed keys and project tokens (mParticle, Mixpanel), the sealing key of Pushwoosh credentials.
      readsSecret: true,
      timeout: Duration.seconds(settings.workerTimeoutSeconds),
      memorySize: props.memorySize ?? 512,
      environment: {
        [queueUrlEnvVar(destination)]: this.queue.queueUrl,
        [deadLetterQueueUrlEnvVar(destination)]: this.deadLetterQueue.queueUrl,
      },
    });

    this.eventSource = new SqsEventSource(this.queue, {
      batchSize: settings.batchSize,
      // SQS requires a batching window whenever batchSize exceeds 10; 0 means "not set".
      maxBatchingWindow: settings.maxBatchingWindowSeconds > 0 ? Duration.seconds(settings.maxBatchingWindowSeconds) : undefined,
      reportBatchItemFailures: true,
    });
    // The consume grant includes sqs:ChangeMessageVisibility, which the worker uses to delay its retries.
    this.worker.handler.addEventSource(this.eventSource);
    // The worker parks final failures in the DLQ itself, so the copy carries the reason.
    this.deadLetterQueue.grantSendMessages(this.worker.handler);
  }
}
