import { describe, expect, it } from "vitest";
import { deadLetterQueueUrlFor, queueUrlFor, sqsClient } from "../../../shared/queue/sqsClient.js";
import { withEnv } from "../../support/env.js";

describe("sqsClient", () => {
  it("keeps one client per endpoint, and follows AWS_ENDPOINT_URL_SQS to a new one when it changes", async () => {
    const first = withEnv({ AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:9001" }, sqsClient);
    const again = withEnv({ AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:9001" }, sqsClient);
    const moved = withEnv({ AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:9002" }, sqsClient);

    expect(again).toBe(first);
    expect(moved).not.toBe(first);
    expect(await first.config.endpoint?.()).toMatchObject({ hostname: "127.0.0.1", port: 9001 });
    expect(await moved.config.endpoint?.()).toMatchObject({ hostname: "127.0.0.1", port: 9002 });
  });
});

describe("queue URLs", () => {
  it("reads each destination's queue and DLQ URL from its variable, and names a missing one", () => {
    const urls = {
      MIXPANEL_QUEUE_URL: "http://sqs.local/1/cdp-relay-mixpanel",
      MIXPANEL_DLQ_URL: "http://sqs.local/1/cdp-relay-mixpanel-dlq",
      PUSHWOOSH_DLQ_URL: undefined,
    };

    expect(withEnv(urls, () => [queueUrlFor("mixpanel"), deadLetterQueueUrlFor("mixpanel")])).toEqual([urls.MIXPANEL_QUEUE_URL, urls.MIXPANEL_DLQ_URL]);
    expect(() => withEnv(urls, () => deadLetterQueueUrlFor("pushwoosh"))).toThrow("PUSHWOOSH_DLQ_URL is not set");
  });
});
