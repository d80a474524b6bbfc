import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { PurgeQueueCommand, SendMessageBatchCommand, type MessageAttributeValue } from "@aws-sdk/client-sqs";
import type { ScheduledEvent, SQSBatchResponse, SQSRecord } from "aws-lambda";
import { AuthError, PermanentError, RetryableError, ValidationError, type DeliveryOutcome, type RelayError } from "../../../shared/errors.js";
import type { Destination } from "../../../shared/queue/definition.js";
import { PARK_ATTRIBUTE, type ParkRecord } from "../../../shared/queue/park.js";
import { MAX_DELAY_SECONDS } from "../../../shared/queue/retryPolicy.js";
import { createWorkerHandler } from "../../../shared/queue/worker.js";
import { eventKey, type WorkerMessage } from "../../../shared/queue/workerMessage.js";
import { deriveWorkItemId, type WorkItem } from "../../../shared/queue/workItem.js";
import { lambdaContext } from "../../../infra/local/lambdaContext.js";
import { toRecord } from "../../../infra/local/poller.js";
import { drainVisible, inspectQueue, startEmbeddedSqs, type EmbeddedSqs, type StoredMessage } from "../../support/embeddedSqs.js";
import { structuredLogs } from "../../support/logCapture.js";
import { usePublishedMetrics } from "../../support/publishedMetrics.js";
import { defined } from "../../support/defined.js";
import { holdLogLevel } from "../../support/logLevel.js";
import { useLambdaMappingStandIn } from "../../support/lambdaMappingStandIn.js";

/**
 * The worker handler called directly, as Lambda calls it, with records received from the embedded SQS: each
 * test asserts what the handler left behind (the original in flight with the visibility it set, the
 * re-enqueued remainder, the DLQ copies and their park records), its answer and the metrics the dashboard
 * and alarms read. No poller and no waiting: worker.poller.test.ts drives the same runtime end to end.
 */
const destination: Destination = "mixpanel";
const FLOW = "test-flow";
const QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:cdp-relay-mixpanel";
/** The visibility the test's receive gives a message: what stays when the handler changes none. */
const RECEIVE_VISIBILITY_SECONDS = 60;

function workItem(n: number, events: number[] = [n], extra: Partial<WorkItem> = {}): WorkItem {
  return {
    workItemId: deriveWorkItemId("test", n),
    flow: FLOW,
    destination,
    correlationId: `corr-${n}`,
    receivedAt: "2026-01-01T00:00:00.000Z",
    context: { profile: `p-${n}` },
    events: events.map((value) => ({ id: `e-${value}`, event: { n: value } })),
    ...extra,
  };
}

const outcomeOf = {
  delivered: (): DeliveryOutcome => ({ kind: "delivered" }),
  skipped: (reason: string): DeliveryOutcome => ({ kind: "skipped", reason }),
  failed: (error: RelayError): DeliveryOutcome => ({ kind: "failed", error }),
};

