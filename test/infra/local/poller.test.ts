import { GetQueueAttributesCommand, PurgeQueueCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { lambdaContext } from "../../../infra/local/lambdaContext.js";
import { SqsPoller } from "../../../infra/local/poller.js";
import type { EventSourceSettings } from "../../../infra/wiring.js";
import { startEmbeddedSqs, type EmbeddedSqs } from "../../support/embeddedSqs.js";
import { waitFor } from "../../support/waitFor.js";

describe("the local event source mapping (SqsPoller) honours the wiring's settings", () => {
  let embedded: EmbeddedSqs;
  let poller: SqsPoller | undefined;
  const queueUrl = () => embedded.queueUrls.pushwoosh.queue;

  beforeAll(async () => {
    embedded = await startEmbeddedSqs();
  });
  afterEach(async () => {
    await poller?.stop();
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
  async function startPoller(settings: EventSourceSettings): Promise<string[][]> {
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
});
