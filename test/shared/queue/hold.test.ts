import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { PurgeQueueCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import type { ScheduledEvent } from "aws-lambda";
import { lambdaContext } from "../../../infra/local/lambdaContext.js";
import { toRecord } from "../../../infra/local/poller.js";
import { queueName, type Destination } from "../../../shared/queue/definition.js";
import { PARK_ATTRIBUTE, type ParkRecord } from "../../../shared/queue/park.js";
import { createWorkerHandler } from "../../../shared/queue/worker.js";
import { deriveWorkItemId, type WorkItem } from "../../../shared/queue/workItem.js";
import { drainVisible, inspectQueue, startEmbeddedSqs, type EmbeddedSqs } from "../../support/embeddedSqs.js";
import { startLambdaMappingStandIn, type LambdaMappingStandIn } from "../../support/lambdaMappingStandIn.js";
import { usePublishedMetrics } from "../../support/publishedMetrics.js";
import { startTestPartner, testPartnerWorker, type TestPartner } from "../../support/testPartner.js";
import { defined } from "../../support/defined.js";

const destination: Destination = "mparticle";
const context = () => lambdaContext("mparticle-worker", 30, "us-east-1");
const scheduledEvent = { source: "aws.events", "detail-type": "Scheduled Event", detail: {} } as ScheduledEvent;

function workItem(n: number, extra: Partial<WorkItem> = {}): WorkItem {
  return {
    workItemId: deriveWorkItemId("hold", n),
    flow: "test-flow",
    destination,
    correlationId: `corr-${n}`,
    receivedAt: new Date().toISOString(),
    events: [{ id: `e-${n}`, event: { n } }],
    ...extra,
  };
}

/**
 * The handler called directly, as Lambda calls it, on records received from the embedded SQS, with the real
 * partnerRequest against a partner stand-in and the real Lambda client against a Lambda API stand-in: what a
 * held message becomes, the pause, the probe and the metrics, one invocation at a time.
 */
describe("holding while the partner is down", () => {
  let sqs: EmbeddedSqs;
  let lambda: LambdaMappingStandIn;
  let partner: TestPartner;
  const publishedMetrics = usePublishedMetrics();
  const queueUrl = () => sqs.queueUrls[destination].queue;

  beforeAll(async () => {
    sqs = await startEmbeddedSqs();
    lambda = await startLambdaMappingStandIn("mparticle-worker", `arn:aws:sqs:us-east-1:000000000000:${queueName(destination)}`);
    partner = await startTestPartner();
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    partner.state = "up";
    lambda.mapping.enabled = true;
    lambda.mapping.updates.length = 0;
    await sqs.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl() }));
    await sqs.sqs.send(new PurgeQueueCommand({ QueueUrl: sqs.queueUrls[destination].dlq }));
  });
  afterAll(async () => {
    await partner.stop();
    await lambda.stop();
    await sqs.stop();
  });

  function stubSettings(holdSeconds = "3600") {
    vi.stubEnv("AWS_LAMBDA_FUNCTION_NAME", "mparticle-worker");
    vi.stubEnv("AWS_ENDPOINT_URL_LAMBDA", lambda.endpoint);
    vi.stubEnv("PARTNER_PROBE_SECONDS", "30");
    vi.stubEnv("RETRY_HOLD_SECONDS", holdSeconds);
  }

  async function receive(items: WorkItem[]) {
    await sqs.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl(), Entries: items.map((item, index) => ({ Id: String(index), MessageBody: JSON.stringify(item) })) }),
    );
    return (await drainVisible(sqs.sqs, queueUrl(), 60)).map((message) => toRecord(message, "arn", "us-east-1"));
  }

  it("holds a batch whose calls all failed: same ids, no attempt spent, back after a probe interval, consumption paused", async () => {
    stubSettings();
    partner.state = "down";
    // One call at a time: three outages in a row, each sent after the last failed.
    const handler = createWorkerHandler(testPartnerWorker(destination, partner, 1));
    const items = [1, 2, 3].map((n) => workItem(n, { priorAttempts: n === 1 ? 2 : 0 }));
    const records = await receive(items);
    defined(records[0]).attributes.ApproximateReceiveCount = "2";

    const before = Date.now();
    const response = await handler({ Records: records }, context());

    expect(response).toEqual({ batchItemFailures: [] });
    const { delayed, inflight } = await inspectQueue(sqs, queueUrl());
    // The originals are left to the event source to delete; each has a held copy.
    expect(inflight).toHaveLength(3);
    const copies = delayed.map((message) => JSON.parse(message.body) as WorkItem).sort((a, b) => a.correlationId.localeCompare(b.correlationId));
    expect(copies.map((copy) => [copy.workItemId, copy.priorAttempts])).toEqual([
      [defined(items[0]).workItemId, 3],
      [defined(items[1]).workItemId, 0],
      [defined(items[2]).workItemId, 0],
    ]);
    for (const message of delayed) expect(message.delayUntil).toBeGreaterThanOrEqual(before + 30_000);
    expect(lambda.mapping.updates).toEqual([false]);
    expect(publishedMetrics()).toEqual(expect.arrayContaining([{ metric: "held", value: 1, destination }]));
    expect(publishedMetrics().filter(({ metric }) => metric === "held")).toHaveLength(3);
    expect(publishedMetrics().filter(({ metric }) => ["retried", "parked"].includes(metric))).toEqual([]);
  });

  it("parks what has waited longer than RETRY_HOLD_SECONDS as outage-exceeded, with the seconds it waited", async () => {
    stubSettings("60");
    partner.state = "down";
    const handler = createWorkerHandler(testPartnerWorker(destination, partner, 1));
    const receivedAt = new Date(Date.now() - 120_000).toISOString();
    const records = await receive([1, 2, 3].map((n) => workItem(n, { receivedAt })));

    await handler({ Records: records }, context());

    const parked = (await inspectQueue(sqs, sqs.queueUrls[destination].dlq)).ready;
    expect(parked).toHaveLength(3);
    for (const message of parked) {
      const record = JSON.parse(message.messageAttributes[PARK_ATTRIBUTE]?.StringValue ?? "null") as ParkRecord;
      expect(record).toMatchObject({ reason: "outage-exceeded", status: 503, attempts: 1 });
      expect(record.waitedSeconds).toBeGreaterThanOrEqual(120);
      expect(record.waitedSeconds).toBeLessThan(180);
    }
    expect(publishedMetrics()).toContainEqual({ metric: "parked", value: 1, destination, reason: "outage-exceeded" });
  });

  it("probes while paused: reports the partner down and holds, then resumes on the first answer and delivers", async () => {
    stubSettings();
    lambda.mapping.enabled = false;
    partner.state = "down";
    await sqs.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl(), Entries: [1, 2, 3].map((n) => ({ Id: String(n), MessageBody: JSON.stringify(workItem(n)) })) }),
    );
    const prober = createWorkerHandler(testPartnerWorker(destination, partner));
    const callsBefore = partner.calls.length;

    await prober(scheduledEvent, context());

    // One call: the probe. The other two were held without a call.
    expect(partner.calls.length - callsBefore).toBe(1);
    expect(lambda.mapping.enabled).toBe(false);
    expect((await inspectQueue(sqs, queueUrl())).delayed).toHaveLength(3);
    expect(publishedMetrics()).toContainEqual({ metric: "partnerDown", value: 1, destination });

    partner.state = "up";
    await sqs.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl() }));
    await sqs.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl(), Entries: [4, 5].map((n) => ({ Id: String(n), MessageBody: JSON.stringify(workItem(n)) })) }),
    );
    await prober(scheduledEvent, context());

    expect(lambda.mapping.updates.at(-1)).toBe(true);
    expect(partner.delivered().slice(-2).sort()).toEqual([4, 5]);
    expect(await inspectQueue(sqs, queueUrl())).toMatchObject({ ready: [], delayed: [], inflight: [] });

    await prober(scheduledEvent, context());
    expect(
      publishedMetrics()
        .filter(({ metric }) => metric === "partnerDown")
        .at(-1),
    ).toEqual({ metric: "partnerDown", value: 0, destination });
  });
});