describe("the worker handler on records from the embedded SQS", () => {
  let sqs: EmbeddedSqs;
  const queueUrl = () => sqs.queueUrls[destination].queue;
  const dlqUrl = () => sqs.queueUrls[destination].dlq;

  const publishedMetrics = usePublishedMetrics();
  let restoreLogLevel: (() => void) | undefined;

  beforeAll(async () => {
    sqs = await startEmbeddedSqs();
    // Warnings and infos about work items are part of what an operator reads; the suite keeps only ERROR.
    restoreLogLevel = holdLogLevel("INFO");
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await sqs.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl() }));
    await sqs.sqs.send(new PurgeQueueCommand({ QueueUrl: dlqUrl() }));
  });
  afterAll(async () => {
    restoreLogLevel?.();
    await sqs.stop();
  });

  /** Sends the work items (bodies as given) with their attributes and receives them as Lambda records. */
  async function receive(bodies: Array<WorkItem | string>, attributes: Record<string, MessageAttributeValue> = {}): Promise<SQSRecord[]> {
    await sqs.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl(),
        Entries: bodies.map((body, index) => ({
          Id: String(index),
          MessageBody: typeof body === "string" ? body : JSON.stringify(body),
          MessageAttributes: {
            ...(typeof body === "string"
              ? {}
              : {
                  workItemId: { DataType: "String", StringValue: body.workItemId },
                  correlationId: { DataType: "String", StringValue: body.correlationId },
                }),
            ...attributes,
          },
        })),
      }),
    );
    const messages = await drainVisible(sqs.sqs, queueUrl(), RECEIVE_VISIBILITY_SECONDS);
    const order = (body: string | undefined) => bodies.findIndex((sent) => (typeof sent === "string" ? sent : JSON.stringify(sent)) === body);
    return messages.sort((a, b) => order(a.Body) - order(b.Body)).map((message) => toRecord(message, QUEUE_ARN, "us-east-1"));
  }

  /** A worker whose destination answers each event by its `n`, and which records what it was handed. */
  function workerAnswering(outcomeFor: (n: number) => DeliveryOutcome) {
    const handed: WorkerMessage[][] = [];
    const handler = createWorkerHandler({
      destination,
      deliver: async (messages) => {
        handed.push(messages);
        const outcomes = new Map<string, DeliveryOutcome>();
        for (const message of messages) {
          for (const queued of message.workItem.events) outcomes.set(eventKey(message.messageId, queued.id), outcomeFor((queued.event as { n: number }).n));
        }
        return outcomes;
      },
    });
    const invoke = (Records: SQSRecord[], context = lambdaContext("mixpanel-worker", 30, "us-east-1")): Promise<SQSBatchResponse> =>
      handler({ Records }, context);
    return { handed, invoke };
  }

  const parkRecordOf = (message: StoredMessage) => JSON.parse(message.messageAttributes[PARK_ATTRIBUTE]?.StringValue ?? "null") as ParkRecord;
  /** The attributes of a DLQ copy but its park record (every one a string: toStrictEqual sees an empty one). */
  const attributeValues = (message: StoredMessage) =>
    Object.fromEntries(
      Object.entries(message.messageAttributes)
        .filter(([name]) => name !== PARK_ATTRIBUTE)
        .map(([name, value]) => [name, value.StringValue]),
    );
  const failures = (...records: SQSRecord[]): SQSBatchResponse => ({ batchItemFailures: records.map((record) => ({ itemIdentifier: record.messageId })) });

  /** Runs `invoke` and gives the epoch-ms window it ran in, to bound the deadlines it set, and how long it took. */
  async function timed<T>(invoke: () => Promise<T>): Promise<{ result: T; before: number; after: number; elapsedMs: number }> {
    const [before, started] = [Date.now(), performance.now()];
    const result = await invoke();
    return { result, before, elapsedMs: performance.now() - started, after: Date.now() };
  }

  it("delivers a batch once, hands each message with its attempt, and leaves the records to the event source to delete", async () => {
    const items = [workItem(1, [1, 2]), workItem(2, [3], { priorAttempts: 2 })];
    const records = await receive(items);
    const { handed, invoke } = workerAnswering(outcomeOf.delivered);

    const { result: response, elapsedMs } = await timed(() => invoke(records));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(handed).toHaveLength(1);
    expect(defined(handed[0]).map((message) => [message.messageId, message.workItem.workItemId, message.attempt])).toEqual([
      [defined(records[0]).messageId, defined(items[0]).workItemId, 1],
      [defined(records[1]).messageId, defined(items[1]).workItemId, 3],
    ]);
    expect(defined(defined(handed[0])[0]).workItem).toEqual({ ...items[0], priorAttempts: 0 });
    // Nothing changed in SQS: both still in flight with the receive's visibility, nothing new, nothing parked.
    const queue = await inspectQueue(sqs, queueUrl());
    expect(queue.inflight).toHaveLength(2);
    for (const { visibilityDeadline } of queue.inflight) expect(visibilityDeadline).toBeGreaterThan(Date.now() + (RECEIVE_VISIBILITY_SECONDS - 10) * 1000);
    expect([...queue.ready, ...queue.delayed]).toEqual([]);
    expect(await inspectQueue(sqs, dlqUrl())).toMatchObject({ ready: [], delayed: [], inflight: [] });
    expect(publishedMetrics()).toEqual(
      expect.arrayContaining([
        { metric: "delivered", value: 2, destination },
        { metric: "delivered", value: 1, destination },
        { metric: "partnerLatency", value: expect.any(Number), destination },
      ]),
    );
    expect(publishedMetrics()).toHaveLength(3);
    const latency = publishedMetrics().find(({ metric }) => metric === "partnerLatency")?.value as number;
    expect(latency).toBeGreaterThanOrEqual(0);
    expect(latency).toBeLessThanOrEqual(elapsedMs);
  });

  it("keeps a message whose events all failed retryably in flight for the longest delay asked, and reports only it failed", async () => {
    const records = await receive([workItem(1, [1, 2]), workItem(3)]);
    const { invoke } = workerAnswering((n) =>
      n === 3 ? outcomeOf.delivered() : outcomeOf.failed(new RetryableError("HTTP 503", { status: 503, retryAfterSeconds: n === 1 ? 7 : 4 })),
    );

    const { result, before, after } = await timed(() => invoke(records));

    expect(result).toEqual(failures(defined(records[0])));
    const { inflight, ready, delayed } = await inspectQueue(sqs, queueUrl());
    const kept = inflight.find(({ message }) => message.body === defined(records[0]).body);
    expect(kept?.visibilityDeadline).toBeGreaterThanOrEqual(before + 7_000);
    expect(kept?.visibilityDeadline).toBeLessThanOrEqual(after + 7_000);
    expect([...ready, ...delayed]).toEqual([]);
    expect(await inspectQueue(sqs, dlqUrl())).toMatchObject({ ready: [], delayed: [], inflight: [] });
    expect(publishedMetrics()).toEqual(
      expect.arrayContaining([
        { metric: "retried", value: 2, destination },
        { metric: "delivered", value: 1, destination },
      ]),
    );
    expect(
      publishedMetrics()
        .map(({ metric }) => metric)
        .sort(),
    ).toEqual(["delivered", "partnerLatency", "retried"]);
    expect(structuredLogs("WARN")).toContainEqual(
      expect.objectContaining({
        message: "delivery failed, will retry",
        correlationId: "corr-1",
        workItemId: workItem(1).workItemId,
        attempt: 1,
        delaySeconds: 7,
        status: 503,
      }),
    );
  });

  it("logs with the Lambda context (function name, request id, cold start) beside each work item's correlation id", async () => {
    const records = await receive([workItem(1), workItem(2)]);
    const { invoke } = workerAnswering(() => outcomeOf.failed(new RetryableError("HTTP 503", { status: 503 })));
    const context = lambdaContext("mixpanel-worker", 30, "us-east-1");

    await invoke(records, context);

    const lines = structuredLogs("WARN").filter((line) => line.function_request_id === context.awsRequestId);
    expect(lines.map((line) => [line.message, line.correlationId])).toEqual([
      ["delivery failed, will retry", "corr-1"],
      ["delivery failed, will retry", "corr-2"],
    ]);
    for (const line of lines)
      expect(line).toMatchObject({ function_name: "cdp-relay-mixpanel-worker", function_arn: context.invokedFunctionArn, cold_start: expect.any(Boolean) });
  });

  it("keeps a credential failure in flight for the credential backoff, counts it, and answers a whole failed batch without throwing", async () => {
    vi.stubEnv("RETRY_BASE_SECONDS", "2");
    vi.stubEnv("RETRY_AUTH_BACKOFF_FACTOR", "10");
    const records = await receive([workItem(1, [1, 2])]);
    const { invoke } = workerAnswering(() => outcomeOf.failed(new AuthError("HTTP 401", { status: 401 })));

    const { result, before, after } = await timed(() => invoke(records));

    expect(result).toEqual(failures(defined(records[0])));
    // First attempt: a step of 2 s × 10, jittered into its upper half.
    const { inflight } = await inspectQueue(sqs, queueUrl());
    expect(inflight).toHaveLength(1);
    expect(defined(inflight[0]).visibilityDeadline).toBeGreaterThanOrEqual(before + 10_000);
    expect(defined(inflight[0]).visibilityDeadline).toBeLessThanOrEqual(after + 20_000);
    expect(await inspectQueue(sqs, dlqUrl())).toMatchObject({ ready: [], delayed: [], inflight: [] });
    expect(publishedMetrics()).toEqual(expect.arrayContaining([{ metric: "retried", value: 2, destination }]));
    expect(publishedMetrics().filter(({ metric }) => metric === "credentialFailures")).toEqual(
      [1, 2].map(() => ({ metric: "credentialFailures", value: 1, destination })),
    );
  });

  it("parks a message whole on its last attempt (prior attempts plus receives), with its id and a fresh retry budget", async () => {
    const item = workItem(1, [1, 2], { priorAttempts: 2 });
    const [record] = await receive([item], { [PARK_ATTRIBUTE]: { DataType: "String", StringValue: "an earlier park" } });
    defined(record).attributes.ApproximateReceiveCount = "3";
    const firstReceived = Number(defined(record).attributes.ApproximateFirstReceiveTimestamp);
    const { invoke } = workerAnswering((n) => outcomeOf.failed(new RetryableError(`HTTP 503 for ${n}`, { status: 503, partnerMessage: "busy" })));

    const { result, before, after } = await timed(() => invoke([defined(record)]));

    expect(result).toEqual(failures());
    const { ready } = await inspectQueue(sqs, dlqUrl());
    expect(ready).toHaveLength(1);
    expect(JSON.parse(defined(ready[0]).body)).toEqual({ ...item, priorAttempts: 0 });
    expect(attributeValues(defined(ready[0]))).toEqual({ workItemId: item.workItemId, correlationId: "corr-1" });
    const park = parkRecordOf(defined(ready[0]));
    expect(park).toEqual({
      destination,
      workItemId: item.workItemId,
      reason: "retries-exhausted",
      errorClass: "retryable",
      message: "HTTP 503 for 1",
      status: 503,
      partnerMessage: "busy",
      attempts: 5,
      firstFailedAt: new Date(firstReceived).toISOString(),
      parkedAt: expect.any(String),
    });
    expect(Date.parse(park.parkedAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(park.parkedAt)).toBeLessThanOrEqual(after);
    const queue = await inspectQueue(sqs, queueUrl());
    expect([...queue.ready, ...queue.delayed]).toEqual([]);
    expect(publishedMetrics()).toEqual(expect.arrayContaining([{ metric: "parked", value: 2, destination, reason: "retries-exhausted" }]));
    expect(
      publishedMetrics()
        .map(({ metric }) => metric)
        .sort(),
    ).toEqual(["parked", "partnerLatency"]);
    expect(structuredLogs("ERROR")).toContainEqual(
      expect.objectContaining({
        message: "work item parked in the DLQ",
        correlationId: "corr-1",
        workItemId: item.workItemId,
        attempt: 5,
        reason: "retries-exhausted",
        events: 2,
      }),
    );
  });

  it("retries a message on the attempt before its last", async () => {
    const [record] = await receive([workItem(1, [1], { priorAttempts: 2 })]);
    defined(record).attributes.ApproximateReceiveCount = "2";
    const { invoke } = workerAnswering(() => outcomeOf.failed(new RetryableError("HTTP 503", { retryAfterSeconds: 1 })));

    expect(await invoke([defined(record)])).toEqual(failures(defined(record)));
    expect(await inspectQueue(sqs, dlqUrl())).toMatchObject({ ready: [] });
  });

  it("settles a message event by event: delivered and skipped done, retryable re-enqueued together after the longest delay, permanent parked", async () => {
    const item = workItem(100, [1, 2, 3, 4, 5]);
    const records = await receive([item]);
    const { invoke } = workerAnswering((n) =>
      defined(
        [
          outcomeOf.delivered(),
          outcomeOf.failed(new RetryableError("HTTP 503", { retryAfterSeconds: 30 })),
          outcomeOf.failed(new PermanentError("HTTP 400", { status: 400, partnerMessage: "bad 3" })),
          outcomeOf.skipped("nothing-to-send"),
          outcomeOf.failed(new RetryableError("HTTP 429", { retryAfterSeconds: 40 })),
        ][n - 1],
      ),
    );

    const { result, before, after } = await timed(() => invoke(records));

    expect(result).toEqual(failures());
    const { delayed, ready } = await inspectQueue(sqs, queueUrl());
    expect(ready).toEqual([]);
    expect(delayed).toHaveLength(1);
    const retried = defined(delayed[0]);
    const retriedId = deriveWorkItemId(FLOW, "e-2", "e-5");
    expect(JSON.parse(retried.body)).toEqual({ ...item, workItemId: retriedId, priorAttempts: 1, events: [item.events[1], item.events[4]] });
    expect(attributeValues(retried)).toEqual({ destination, workItemId: retriedId, correlationId: "corr-100" });
    expect(retried.delayUntil).toBeGreaterThanOrEqual(before + 40_000);
    expect(retried.delayUntil).toBeLessThanOrEqual(after + 40_000);

    const parked = (await inspectQueue(sqs, dlqUrl())).ready;
    expect(parked).toHaveLength(1);
    const partId = deriveWorkItemId(FLOW, "e-3");
    expect(JSON.parse(defined(parked[0]).body)).toEqual({ ...item, workItemId: partId, priorAttempts: 0, events: [item.events[2]] });
    expect(attributeValues(defined(parked[0]))).toEqual({ workItemId: partId, correlationId: "corr-100" });
    expect(parkRecordOf(defined(parked[0]))).toMatchObject({
      workItemId: partId,
      reason: "permanent",
      errorClass: "permanent",
      status: 400,
      partnerMessage: "bad 3",
      attempts: 1,
    });

    expect(publishedMetrics()).toEqual(
      expect.arrayContaining([
        { metric: "delivered", value: 1, destination },
        { metric: "skipped", value: 1, destination, reason: "nothing-to-send" },
        { metric: "retried", value: 2, destination },
        { metric: "parked", value: 1, destination, reason: "permanent" },
      ]),
    );
    expect(publishedMetrics()).toHaveLength(5);
    expect(structuredLogs("INFO")).toContainEqual(
      expect.objectContaining({ message: "event skipped", correlationId: "corr-100", eventId: "e-4", reason: "nothing-to-send" }),
    );
    expect(structuredLogs("WARN")).toContainEqual(
      expect.objectContaining({
        message: "some events failed, retrying them in a new message",
        correlationId: "corr-100",
        attempt: 1,
        delaySeconds: 40,
        events: 2,
      }),
    );
  });

  it("re-enqueues a remainder after at most SQS's longest delay", async () => {
    const records = await receive([workItem(1, [1, 2])]);
    const { invoke } = workerAnswering((n) =>
      n === 1 ? outcomeOf.delivered() : outcomeOf.failed(new RetryableError("HTTP 429", { retryAfterSeconds: 5_000 })),
    );

    const { result, before, after } = await timed(() => invoke(records));

    expect(result).toEqual(failures());
    const { delayed } = await inspectQueue(sqs, queueUrl());
    expect(delayed).toHaveLength(1);
    expect(defined(delayed[0]).delayUntil).toBeGreaterThanOrEqual(before + MAX_DELAY_SECONDS * 1000);
    expect(defined(delayed[0]).delayUntil).toBeLessThanOrEqual(after + MAX_DELAY_SECONDS * 1000);
  });

  it("holds the events the partner throttled as a new message after its Retry-After, spending no attempt, and says so", async () => {
    // Just in: well within RETRY_HOLD_SECONDS, past which a throttled event parks instead.
    const item = workItem(1, [1, 2], { priorAttempts: 2, receivedAt: new Date().toISOString() });
    const records = await receive([item]);
    const { invoke } = workerAnswering((n) =>
      n === 1 ? outcomeOf.delivered() : outcomeOf.failed(new RetryableError("HTTP 429", { status: 429, retryAfterSeconds: 30 })),
    );

    const { result, before, after } = await timed(() => invoke(records));

    expect(result).toEqual(failures());
    const { delayed } = await inspectQueue(sqs, queueUrl());
    expect(delayed).toHaveLength(1);
    const heldId = deriveWorkItemId(FLOW, "e-2");
    // This receive was the third attempt; the hold gives it back: the copy has spent the two before it.
    expect(JSON.parse(defined(delayed[0]).body)).toEqual({ ...item, workItemId: heldId, priorAttempts: 2, events: [item.events[1]] });
    expect(defined(delayed[0]).delayUntil).toBeGreaterThanOrEqual(before + 30_000);
    expect(defined(delayed[0]).delayUntil).toBeLessThanOrEqual(after + 30_000);
    expect(publishedMetrics()).toEqual(
      expect.arrayContaining([
        { metric: "held", value: 1, destination },
        { metric: "delivered", value: 1, destination },
      ]),
    );
    expect(structuredLogs("INFO")).toContainEqual(
      expect.objectContaining({
        message: "events held: the partner is down or asked to slow down",
        destination,
        workItemId: item.workItemId,
        correlationId: "corr-1",
        events: 1,
        delaySeconds: 30,
        status: 429,
        error: "HTTP 429",
      }),
    );
  });

  it("parks each reason's events together with the first error of that reason", async () => {
    const item = workItem(1, [1, 2, 3, 4]);
    const records = await receive([item]);
    const { invoke } = workerAnswering((n) =>
      defined(
        [
          outcomeOf.failed(new PermanentError("first permanent", { status: 400 })),
          outcomeOf.failed(new ValidationError("bad event")),
          outcomeOf.failed(new PermanentError("second permanent", { status: 422 })),
          outcomeOf.delivered(),
        ][n - 1],
      ),
    );

    expect(await invoke(records)).toEqual(failures());

    const parked = (await inspectQueue(sqs, dlqUrl())).ready.map((message) => ({ body: JSON.parse(message.body) as WorkItem, record: parkRecordOf(message) }));
    expect(parked.map(({ body, record }) => [record.reason, record.message, body.events.map((event) => event.id)]).sort()).toEqual([
      ["permanent", "first permanent", ["e-1", "e-3"]],
      ["validation", "bad event", ["e-2"]],
    ]);
    expect(publishedMetrics()).toEqual(
      expect.arrayContaining([
        { metric: "parked", value: 2, destination, reason: "permanent" },
        { metric: "parked", value: 1, destination, reason: "validation" },
      ]),
    );
  });

  it("parks a message it cannot read as it came, with the receive count and the reason, and delivers nothing", async () => {
    const bodies = ["not json", "[1]", JSON.stringify({ ...workItem(3), events: [] }), JSON.stringify({ ...workItem(4), events: [{ event: {} }] })];
    const records = await receive(bodies, {
      workItemId: { DataType: "String", StringValue: "w-sent" },
      correlationId: { DataType: "String", StringValue: "corr-sent" },
      [PARK_ATTRIBUTE]: { DataType: "String", StringValue: "an earlier park" },
      raw: { DataType: "Binary", BinaryValue: Buffer.from("binary") },
    });
    defined(records[0]).attributes.ApproximateReceiveCount = "3";
    defined(records[1]).attributes.ApproximateReceiveCount = "not a count";
    defined(records[2]).attributes.ApproximateFirstReceiveTimestamp = "0";
    // Sent without attributes: nothing to pass through, no work item id known.
    records.push(...(await receive(["bare text"])));
    const { handed, invoke } = workerAnswering(outcomeOf.delivered);

    const { result, before, after } = await timed(() => invoke(records));

    expect(result).toEqual(failures());
    expect(handed).toEqual([]);
    const parked = (await inspectQueue(sqs, dlqUrl())).ready;
    const parkOf = (body: string) => parked.find((message) => message.body === body);
    for (const body of bodies) expect(attributeValues(defined(parkOf(body)))).toStrictEqual({ workItemId: "w-sent", correlationId: "corr-sent" });
    expect(attributeValues(defined(parkOf("bare text")))).toStrictEqual({});
    expect(parkRecordOf(defined(parkOf("bare text")))).not.toHaveProperty("workItemId");
    expect(parkRecordOf(defined(parkOf("not json")))).toMatchObject({
      destination,
      workItemId: "w-sent",
      reason: "validation",
      errorClass: "validation",
      message: "message body is not JSON",
      attempts: 3,
      firstFailedAt: new Date(Number(defined(records[0]).attributes.ApproximateFirstReceiveTimestamp)).toISOString(),
    });
    expect(parkRecordOf(defined(parkOf("[1]")))).toMatchObject({ message: expect.stringMatching(/^work item invalid at \(root\): /), attempts: 1 });
    const emptyEvents = parkRecordOf(defined(parkOf(defined(bodies[2]))));
    expect(emptyEvents.message).toMatch(/^work item invalid at events: /);
    expect(parkRecordOf(defined(parkOf(defined(bodies[3])))).message).toMatch(/^work item invalid at events\.0\.id: /);
    // No first receive known: the time it was parked stands in.
    expect(Date.parse(emptyEvents.firstFailedAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(emptyEvents.firstFailedAt)).toBeLessThanOrEqual(after);
    expect(publishedMetrics()).toEqual(records.map(() => ({ metric: "parked", value: 1, destination, reason: "validation" })));
    expect(structuredLogs("ERROR")).toContainEqual(
      expect.objectContaining({
        message: "work item parked in the DLQ",
        correlationId: "corr-sent",
        workItemId: "w-sent",
        attempt: 3,
        reason: "validation",
        error: "message body is not JSON",
      }),
    );
  });

  it("fails every event of the batch when the destination throws, and keeps the messages for the error's delay", async () => {
    const records = await receive([workItem(1), workItem(2)]);
    const handler = createWorkerHandler({
      destination,
      deliver: async () => {
        throw new RetryableError("partner unreachable", { retryAfterSeconds: 9 });
      },
    });

    const { result, before, after } = await timed(() => handler({ Records: records }, lambdaContext("mixpanel-worker", 30, "us-east-1")));

    expect(result).toEqual(failures(...records));
    const { inflight } = await inspectQueue(sqs, queueUrl());
    expect(inflight).toHaveLength(2);
    for (const { visibilityDeadline } of inflight) {
      expect(visibilityDeadline).toBeGreaterThanOrEqual(before + 9_000);
      expect(visibilityDeadline).toBeLessThanOrEqual(after + 9_000);
    }
    expect(publishedMetrics()).toEqual(records.map(() => ({ metric: "retried", value: 1, destination })));
  });

  it("counts an event the destination reported no outcome for as a retryable failure, never as delivered", async () => {
    vi.stubEnv("RETRY_BASE_SECONDS", "200");
    const records = await receive([workItem(1)]);
    const handler = createWorkerHandler({ destination, deliver: async () => new Map<string, DeliveryOutcome>() });

    const { result, before, after } = await timed(() => handler({ Records: records }, lambdaContext("mixpanel-worker", 30, "us-east-1")));

    expect(result).toEqual(failures(defined(records[0])));
    const { inflight } = await inspectQueue(sqs, queueUrl());
    // First attempt: a step of 200 s, jittered into its upper half.
    expect(defined(inflight[0]).visibilityDeadline).toBeGreaterThanOrEqual(before + 100_000);
    expect(defined(inflight[0]).visibilityDeadline).toBeLessThanOrEqual(after + 200_000);
    expect(
      publishedMetrics()
        .map(({ metric }) => metric)
        .sort(),
    ).toEqual(["partnerLatency", "retried"]);
    expect(structuredLogs("WARN")).toContainEqual(
      expect.objectContaining({
        message: "delivery failed, will retry",
        correlationId: "corr-1",
        errorClass: "retryable",
        error: "the destination reported no outcome for this event",
      }),
    );
  });
});

