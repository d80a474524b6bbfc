import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PurgeQueueCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import type { Context, ScheduledEvent, SQSEvent } from "aws-lambda";
import { workerFor } from "../../../infra/wiring.js";
import { lambdaContext } from "../../../infra/local/lambdaContext.js";
import { SqsPoller } from "../../../infra/local/poller.js";
import { MAX_RECEIVE_COUNT, queueName, type Destination } from "../../../shared/queue/definition.js";
import type { ParkRecord } from "../../../shared/queue/park.js";
import { createWorkerHandler } from "../../../shared/queue/worker.js";
import { deriveWorkItemId, type WorkItem } from "../../../shared/queue/workItem.js";
import { drainVisible, queueCounts, startEmbeddedSqs, type EmbeddedSqs } from "../../support/embeddedSqs.js";
import { startLambdaMappingStandIn, type LambdaMappingStandIn } from "../../support/lambdaMappingStandIn.js";
import { startTestPartner, testPartnerWorker, type TestPartner } from "../../support/testPartner.js";
import { waitFor } from "../../support/waitFor.js";

const destination: Destination = "mixpanel";
const FUNCTION_NAME = "mixpanel-worker";
const PROBE_SECONDS = 1;
const scheduledEvent: ScheduledEvent = {
  version: "0",
  id: "probe",
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "000000000000",
  time: new Date().toISOString(),
  region: "us-east-1",
  resources: [],
  detail: {},
};
const context = (): Context => lambdaContext(FUNCTION_NAME, 30, "us-east-1");

function workItem(n: number): WorkItem {
  return {
    workItemId: deriveWorkItemId("outage", n),
    flow: "test-flow",
    destination,
    correlationId: `corr-${n}`,
    receivedAt: new Date().toISOString(),
    events: [{ id: `e-${n}`, event: { n } }],
  };
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, index) => from + index);

/**
 * The worker runtime through an outage, a 429 storm and a poison message, end to end: the real SDK against
 * the embedded SQS (with the stack's redrive policy), the real partnerRequest against a partner stand-in,
 * the real Lambda client against a Lambda API stand-in whose mapping the test's poller honours, and the
 * probe invoked as the schedule would, every PARTNER_PROBE_SECONDS. Assertions are on state: what the
 * partner received, what the queues and DLQ hold, what the mapping went through.
 */
