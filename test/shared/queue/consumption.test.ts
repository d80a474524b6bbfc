import { afterEach, describe, expect, it, vi } from "vitest";
import { consumptionPaused, pauseConsumption, resumeConsumption } from "../../../shared/queue/consumption.js";
import { queueName } from "../../../shared/queue/definition.js";
import { useLambdaMappingStandIn } from "../../support/lambdaMappingStandIn.js";
import { startSigV4Server } from "../../support/sigV4Verifier.js";

/** The real Lambda client against the Lambda API stand-in: the calls a worker makes to pause its own queue. */
describe("consumption of a worker's queue", () => {
  const standIn = useLambdaMappingStandIn("mparticle-worker", `arn:aws:sqs:us-east-1:000000000000:${queueName("mparticle")}`);

  it("pauses and resumes the function's own event source mapping, and reads whether it is paused", async () => {
    expect(await consumptionPaused("mparticle")).toBe(false);
    await pauseConsumption("mparticle");
    expect(standIn().mapping.enabled).toBe(false);
    expect(await consumptionPaused("mparticle")).toBe(true);
    await resumeConsumption("mparticle");
    expect(await consumptionPaused("mparticle")).toBe(false);
    expect(standIn().mapping.updates).toEqual([false, true]);
  });

  it("names the function and queue when no mapping feeds it", async () => {
    vi.stubEnv("AWS_LAMBDA_FUNCTION_NAME", "mixpanel-worker");
    await expect(pauseConsumption("mixpanel")).rejects.toThrow("no event source mapping feeds mixpanel-worker from cdp-relay-mixpanel");
  });
});

describe("finding the worker's own mapping", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("follows NextMarker to the page with its queue's mapping (not its DLQ's), reads Disabling as paused, and looks it up once", async () => {
    const queueArn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;
    const state = { value: "Disabling" };
    const lambda = await startSigV4Server(new Map([["local", "local"]]), (request) => {
      if (request.url === "/2015-03-31/event-source-mappings?FunctionName=pushwoosh-worker")
        return {
          status: 200,
          body: { EventSourceMappings: [{ UUID: "dlq", EventSourceArn: queueArn(`${queueName("pushwoosh")}-dlq`) }], NextMarker: "page 2" },
        };
      if (request.url === "/2015-03-31/event-source-mappings?FunctionName=pushwoosh-worker&Marker=page%202")
        return { status: 200, body: { EventSourceMappings: [{ UUID: "u/1", EventSourceArn: queueArn(queueName("pushwoosh")) }] } };
      if (request.url === "/2015-03-31/event-source-mappings/u%2F1") return { status: 200, body: { UUID: "u/1", State: state.value } };
      return { status: 404, body: { __type: "ResourceNotFoundException", message: request.url } };
    });
    vi.stubEnv("AWS_LAMBDA_FUNCTION_NAME", "pushwoosh-worker");
    vi.stubEnv("AWS_ENDPOINT_URL_LAMBDA", lambda.endpoint);
    try {
      expect(await consumptionPaused("pushwoosh")).toBe(true);
      state.value = "Enabling";
      expect(await consumptionPaused("pushwoosh")).toBe(false);
      expect(lambda.requests.map((request) => [request.method, request.url, request.problem])).toEqual([
        ["GET", "/2015-03-31/event-source-mappings?FunctionName=pushwoosh-worker", undefined],
        ["GET", "/2015-03-31/event-source-mappings?FunctionName=pushwoosh-worker&Marker=page%202", undefined],
        ["GET", "/2015-03-31/event-source-mappings/u%2F1", undefined],
        ["GET", "/2015-03-31/event-source-mappings/u%2F1", undefined],
      ]);
    } finally {
      await lambda.stop();
    }
  });

  it("passes over a page that lists no mappings and a mapping with no queue ARN (a self-managed Kafka source)", async () => {
    const lambda = await startSigV4Server(new Map([["local", "local"]]), (request) => {
      if (request.url === "/2015-03-31/event-source-mappings?FunctionName=pushwoosh-worker") return { status: 200, body: { NextMarker: "page 2" } };
      if (request.url === "/2015-03-31/event-source-mappings?FunctionName=pushwoosh-worker&Marker=page%202")
        return {
          status: 200,
          body: {
            EventSourceMappings: [
              { UUID: "kafka", SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: ["broker:9092"] } } },
              { UUID: "u-2", EventSourceArn: `arn:aws:sqs:us-east-1:000000000000:${queueName("pushwoosh")}` },
            ],
          },
        };
      if (request.url === "/2015-03-31/event-source-mappings/u-2") return { status: 200, body: { UUID: "u-2", State: "Disabled" } };
      return { status: 404, body: { __type: "ResourceNotFoundException", message: request.url } };
    });
    vi.stubEnv("AWS_LAMBDA_FUNCTION_NAME", "pushwoosh-worker");
    vi.stubEnv("AWS_ENDPOINT_URL_LAMBDA", lambda.endpoint);
    try {
      expect(await consumptionPaused("pushwoosh")).toBe(true);
    } finally {
      await lambda.stop();
    }
  });
});