/**
 * The handler on EventBridge events, against a Lambda API stand-in whose mapping consumes: the schedule's
 * event is the probe (hold.test.ts follows a probe while paused); no other event is taken for it.
 */
describe("the worker handler on its schedule", () => {
  const lambda = useLambdaMappingStandIn("mixpanel-worker", QUEUE_ARN);
  const publishedMetrics = usePublishedMetrics();
  // Made in each test, not as the file loads: the mutation run then knows which tests ran the handler's setup.
  const scheduledHandler = () =>
    createWorkerHandler({
      destination,
      deliver: async () => {
        throw new Error("a probe of a consuming queue delivers nothing");
      },
    });
  /** EventBridge's event for a rule's schedule (infra/wiring.ts), with other source and detail-type as given. */
  const eventBridgeEvent = (source: string, detailType: string) => ({ source, "detail-type": detailType, detail: {} }) as ScheduledEvent;

  it("probes on the schedule's event and answers it with no failures, with no early timeout of its own: Lambda's deadline is the only one", async () => {
    // No time left by the context's clock: middy's default would abort the handler 5 ms before it.
    const noTimeLeft = lambdaContext("mixpanel-worker", 0, "us-east-1");

    expect(await scheduledHandler()(eventBridgeEvent("aws.events", "Scheduled Event"), noTimeLeft)).toEqual({ batchItemFailures: [] });
    expect(publishedMetrics()).toEqual([{ metric: "partnerDown", value: 0, destination }]);
  });

  it.each([
    ["another source's scheduled event", eventBridgeEvent("com.example.scheduler", "Scheduled Event")],
    ["another kind of EventBridge event", eventBridgeEvent("aws.events", "EC2 Instance State-change Notification")],
  ])("takes %s for no probe", async (_label, event) => {
    // Not an SQS event either: the invocation fails, probing nothing.
    await expect(scheduledHandler()(event, lambdaContext("mixpanel-worker", 30, "us-east-1"))).rejects.toThrow();
    expect(publishedMetrics()).toEqual([]);
    expect(lambda().mapping.updates).toEqual([]);
  });
});

describe("eventKey", () => {
  it("keeps the outcomes of different messages' events apart", () => {
    expect(eventKey("m-1", "e-1")).toBe(eventKey("m-1", "e-1"));
    expect(eventKey("m-1", "e-1")).not.toBe(eventKey("m-1e", "-1"));
    expect(eventKey("m-1", "e-1")).not.toBe(eventKey("m-1", "e-2"));
  });
});
