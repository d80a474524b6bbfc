import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { lambdaContext } from "../../infra/local/lambdaContext.js";
import { SqsPoller } from "../../infra/local/poller.js";
import { workerFor } from "../../infra/wiring.js";
import type { Destination } from "../../shared/queue/definition.js";
import type { EmbeddedSqs } from "./embeddedSqs.js";

/**
 * A started poller driving one worker handler from its destination's queue, with the wiring's event source
 * settings but no batching window, so a test sees each message as soon as it is sent.
 */
export async function startWorkerPoller(
  sqs: EmbeddedSqs,
  destination: Destination,
  handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>,
): Promise<SqsPoller> {
  const worker = workerFor(destination);
  const poller = new SqsPoller({
    sqs: sqs.sqs,
    queueUrl: sqs.queueUrls[destination].queue,
    region: "us-east-1",
    settings: { ...worker.trigger.eventSource, maxBatchingWindowSeconds: 0 },
    handlers: [handler],
    context: () => lambdaContext(worker.name, worker.timeoutSeconds, "us-east-1"),
  });
  await poller.start();
  return poller;
}
