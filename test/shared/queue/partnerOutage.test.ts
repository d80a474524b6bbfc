import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { PurgeQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import type { Context, ScheduledEvent } from "aws-lambda";
import { lambdaContext } from "../../../infra/local/lambdaContext.js";
import { toRecord } from "../../../infra/local/poller.js";
import { queueName, type Destination } from "../../../shared/queue/definition.js";
import { PARK_ATTRIBUTE, type ParkRecord } from "../../../shared/queue/park.js";
import { createWorkerHandler } from "../../../shared/queue/worker.js";
import { deriveWorkItemId, type WorkItem } from "../../../shared/queue/workItem.js";
import { drainVisible, inspectQueue, startEmbeddedSqs, type EmbeddedSqs, type StoredMessage } from "../../support/embeddedSqs.js";
import { startLambdaMappingStandIn, type LambdaMappingStandIn } from "../../support/lambdaMappingStandIn.js";
import { structuredLogs } from "../../support/logCapture.js";
import { holdLogLevel } from "../../support/logLevel.js";
import { startTestPartner, testPartnerWorker, type TestPartner } from "../../support/testPartner.js";

const destination: Destination = "pushwoosh";
const FUNCTION_NAME = "pushwoosh-worker";
const HOLD_SECONDS = 60;
/** What refuseAll (the probe holding the rest of a batch) fails each event with. */
const HELD_WITHOUT_CALL = "not attempted: the partner is down (held until the next probe)";
const scheduledEvent = { source: "aws.events", "detail-type": "Scheduled Event", detail: {} } as ScheduledEvent;
/** The instant the tests that freeze the clock run at. */
const NOW = Date.parse("2026-03-02T10:00:00.000Z");

function workItem(n: number, receivedAt = new Date().toISOString()): WorkItem {
  return {
    workItemId: deriveWorkItemId("outage-unit", n),
    flow: "test-flow",
    destination,
    correlationId: `corr-${n}`,
    receivedAt,
    events: [{ id: `e-${n}`, event: { n } }],
  };
}

/** A work item that came in `secondsAgo` before NOW. */
const waited = (n: number, secondsAgo: number) => workItem(n, new Date(NOW - secondsAgo * 1000).toISOString());

/** Bodies a queue can hold but the worker cannot read: not JSON, and a work item whose receivedAt is not an ISO string. */
const NOT_JSON = "not json";
const numericReceivedAt = (n: number) => JSON.stringify({ ...workItem(n), receivedAt: 0 });

/**
 * The scheduled probe and the pause after a delivery (shared/queue/partnerOutage.ts), one invocation at a
 * time: the worker handler called as Lambda calls it, the real SDK against the embedded SQS (which hands
 * messages out in the order they were sent), the real partnerRequest against a partner stand-in and the real
 * Lambda client against a Lambda API stand-in. Tests that depend on how long a message has waited freeze
 * the clock (Date only) and give the Lambda context the time it has left.
 */
describe("partner outages, one invocation at a time", () => {
  let sqs: EmbeddedSqs;
  let lambda: LambdaMappingStandIn;
  let partner: TestPartner;
  let restoreLogLevel: () => void;
  const queueUrl = () => sqs.queueUrls[destination].queue;
  const dlqUrl = () => sqs.queueUrls[destination].dlq;

  beforeAll(async () => {
    sqs = await startEmbeddedSqs();
    lambda = await startLambdaMappingStandIn(FUNCTION_NAME, `arn:aws:sqs:us-east-1:000000000000:${queueName(destination)}`);
    partner = await startTestPartner();
    // The pause and resume lines are WARN and INFO; the suite keeps only ERROR.
    restoreLogLevel = holdLogLevel("INFO");
  });
  beforeEach(() => {
    vi.stubEnv("AWS_LAMBDA_FUNCTION_NAME", FUNCTION_NAME);
    vi.stubEnv("AWS_ENDPOINT_URL_LAMBDA", lambda.endpoint);
    vi.stubEnv("PARTNER_PROBE_SECONDS", "30");
    vi.stubEnv("RETRY_HOLD_SECONDS", String(HOLD_SECONDS));
  });
  afterEach(async () => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
    Object.assign(partner, { state: "up", throttledCalls: 0, failing: new Set(), calls: [] });
    lambda.mapping.enabled = true;
    lambda.mapping.updates.length = 0;
    await sqs.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl() }));
    await sqs.sqs.send(new PurgeQueueCommand({ QueueUrl: dlqUrl() }));
  });
  afterAll(async () => {
    restoreLogLevel();
    await partner.stop();
    await lambda.stop();
    await sqs.stop();
  });

  const context = (): Context => lambdaContext(FUNCTION_NAME, 30, "us-east-1");
  const logsOf = (invocation: Context, level: string) => structuredLogs(level).filter((line) => line.function_request_id === invocation.awsRequestId);

  /** Sends bodies (work items or raw text) in order, with the message attributes enqueue gives a work item. */
  async function send(bodies: Array<WorkItem | string>, delaySeconds?: number): Promise<void> {
    for (let start = 0; start < bodies.length; start += 10) {
      const entries = bodies.slice(start, start + 10).map((body, index) => {
        const item = typeof body === "string" ? undefined : body;
        const attributes = item && { destination, workItemId: item.workItemId, correlationId: item.correlationId };
        return {
          Id: String(index),
          MessageBody: typeof body === "string" ? body : JSON.stringify(body),
          DelaySeconds: delaySeconds,
          MessageAttributes: Object.fromEntries(Object.entries(attributes ?? {}).map(([name, value]) => [name, { DataType: "String", StringValue: value }])),
        };
      });
      await sqs.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl(), Entries: entries }));
    }
  }

  /** Receives every visible message and lets it go at once, as a consumer that died mid-batch would: one more receive each. */
  async function receiveAndRelease(): Promise<void> {
    await sqs.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(), MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
  }

  /** The probe as the schedule runs it, in a fresh container, while consumption is paused. */
  async function probeWhilePaused(invocation = context()): Promise<Context> {
    lambda.mapping.enabled = false;
    await createWorkerHandler(testPartnerWorker(destination, partner))(scheduledEvent, invocation);
    return invocation;
  }

  /** Sends the items and hands every visible message to the container as one batch, as the event source mapping would. */
  async function deliverFromQueue(container: ReturnType<typeof createWorkerHandler>, items: WorkItem[], invocation = context()) {
    await send(items);
    const records = (await drainVisible(sqs.sqs, queueUrl())).map((message) => toRecord(message, "arn", "us-east-1"));
    return container({ Records: records }, invocation);
  }

  /** A context whose invocation has `remainingMs` left however long the probe takes. */
  const withRemaining = (remainingMs: number): Context => ({ ...context(), getRemainingTimeInMillis: () => remainingMs });

  const workItemOf = (message: StoredMessage) => JSON.parse(message.body) as WorkItem;
  const parkRecordOf = (message: StoredMessage) => JSON.parse(message.messageAttributes[PARK_ATTRIBUTE]?.StringValue ?? "null") as ParkRecord;
  const parked = async () => (await inspectQueue(sqs, dlqUrl())).ready;

  describe("after a delivery from the queue", () => {
    it("pauses consumption when its own calls found the partner down, and says so; a later invocation that only refused calls leaves it alone", async () => {
      partner.state = "down";
      // One call at a time: three outages in a row make the partner down.
      const handler = createWorkerHandler(testPartnerWorker(destination, partner, 1));
      const first = context();

      await deliverFromQueue(
        handler,
        [1, 2, 3].map((n) => workItem(n)),
        first,
      );

      expect(lambda.mapping.updates).toEqual([false]);
      expect(logsOf(first, "WARN")).toContainEqual(
        expect.objectContaining({ message: "partner down: consumption paused until a probe gets an answer", destination }),
      );

      // Another container's probe resumed the queue; this one still takes the partner for down and, within
      // the probe interval of its last outage, holds its calls without sending them: no evidence of its own.
      lambda.mapping.enabled = true;
      const second = await deliverFromQueue(
        handler,
        [4, 5].map((n) => workItem(n)),
      );

      expect(second).toEqual({ batchItemFailures: [] });
      expect(partner.calls).toHaveLength(3);
      expect(lambda.mapping.updates).toEqual([false]);
      expect((await inspectQueue(sqs, queueUrl())).delayed).toHaveLength(5);
    });

    it("holds an outage in a container that has not found the partner down once another has paused the queue: no attempt spent", async () => {
      partner.state = "down";
      const container = createWorkerHandler(testPartnerWorker(destination, partner, 1));
      // Another container paused the queue while this batch was in flight.
      lambda.mapping.enabled = false;

      const response = await deliverFromQueue(container, [workItem(1)]);

      expect(partner.calls).toHaveLength(1);
      expect(response).toEqual({ batchItemFailures: [] });
      const { delayed } = await inspectQueue(sqs, queueUrl());
      expect(delayed.map((message) => [workItemOf(message).correlationId, workItemOf(message).priorAttempts])).toEqual([["corr-1", 0]]);
      expect(lambda.mapping.updates).toEqual([]);
    });

    it("spends an attempt on an outage in a container that has not found the partner down while the queue is consumed", async () => {
      partner.state = "down";

      const response = await deliverFromQueue(createWorkerHandler(testPartnerWorker(destination, partner, 1)), [workItem(1)]);

      expect(partner.calls).toHaveLength(1);
      expect(response.batchItemFailures).toHaveLength(1);
      expect((await inspectQueue(sqs, queueUrl())).delayed).toEqual([]);
    });

    it("counts the outage as an attempt, and says why, when it cannot read whether the queue is paused", async () => {
      vi.stubEnv("AWS_LAMBDA_FUNCTION_NAME", "pushwoosh-worker-unmapped");
      partner.state = "down";
      const invocation = context();

      const response = await deliverFromQueue(createWorkerHandler(testPartnerWorker(destination, partner, 1)), [workItem(1)], invocation);

      expect(response.batchItemFailures).toHaveLength(1);
      expect(logsOf(invocation, "WARN")).toContainEqual(
        expect.objectContaining({
          message: "could not read whether consumption is paused: this batch's outages count as attempts",
          destination,
          error: "no event source mapping feeds pushwoosh-worker-unmapped from cdp-relay-pushwoosh",
        }),
      );
    });

    it("logs an error and still holds the batch when consumption cannot be paused", async () => {
      vi.stubEnv("AWS_LAMBDA_FUNCTION_NAME", "pushwoosh-worker-unmapped");
      partner.state = "down";
      const invocation = context();

      const response = await deliverFromQueue(
        createWorkerHandler(testPartnerWorker(destination, partner, 1)),
        [1, 2, 3].map((n) => workItem(n)),
        invocation,
      );

      expect(response).toEqual({ batchItemFailures: [] });
      expect(lambda.mapping.updates).toEqual([]);
      expect((await inspectQueue(sqs, queueUrl())).delayed).toHaveLength(3);
      expect(logsOf(invocation, "ERROR")).toContainEqual(
        expect.objectContaining({
          message: "partner down, but consumption could not be paused",
          destination,
          error: "no event source mapping feeds pushwoosh-worker-unmapped from cdp-relay-pushwoosh",
        }),
      );
    });
  });

  describe("the probe", () => {
    it("resumes consumption when the queue is empty and nothing is held", async () => {
      const invocation = await probeWhilePaused();

      expect(lambda.mapping.updates).toEqual([true]);
      expect(logsOf(invocation, "INFO")).toContainEqual(expect.objectContaining({ message: "consumption resumed: the queue is empty", destination }));
      expect(partner.calls).toEqual([]);
      expect(await parked()).toEqual([]);
    });

    it("stays paused while held messages are due back, though none is visible", async () => {
      await send([workItem(1)], 30);

      await probeWhilePaused();

      expect(lambda.mapping.updates).toEqual([]);
      expect(lambda.mapping.enabled).toBe(false);
      expect((await inspectQueue(sqs, queueUrl())).delayed).toHaveLength(1);
    });

    it("waits for a held message that comes back just after its tick, and probes with it instead of finding the queue empty", async () => {
      partner.state = "down";
      await send([workItem(1)], 1);

      await probeWhilePaused();

      expect(partner.calls).toHaveLength(1);
      expect(lambda.mapping.updates).toEqual([]);
      expect((await inspectQueue(sqs, queueUrl())).delayed).toHaveLength(1);
    });

    it("stays paused while messages are in flight, though none is visible or held: they come back to the probe, not to containers that would spend their attempts", async () => {
      // A batch the mapping took before the pause settled, or a message another container retries in place.
      await send([workItem(1)]);
      await sqs.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(), MaxNumberOfMessages: 10, VisibilityTimeout: 30 }));

      await probeWhilePaused();

      expect(lambda.mapping.updates).toEqual([]);
      expect(lambda.mapping.enabled).toBe(false);
      expect(partner.calls).toEqual([]);
      expect((await inspectQueue(sqs, queueUrl())).inflight).toHaveLength(1);
    });

    it("holds on an outage: one call, every message held with the attempts spent before this receive, consumption still paused", async () => {
      partner.state = "down";
      await send([1, 2, 3].map((n) => workItem(n)));
      await receiveAndRelease();
      await receiveAndRelease();

      await probeWhilePaused();

      expect(partner.calls).toHaveLength(1);
      const { ready, inflight, delayed } = await inspectQueue(sqs, queueUrl());
      expect([ready, inflight]).toEqual([[], []]);
      // Received twice before: the probe's receive is the third, and holding spends none.
      expect(delayed.map((message) => [workItemOf(message).correlationId, workItemOf(message).priorAttempts]).sort()).toEqual([
        ["corr-1", 2],
        ["corr-2", 2],
        ["corr-3", 2],
      ]);
      expect(lambda.mapping.updates).toEqual([]);
    });

    it("parks a message held past RETRY_HOLD_SECONDS with the message attributes it came with and when it was first received", async () => {
      vi.useFakeTimers({ toFake: ["Date"], now: NOW });
      partner.state = "down";
      const item = waited(1, 120);
      await send([item]);
      await receiveAndRelease();
      vi.setSystemTime(NOW + 5_000);

      await probeWhilePaused();

      const [message, ...others] = await parked();
      expect(others).toEqual([]);
      expect(message?.messageAttributes).toMatchObject({
        destination: { StringValue: destination },
        correlationId: { StringValue: "corr-1" },
        workItemId: { StringValue: item.workItemId },
      });
      expect(parkRecordOf(message as StoredMessage)).toMatchObject({
        reason: "outage-exceeded",
        status: 503,
        attempts: 2,
        firstFailedAt: new Date(NOW).toISOString(),
        waitedSeconds: 125,
      });
      expect(await inspectQueue(sqs, queueUrl())).toMatchObject({ ready: [], inflight: [], delayed: [] });
    });

    it("sends its call at once in a container that has just found the partner down itself, within the probe interval", async () => {
      partner.state = "down";
      const container = createWorkerHandler(testPartnerWorker(destination, partner, 1));
      await deliverFromQueue(
        container,
        [1, 2, 3].map((n) => workItem(n)),
      );
      expect(lambda.mapping.updates).toEqual([false]);
      partner.state = "up";
      await send([workItem(4)]);

      await container(scheduledEvent, context());

      expect(partner.delivered()).toEqual([4]);
      expect(lambda.mapping.updates).toEqual([false, true]);
    });

    it("takes a 429 for an answer: resumes consumption and holds the message for its Retry-After", async () => {
      partner.throttledCalls = 1;
      await send([workItem(1)]);

      await probeWhilePaused();

      expect(partner.calls.map((call) => call.status)).toEqual([429]);
      expect(lambda.mapping.updates).toEqual([true]);
      expect((await inspectQueue(sqs, queueUrl())).delayed.map((message) => workItemOf(message).correlationId)).toEqual(["corr-1"]);
    });

    it("on an answer, resumes and delivers the rest; a message that then fails is left in flight for its retry, not deleted", async () => {
      partner.failing.add(2);
      await send([1, 2].map((n) => workItem(n)));

      const invocation = await probeWhilePaused();

      expect(lambda.mapping.updates).toEqual([true]);
      expect(logsOf(invocation, "INFO")).toContainEqual(
        expect.objectContaining({ message: "consumption resumed: the partner answered the probe", destination }),
      );
      expect(partner.calls.map((call) => [call.n, call.status])).toEqual([
        [1, 200],
        [2, 500],
      ]);
      const { ready, inflight, delayed } = await inspectQueue(sqs, queueUrl());
      expect([ready, delayed]).toEqual([[], []]);
      expect(inflight.map(({ message }) => workItemOf(message).correlationId)).toEqual(["corr-2"]);
      expect(await parked()).toEqual([]);
    });

    it("probes with the next message when one makes no call (unreadable, parked)", async () => {
      await send([NOT_JSON, workItem(1)]);

      await probeWhilePaused();

      expect(partner.delivered()).toEqual([1]);
      expect(lambda.mapping.updates).toEqual([true]);
      expect((await parked()).map((message) => [message.body, parkRecordOf(message).reason])).toEqual([[NOT_JSON, "validation"]]);
    });

    it("decides nothing when no message makes a call: parks the unreadable, stays paused, and the next probe finds the queue empty", async () => {
      await send([NOT_JSON]);

      await probeWhilePaused();

      expect(lambda.mapping.updates).toEqual([]);
      expect(await parked()).toHaveLength(1);

      await probeWhilePaused();
      expect(lambda.mapping.updates).toEqual([true]);
    });
  });

  describe("the probe's drain while the partner is down", () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ["Date"], now: NOW });
      partner.state = "down";
    });

    async function drain(bodies: Array<WorkItem | string>, invocation: Context) {
      await send(bodies);
      await probeWhilePaused(invocation);
      const { ready, delayed } = await inspectQueue(sqs, queueUrl());
      return { waiting: ready.length, held: delayed.length, parked: (await parked()).map(parkRecordOf) };
    }

    /** Fifteen messages, every other one past the hold (eight) and the rest at it exactly (seven): each batch of ten has both. */
    const pastAndAtHold = Array.from({ length: 15 }, (_, n) => waited(n, n % 2 === 0 ? HOLD_SECONDS + 1 : HOLD_SECONDS));

    it("parks on, batch after batch, while its batches hold messages past RETRY_HOLD_SECONDS, with DRAIN_MARGIN_MS of the invocation left", async () => {
      const { waiting, held, parked } = await drain(pastAndAtHold, withRemaining(10_000));

      expect(waiting).toBe(0);
      expect(held).toBe(7);
      expect(parked.map((record) => record.reason)).toEqual(Array(8).fill("outage-exceeded"));
      // The probe's own message failed its call; the others were parked without one.
      expect(parked.filter((record) => record.message === HELD_WITHOUT_CALL)).toHaveLength(7);
    });

    it("stops with less than DRAIN_MARGIN_MS left: the next batch waits in the queue", async () => {
      const { waiting, parked } = await drain(pastAndAtHold, withRemaining(9_999));

      expect(waiting).toBe(5);
      expect(parked).toHaveLength(5);
    });

    it("holds one batch and stops when none of it is past RETRY_HOLD_SECONDS: messages at the hold exactly, fresh ones and unreadable ones", async () => {
      const firstBatch = [waited(0, 0), NOT_JSON, numericReceivedAt(2), ...[3, 4, 5, 6, 7, 8, 9].map((n) => waited(n, HOLD_SECONDS))];
      const nextBatch = [10, 11, 12, 13, 14].map((n) => waited(n, 0));

      const { waiting, held, parked } = await drain([...firstBatch, ...nextBatch], context());

      expect(waiting).toBe(5);
      expect(held).toBe(8);
      expect(parked.map((record) => record.reason)).toEqual(["validation", "validation"]);
    });
  });
});
