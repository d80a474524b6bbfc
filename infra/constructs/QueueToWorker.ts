import { Duration } from "aws-cdk-lib";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Queue, QueueEncryption, type IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import {
  MAX_RECEIVE_COUNT,
  QUEUE_SETTINGS,
  RETENTION_SECONDS,
  deadLetterQueueName,
  queueName,
} from "../../shared/queue/definition.js";
import type { QueueRef, WorkerFunction } from "../wiring.js";
import { RelayFunction, type RelayFunctionDefaults } from "./RelayFunction.js";

export interface QueueToWorkerProps {
  /** The worker's entry in infra/wiring.ts. */
  wiring: WorkerFunction;
  functionDefaults: RelayFunctionDefaults;
  /** The other queues of the stack, for a worker whose wiring names queues besides its own. */
  queueOf: (ref: QueueRef) => IQueue;
}

/** A destination's queue, its DLQ, and the worker that drains the queue with the wiring's event source settings. */
export class QueueToWorker extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly worker: RelayFunction;
  readonly eventSource: SqsEventSource;

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
    });
    // The consume grant (Receive, Delete, GetQueueAttributes, ChangeMessageVisibility: the worker delays its retries with it).
    this.worker.handler.addEventSource(this.eventSource);
  }
}
