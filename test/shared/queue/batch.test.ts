import { BatchProcessor, EventType } from "@aws-lambda-powertools/batch";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { lambdaContext } from "../../../infra/local/lambdaContext.js";
import { toRecord } from "../../../infra/local/poller.js";
import { createMixpanelSandbox, type MixpanelSandbox } from "../../../infra/local/sandboxes/mixpanel.js";
import { brazeToMixpanel } from "../../../shared/flows/brazeToMixpanel.js";
import { mixpanelWorker } from "../../../shared/flows/mixpanelWorker.js";
import { createMetrics } from "../../../shared/observability.js";
import { processBatch, type BatchOptions } from "../../../shared/queue/batch.js";
import { PartnerGuard } from "../../../shared/queue/partnerGuard.js";
import type { WorkerRuntime } from "../../../shared/queue/workerRuntime.js";
import { deriveWorkItemId, type WorkItem } from "../../../shared/queue/workItem.js";
import { brazeEventSchema } from "../../../shared/sources/braze/schema.js";
import { brazeEvent, eventId } from "../sources/braze/factories.js";
import { drainVisible, inspectQueue, startEmbeddedSqs, type EmbeddedSqs } from "../../support/embeddedSqs.js";
import { TEST_SECRETS, useSecrets } from "../../support/secrets.js";

/**
 * processBatch with the real Mixpanel worker (a destination that carries part-filled imports over) on records
 * received from the embedded SQS, against the Mixpanel sandbox.
 */
describe("processBatch: carry-over only in an invocation from the queue", () => {
  let sqs: EmbeddedSqs;
  let mixpanel: MixpanelSandbox;
  let cleanupSecrets: () => Promise<void>;
  const queueUrl = () => sqs.queueUrls.mixpanel.queue;
  let invocations = 0;

  beforeAll(async () => {
    sqs = await startEmbeddedSqs();
    cleanupSecrets = await useSecrets();
    mixpanel = createMixpanelSandbox({ mixpanel: TEST_SECRETS.mixpanel });
    vi.stubEnv("MIXPANEL_API_URL", await mixpanel.start(0));
    // Long enough for any import of ten events to wait for more.
    vi.stubEnv("BATCH_CARRY_MAX_SECONDS", "60");
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await mixpanel.stop();
    await cleanupSecrets();
    await sqs.stop();
  });

  /** Ten custom events in one work item, received from the queue. */
  async function receivedWorkItem(n: number) {
    const events = Array.from({ length: 10 }, (_, index) => {
      const id = eventId(n * 100 + index);
      return { id, event: brazeEventSchema.parse(brazeEvent("users.behaviors.CustomEvent", { id, externalUserId: "user-1" })) };
    });
    const item: WorkItem = {
      workItemId: deriveWorkItemId(brazeToMixpanel.name, n),
      flow: brazeToMixpanel.name,
      destination: "mixpanel",
      correlationId: `corr-${n}`,
      receivedAt: new Date().toISOString(),
      events,
    };
    await sqs.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl(), MessageBody: JSON.stringify(item) }));
    return { Records: (await drainVisible(sqs.sqs, queueUrl())).map((message) => toRecord(message, "arn", "us-east-1")) };
  }

  it.each<[string, BatchOptions, number, number]>([
    ["the queue's invocation carries a part-filled import over", { carry: true }, 0, 1],
    ["the probe's sends it (it asks the partner whether it is back)", { probe: true, partnerDown: true }, 1, 0],
    ["an invocation that does not say where it came from sends it", {}, 1, 0],
  ])("%s", async (_, options, imports, carried) => {
    const runtime: WorkerRuntime = {
      worker: mixpanelWorker,
      destination: "mixpanel",
      metrics: createMetrics({ destination: "mixpanel" }),
      processor: new BatchProcessor(EventType.SQS),
      guard: new PartnerGuard(),
    };
    const event = await receivedWorkItem(++invocations);
    const importsBefore = mixpanel.callsTo("/import").length;

    const { response } = await processBatch(runtime, event, lambdaContext("mixpanel-worker", 30, "us-east-1"), options);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(mixpanel.callsTo("/import").length - importsBefore).toBe(imports);
    expect((await inspectQueue(sqs, queueUrl())).ready).toHaveLength(carried);
    await drainVisible(sqs.sqs, queueUrl());
  });
});
