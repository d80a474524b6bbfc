import { describe, expect, it } from "vitest";
import { DESTINATIONS, deadLetterQueueName, deadLetterQueueUrlEnvVar, isDestination, queueName, queueUrlEnvVar } from "../../../shared/queue/definition.js";

describe("the queue definition", () => {
  it("names each destination's queue, DLQ and URL variables as docs/architecture.md does (public names)", () => {
    expect(
      DESTINATIONS.map((destination) => [
        queueName(destination),
        deadLetterQueueName(destination),
        queueUrlEnvVar(destination),
        deadLetterQueueUrlEnvVar(destination),
      ]),
    ).toEqual([
      ["cdp-relay-pushwoosh", "cdp-relay-pushwoosh-dlq", "PUSHWOOSH_QUEUE_URL", "PUSHWOOSH_DLQ_URL"],
      ["cdp-relay-mparticle", "cdp-relay-mparticle-dlq", "MPARTICLE_QUEUE_URL", "MPARTICLE_DLQ_URL"],
      ["cdp-relay-mixpanel", "cdp-relay-mixpanel-dlq", "MIXPANEL_QUEUE_URL", "MIXPANEL_DLQ_URL"],
    ]);
  });

  it("knows only its destinations", () => {
    expect(DESTINATIONS.every(isDestination)).toBe(true);
    expect(["braze", "", "Mixpanel"].some(isDestination)).toBe(false);
  });
});
