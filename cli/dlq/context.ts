import type { SQSClient } from "@aws-sdk/client-sqs";
import type { CliIo } from "../io.js";
import type { DlqTarget } from "./queues.js";

/** Timings, apart so tests against the in-memory SQS need not wait for AWS-sized pauses. */
export interface DlqSettings {
  /** Long-poll wait of each receive; the last, empty one costs this much. */
  receiveWaitSeconds: number;
  /** How often to ask SQS how a StartMessageMoveTask is doing. */
  moveTaskPollMilliseconds: number;
}

export const DEFAULT_DLQ_SETTINGS: DlqSettings = { receiveWaitSeconds: 1, moveTaskPollMilliseconds: 2000 };

export interface DlqContext {
  sqs: SQSClient;
  io: CliIo;
  target: DlqTarget;
  settings: DlqSettings;
}