describe("partner outages and rate limits on the embedded SQS", () => {
  let sqs: EmbeddedSqs;
  let lambda: LambdaMappingStandIn;
  let partner: TestPartner;
  let poller: SqsPoller | undefined;
  let pollerSync = Promise.resolve();
  let probeTimer: NodeJS.Timeout | undefined;
  let probes = 0;
  const receiveCounts: number[] = [];
  const queueUrl = () => sqs.queueUrls[destination].queue;
  const dlqUrl = () => sqs.queueUrls[destination].dlq;

  beforeAll(async () => {
    sqs = await startEmbeddedSqs();
    lambda = await startLambdaMappingStandIn(FUNCTION_NAME, `arn:aws:sqs:us-east-1:000000000000:${queueName(destination)}`);
    Object.assign(process.env, {
      RETRY_BASE_SECONDS: "0.2",
      PARTNER_PROBE_SECONDS: String(PROBE_SECONDS),
      RETRY_HOLD_SECONDS: "3600",
      PARTNER_TIMEOUT_MS: "2000",
      AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
      AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
    });
  });
  beforeEach(async () => {
    partner = await startTestPartner();
    lambda.mapping.enabled = true;
    lambda.mapping.updates.length = 0;
    probes = 0;
    receiveCounts.length = 0;
  });
  afterEach(async () => {
    clearInterval(probeTimer);
    await pollerSync;
    await poller?.stop();
    poller = undefined;
    await partner.stop();
    await sqs.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl() }));
    await sqs.sqs.send(new PurgeQueueCommand({ QueueUrl: dlqUrl() }));
  });
  afterAll(async () => {
    await lambda.stop();
    await sqs.stop();
  });

  async function send(items: WorkItem[]): Promise<void> {
    for (let start = 0; start < items.length; start += 10) {
      await sqs.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl(),
          Entries: items.slice(start, start + 10).map((item, index) => ({ Id: String(index), MessageBody: JSON.stringify(item) })),
        }),
      );
    }
  }

  /**
   * The worker as Lambda runs it: `environments` containers fed by a poller that runs only while the
   * mapping is enabled, and the probe schedule invoking one more container every PARTNER_PROBE_SECONDS.
   */
  async function startWorker(environments: number, concurrency = 5): Promise<void> {
    const container = () => {
      const handler = createWorkerHandler(testPartnerWorker(destination, partner, concurrency));
      return async (event: SQSEvent) => {
        for (const record of event.Records) receiveCounts.push(Number(record.attributes.ApproximateReceiveCount));
        return handler(event, context());
      };
    };
    const handlers = range(0, environments).map(container);
    const sync = async () => {
      if (lambda.mapping.enabled && !poller) {
        poller = new SqsPoller({
          sqs: sqs.sqs,
          queueUrl: queueUrl(),
          region: "us-east-1",
          handlers,
          context,
          settings: { ...workerFor(destination).trigger.eventSource, batchSize: 10, maxBatchingWindowSeconds: 0 },
        });
        await poller.start();
      } else if (!lambda.mapping.enabled && poller) {
        const stopping = poller;
        poller = undefined;
        await stopping.stop();
      }
    };
    lambda.onChange(() => void (pollerSync = pollerSync.then(sync)));
    pollerSync = pollerSync.then(sync);
    await pollerSync;
    const prober = createWorkerHandler(testPartnerWorker(destination, partner, concurrency));
    let probing = false;
    probeTimer = setInterval(() => {
      if (probing) return;
      probing = true;
      probes++;
      void prober(scheduledEvent, context()).finally(() => (probing = false));
    }, PROBE_SECONDS * 1000);
  }

  const parkRecords = async () =>
    (await drainVisible(sqs.sqs, dlqUrl(), 60)).map((message) => JSON.parse(message.MessageAttributes?.failure?.StringValue ?? "null") as ParkRecord);

  it("rides out an outage several times longer than five attempts' backoff: pauses, probes, then delivers everything, parking nothing", async () => {
    partner.state = "down";
    await send(range(0, 20).map(workItem));
    await startWorker(2);

    await waitFor(() => !lambda.mapping.enabled, 20_000, "consumption paused");
    const callsAtPause = partner.calls.length;
    const probesAtPause = probes;
    // Five attempts' backoff at RETRY_BASE_SECONDS=0.2 is at most 0.2 + 0.4 + 0.8 + 1.6 = 3 s: ten probe intervals is three times that.
    await waitFor(() => probes >= probesAtPause + 10, 30_000, "ten probes while down");
    const callsWhilePaused = partner.calls.length - callsAtPause;
    const probesWhilePaused = probes - probesAtPause;
    partner.state = "up";
    const probesAtRecovery = probes;

    await waitFor(() => lambda.mapping.enabled, 20_000, "consumption resumed");
    const probesToResume = probes - probesAtRecovery;
    await waitFor(() => new Set(partner.delivered()).size === 20 || undefined, 30_000, "every event delivered");

    expect([...new Set(partner.delivered())].sort((a, b) => a - b)).toEqual(range(0, 20));
    expect(await parkRecords()).toEqual([]);
    expect(await queueCounts(sqs.sqs, queueUrl())).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    // Before the pause: at most one batch per container. While paused: one probe per interval plus at most one trial per container.
    expect(callsAtPause).toBeLessThanOrEqual(2 * 10);
    expect(callsWhilePaused).toBeLessThanOrEqual(probesWhilePaused + 2);
    expect(probesToResume).toBeLessThanOrEqual(2);
    expect(lambda.mapping.updates[0]).toBe(false);
    expect(lambda.mapping.updates.at(-1)).toBe(true);
    // Held copies are new messages: no receive count nears the redrive policy's.
    expect(Math.max(...receiveCounts)).toBeLessThan(MAX_RECEIVE_COUNT);
  });

  it("parks what an outage holds longer than RETRY_HOLD_SECONDS with reason outage-exceeded and the time it waited", async () => {
    process.env.RETRY_HOLD_SECONDS = "3";
    try {
      partner.state = "down";
      const sentAt = Date.now();
      await send(range(0, 5).map(workItem));
      await startWorker(1);

      const records = await waitFor(
        async () => {
          const counts = await queueCounts(sqs.sqs, dlqUrl());
          return counts.visible === 5 ? parkRecords() : undefined;
        },
        30_000,
        "five messages parked",
      );

      expect(records.map((record) => record.reason)).toEqual(Array(5).fill("outage-exceeded"));
      for (const record of records) {
        expect(record.waitedSeconds).toBeGreaterThan(3);
        expect(record.waitedSeconds).toBeLessThanOrEqual(Math.ceil((Date.now() - sentAt) / 1000));
      }
      expect(partner.delivered()).toEqual([]);
      expect(await queueCounts(sqs.sqs, queueUrl())).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    } finally {
      process.env.RETRY_HOLD_SECONDS = "3600";
    }
  });

  it("takes a 429 storm as slow down: waits out each Retry-After, spends no attempt, parks nothing", async () => {
    partner.throttledCalls = 8;
    await send(range(0, 10).map(workItem));
    // One container sending one call at a time: every call after a 429 is one the pacer let through.
    await startWorker(1, 1);

    await waitFor(() => new Set(partner.delivered()).size === 10 || undefined, 40_000, "every event delivered");

    expect([...new Set(partner.delivered())].sort((a, b) => a - b)).toEqual(range(0, 10));
    expect(await parkRecords()).toEqual([]);
    const throttled = partner.calls.filter((call) => call.status === 429);
    expect(throttled).toHaveLength(8);
    for (const call of throttled) {
      const next = partner.calls[partner.calls.indexOf(call) + 1];
      if (next) expect(next.at - call.at).toBeGreaterThanOrEqual(partner.retryAfterSeconds * 1000);
    }
    // Throttling is not an outage: consumption never paused.
    expect(lambda.mapping.updates).toEqual([]);
  });

  it("parks one poison message after exactly five attempts while the healthy traffic around it is delivered", async () => {
    const POISON = 7;
    partner.failing.add(POISON);
    let next = 100;
    const healthy: number[] = [];
    // Healthy traffic keeps flowing: each attempt at the poison brings two more events.
    partner.onCall = (call) => {
      if (call.n !== POISON) return;
      const fresh = [next++, next++];
      healthy.push(...fresh);
      void send(fresh.map(workItem));
    };
    await send(range(0, 10).map(workItem));
    await startWorker(1);

    const [record] = await waitFor(async () => ((await queueCounts(sqs.sqs, dlqUrl())).visible === 1 ? parkRecords() : undefined), 30_000, "the poison parked");
    await waitFor(() => healthy.every((n) => partner.delivered().includes(n)) || undefined, 20_000, "the healthy traffic delivered");

    expect(record).toMatchObject({ reason: "retries-exhausted", attempts: 5, status: 500, workItemId: workItem(POISON).workItemId });
    expect(partner.calls.filter((call) => call.n === POISON)).toHaveLength(5);
    expect(new Set(partner.delivered())).toEqual(new Set([...range(0, 10).filter((n) => n !== POISON), ...healthy]));
    expect(lambda.mapping.updates).toEqual([]);
  });
});
