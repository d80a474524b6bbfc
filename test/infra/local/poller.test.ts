import { GetQueueAttributesCommand, PurgeQueueCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import type { ScheduledEvent, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { lambdaContext } from "../../../infra/local/lambdaContext.js";
import { SqsPoller } from "../../../infra/local/poller.js";
import { LocalEventSourceMapping, type MappingSettings } from "../../../infra/local/lambdaApi.js";
import { scheduledEvent } from "../../../infra/local/probeSchedule.js";
import { startEmbeddedSqs, type EmbeddedSqs } from "../../support/embeddedSqs.js";
import { waitFor } from "../../support/waitFor.js";

describe("the local event source mapping (SqsPoller) honours the wiring's settings", () => {
  let embedded: EmbeddedSqs;
  let poller: SqsPoller | undefined;
  const queueUrl = () => embedded.queueUrls.pushwoosh.queue;

  beforeAll(async () => {
    embedded = await startEmbeddedSqs();
  });
  /** Lets held batches finish so the poller can stop. */
  let releaseOnCleanup = () => {};
  afterEach(async () => {
    const stopping = poller?.stop();
    while (stopping && !(await Promise.race([stopping.then(() => true), new Promise<false>((resolve) => setImmediate(() => resolve(false)))])))
      releaseOnCleanup();
    await stopping;
    poller = undefined;
    await embedded.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl() }));
  });
  afterAll(() => embedded?.stop());

  const send = (bodies: string[]) =>
    embedded.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl(), Entries: bodies.map((body, index) => ({ Id: String(index), MessageBody: body })) }));

  const messagesLeft = async () => {
    const { Attributes } = await embedded.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl(), AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
  };

  /** Polls with `settings`; the handler reports the records whose body is "fail" as failed. */
  async function startPoller(settings: MappingSettings): Promise<string[][]> {
    const batches: string[][] = [];
    const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      batches.push(event.Records.map((record) => record.body));
      return { batchItemFailures: event.Records.filter((record) => record.body === "fail").map((record) => ({ itemIdentifier: record.messageId })) };
    };
    poller = new SqsPoller({
      sqs: embedded.sqs,
      queueUrl: queueUrl(),
      region: "us-east-1",
      settings,
      handlers: [handler],
      context: () => lambdaContext("pushwoosh-worker", 30, "us-east-1"),
    });
    await poller.start();
    return batches;
  }

  it("hands a worker at most batchSize records per invocation", async () => {
    await send(["a", "b", "c", "d", "e"]);
    const batches = await startPoller({ batchSize: 2, maxBatchingWindowSeconds: 0, reportBatchItemFailures: true });

    await waitFor(async () => (await messagesLeft()) === 0, 20_000, "every record deleted");
    expect(batches.flat().sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect(batches.every((batch) => batch.length <= 2)).toBe(true);
  });

  it("with ReportBatchItemFailures, deletes all but the reported records", async () => {
    await send(["ok-1", "fail", "ok-2"]);
    const batches = await startPoller({ batchSize: 10, maxBatchingWindowSeconds: 1, reportBatchItemFailures: true });

    await waitFor(() => batches.flat().length === 3, 20_000, "the three records handed over");
    await waitFor(async () => (await messagesLeft()) === 1, 20_000, "only the reported record left in flight");
  });

  it("without ReportBatchItemFailures, ignores the response and deletes the whole returned batch, as Lambda does", async () => {
    await send(["ok-1", "fail", "ok-2"]);
    const batches = await startPoller({ batchSize: 10, maxBatchingWindowSeconds: 1, reportBatchItemFailures: false });

    await waitFor(() => batches.flat().length === 3, 20_000, "the three records handed over");
    await waitFor(async () => (await messagesLeft()) === 0, 20_000, "every record deleted");
  });

  /** A mapping of the settings' and `environments` handlers that hold each batch until `release` is called. */
  async function startHeldPoller(mapping: LocalEventSourceMapping, environments: number) {
    const running: Array<{ environment: number; event: SQSEvent | ScheduledEvent; release: () => void }> = [];
    let mostAtOnce = 0;
    const handlers = Array.from({ length: environments }, (_, environment) => async (event: SQSEvent | ScheduledEvent): Promise<SQSBatchResponse> => {
      await new Promise<void>((release) => {
        running.push({ environment, event, release });
        mostAtOnce = Math.max(mostAtOnce, running.length);
      });
      running.splice(
        running.findIndex((entry) => entry.event === event),
        1,
      );
      return { batchItemFailures: [] };
    });
    poller = new SqsPoller({
      sqs: embedded.sqs,
      queueUrl: queueUrl(),
      region: "us-east-1",
      mapping,
      handlers,
      context: () => lambdaContext("pushwoosh-worker", 30, "us-east-1"),
    });
    await poller.start();
    const releaseAll = () => [...running].forEach((entry) => entry.release());
    releaseOnCleanup = releaseAll;
    return { running, mostAtOnce: () => mostAtOnce, releaseAll };
  }

  const mappingOf = (settings: Partial<MappingSettings> = {}, enabled = true) =>
    new LocalEventSourceMapping(
      "cdp-relay-pushwoosh-worker",
      "arn:aws:lambda:us-east-1:000000000000:function:cdp-relay-pushwoosh-worker",
      "arn:queue",
      {
        batchSize: 1,
        maxBatchingWindowSeconds: 0,
        reportBatchItemFailures: true,
        ...settings,
      },
      enabled,
    );

  it("runs no more batches at once than the mapping's MaximumConcurrency, however many environments it has", async () => {
    const bodies = ["c1", "c2", "c3", "c4", "c5", "c6"];
    await send(bodies);
    const held = await startHeldPoller(mappingOf({ maxConcurrency: 2 }), 4);

    // Rounds of two: each time two batches run, the other two environments wait.
    const seen = new Set<string>();
    while (!bodies.every((body) => seen.has(body))) {
      await waitFor(() => held.running.length === 2 || (held.running.length > 0 && bodies.length - seen.size < 2), 20_000, "two batches running");
      for (const entry of held.running) for (const record of (entry.event as SQSEvent).Records) seen.add(record.body);
      held.releaseAll();
    }
    expect(held.mostAtOnce()).toBe(2);
  });

  it("takes nothing while the mapping is disabled, settles Disabling to Disabled once the batch in flight is done, and resumes when enabled", async () => {
    await send(["first"]);
    const mapping = mappingOf();
    const held = await startHeldPoller(mapping, 1);
    await waitFor(() => held.running.length === 1, 20_000, "the first batch running");

    mapping.update({ enabled: false });
    expect(mapping.currentState).toBe("Disabling");
    await send(["while-paused"]);
    held.releaseAll();
    await waitFor(() => mapping.currentState === "Disabled", 20_000, "the mapping disabled once its batch is done");
    expect(await messagesLeft()).toBe(1);
    expect(held.running).toEqual([]);

    mapping.update({ enabled: true });
    await waitFor(() => held.running.length === 1, 20_000, "the held message taken after the resume");
    expect(mapping.currentState).toBe("Enabled");
    expect((held.running[0]?.event as SQSEvent).Records[0]?.body).toBe("while-paused");
    held.releaseAll();
    await waitFor(async () => (await messagesLeft()) === 0, 20_000, "the message deleted");
  });

  it("runs a scheduled (probe) invocation in an idle environment, never beside a batch in the same one", async () => {
    await send(["batch"]);
    const held = await startHeldPoller(mappingOf(), 2);
    await waitFor(() => held.running.length === 1, 20_000, "a batch running");
    const batchEnvironment = held.running[0]?.environment;

    const probe = poller?.invokeScheduled(scheduledEvent("probe", "us-east-1"));
    await waitFor(() => held.running.length === 2, 20_000, "the probe running");
    const probeRun = held.running.find((entry) => !("Records" in entry.event));
    expect(probeRun?.environment).not.toBe(batchEnvironment);
    expect(probeRun?.event).toMatchObject({ source: "aws.events", "detail-type": "Scheduled Event" });
    held.releaseAll();
    await probe;
  });
});
