import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { consumptionPaused, pauseConsumption, resumeConsumption } from "../../../shared/queue/consumption.js";
import { queueName } from "../../../shared/queue/definition.js";
import { startLambdaMappingStandIn, type LambdaMappingStandIn } from "../../support/lambdaMappingStandIn.js";

/** The real Lambda client against the Lambda API stand-in: the calls a worker makes to pause its own queue. */
describe("consumption of a worker's queue", () => {
  let lambda: LambdaMappingStandIn;

  beforeAll(async () => {
    lambda = await startLambdaMappingStandIn("mparticle-worker", `arn:aws:sqs:us-east-1:000000000000:${queueName("mparticle")}`);
  });
  beforeEach(() => {
    vi.stubEnv("AWS_LAMBDA_FUNCTION_NAME", "mparticle-worker");
    vi.stubEnv("AWS_ENDPOINT_URL_LAMBDA", lambda.endpoint);
  });
  afterEach(() => vi.unstubAllEnvs());
  afterAll(async () => {
    await lambda.stop();
  });

  it("pauses and resumes the function's own event source mapping, and reads whether it is paused", async () => {
    expect(await consumptionPaused("mparticle")).toBe(false);
    await pauseConsumption("mparticle");
    expect(lambda.mapping.enabled).toBe(false);
    expect(await consumptionPaused("mparticle")).toBe(true);
    await resumeConsumption("mparticle");
    expect(await consumptionPaused("mparticle")).toBe(false);
    expect(lambda.mapping.updates).toEqual([false, true]);
  });

  it("names the function and queue when no mapping feeds it", async () => {
    vi.stubEnv("AWS_LAMBDA_FUNCTION_NAME", "mixpanel-worker");
    await expect(pauseConsumption("mixpanel")).rejects.toThrow("no event source mapping feeds mixpanel-worker from cdp-relay-mixpanel");
  });
});
