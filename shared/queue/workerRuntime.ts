import type { BatchProcessor } from "@aws-lambda-powertools/batch";
import { MetricUnit, type Metrics } from "@aws-lambda-powertools/metrics";
import type { DeliveryOutcome } from "../errors.js";
import type { Destination } from "./definition.js";
import type { PartnerGuard } from "./partnerGuard.js";
import type { WorkerMessage } from "./workerMessage.js";

/** What plugs into the runtime for one destination queue (see shared/flows). */
export interface DestinationWorker {
  destination: Destination;
  /**
   * Maps and delivers every event of the batch and reports one outcome per event (keyed by eventKey).
   * An event with no outcome counts as failed (retryable): an empty map never passes for success.
   */
  deliver(messages: WorkerMessage[], options?: DeliverOptions): Promise<Map<string, DeliveryOutcome>>;
}

export interface DeliverOptions {
  /**
   * Ids of the messages whose events may be carried over to a later invocation (shared/queue/carry.ts): a
   * destination that batches leaves a feed's last part-filled request unsent, its events `carried`, when
   * every event in it may wait.
   */
  carriable?: ReadonlySet<string>;
}

/** One worker container's runtime: its destination, metrics, batch processor and partner guard. */
export interface WorkerRuntime {
  worker: DestinationWorker;
  destination: Destination;
  metrics: Metrics;
  processor: BatchProcessor;
  guard: PartnerGuard;
}

/** A count stored with the handler's metrics, published when the invocation ends. */
export function count(runtime: WorkerRuntime, name: string, value: number): void {
  if (value > 0) runtime.metrics.addMetric(name, MetricUnit.Count, value);
}
