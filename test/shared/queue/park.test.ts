import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PermanentError, RetryableError } from "../../../shared/errors.js";
import { PARK_ATTRIBUTE, park, parkRecord } from "../../../shared/queue/park.js";
import { drainVisible, startEmbeddedSqs, type EmbeddedSqs } from "../../support/embeddedSqs.js";

describe("parkRecord", () => {
  it("records the reason, the error's class, status and partner message, and when", () => {
    const error = new PermanentError("mixpanel answered HTTP 400", { status: 400, partnerMessage: "bad", field: "x" });

    const record = parkRecord("mixpanel", "w-1", "permanent", error, 2, "2026-01-01T00:00:00.000Z", new Date("2026-01-01T00:01:00.000Z"));

    expect(record).toEqual({
      destination: "mixpanel",
      workItemId: "w-1",
      reason: "permanent",
      errorClass: "permanent",
      message: "mixpanel answered HTTP 400",
      status: 400,
      partnerMessage: "bad",
      firstFailedAt: "2026-01-01T00:00:00.000Z",
      parkedAt: "2026-01-01T00:01:00.000Z",
      attempts: 2,
    });
  });
});

describe("park on the embedded SQS", () => {
  let sqs: EmbeddedSqs;

  beforeAll(async () => {
    sqs = await startEmbeddedSqs();
  });
  afterAll(async () => {
    await sqs.stop();
  });

  it("sends the body to the destination's DLQ with the record and the pass-through attributes, never an old record", async () => {
    const record = parkRecord("pushwoosh", "w-2", "retries-exhausted", new RetryableError("timed out"), 5, "2026-01-01T00:00:00.000Z");

    await park("pushwoosh", '{"body":1}', record, { correlationId: "c-2", [PARK_ATTRIBUTE]: "stale" });

    const [message] = await drainVisible(sqs.sqs, sqs.queueUrls.pushwoosh.dlq);
    expect(message?.Body).toBe('{"body":1}');
    expect(message?.MessageAttributes?.correlationId).toMatchObject({ DataType: "String", StringValue: "c-2" });
    expect(message?.MessageAttributes?.[PARK_ATTRIBUTE]?.DataType).toBe("String");
    expect(JSON.parse(message?.MessageAttributes?.[PARK_ATTRIBUTE]?.StringValue ?? "{}")).toEqual(JSON.parse(JSON.stringify(record)));
  });
});
