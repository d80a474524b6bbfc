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
  /**
   * A destination that batches events into requests carries part-filled ones over (shared/queue/carry.ts);
   * one that sends a call per event or user has nothing to fill, and its bundle leaves the code out.
   */
  carry?: BatchCarry;
}

/** Carry-over of part-filled requests to a later invocation (shared/queue/carry.ts: `batchCarry`). */
export interface BatchCarry {
  /** The messages whose events may wait (none when BATCH_CARRY_MAX_SECONDS is 0). */
  carriable(messages: WorkerMessage[]): Set<string>;
  /** Carried messages first, so carried events lead the requests they join. */
  carriedFirst(messages: WorkerMessage[]): WorkerMessage[];
  /** Puts what the destination carried back on the queue before any message is settled. */
  carryOver(runtime: WorkerRuntime, messages: WorkerMessage[], outcomes: Map<string, DeliveryOutcome>): Promise<void>;
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
