import {
  GetEventSourceMappingCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ResourceNotFoundException,
  UpdateEventSourceMappingCommand,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventSourceMappings, LocalEventSourceMapping, lambdaOperationOf, startLambdaApi, type LambdaApi } from "../../../infra/local/lambdaApi.js";

/** The Lambda API stand-in, called with the real SDK the workers use (shared/queue/consumption.ts). */
describe("the local Lambda API (event source mappings)", () => {
  const mappings = new EventSourceMappings();
  const settings = { batchSize: 10, maxBatchingWindowSeconds: 0, reportBatchItemFailures: true, maxConcurrency: 5 };
  const worker = mappings.add(
    new LocalEventSourceMapping(
      "cdp-relay-pushwoosh-worker",
      "arn:aws:lambda:us-east-1:000000000000:function:cdp-relay-pushwoosh-worker",
      "arn:aws:sqs:us-east-1:000000000000:cdp-relay-pushwoosh",
      settings,
    ),
  );
  mappings.add(
    new LocalEventSourceMapping(
      "cdp-relay-mixpanel-worker",
      "arn:aws:lambda:us-east-1:000000000000:function:cdp-relay-mixpanel-worker",
      "arn:aws:sqs:us-east-1:000000000000:cdp-relay-mixpanel",
      settings,
    ),
  );
  let api: LambdaApi;
  let lambda: LambdaClient;

  beforeAll(async () => {
    api = await startLambdaApi(mappings);
    lambda = new LambdaClient({ endpoint: api.endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  });
  afterAll(async () => {
    lambda?.destroy();
    await api?.stop();
  });

  it("lists a function's mappings by name or ARN, with the fields Lambda returns", async () => {
    const byName = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: "cdp-relay-pushwoosh-worker" }));
    expect(byName.EventSourceMappings).toEqual([
      expect.objectContaining({
        UUID: worker.uuid,
        FunctionArn: worker.functionArn,
        EventSourceArn: "arn:aws:sqs:us-east-1:000000000000:cdp-relay-pushwoosh",
        State: "Enabled",
        BatchSize: 10,
        ScalingConfig: { MaximumConcurrency: 5 },
        FunctionResponseTypes: ["ReportBatchItemFailures"],
      }),
    ]);
    const byArn = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: worker.functionArn }));
    expect(byArn.EventSourceMappings?.map((mapping) => mapping.UUID)).toEqual([worker.uuid]);
    const all = await lambda.send(new ListEventSourceMappingsCommand({}));
    expect(all.EventSourceMappings).toHaveLength(2);
  });

  it("disables a mapping through Disabling (settled by its poller) and enables it again", async () => {
    const paused = await lambda.send(new UpdateEventSourceMappingCommand({ UUID: worker.uuid, Enabled: false }));
    expect(paused.State).toBe("Disabling");
    expect(worker.enabled).toBe(false);
    worker.settle();
    expect((await lambda.send(new GetEventSourceMappingCommand({ UUID: worker.uuid }))).State).toBe("Disabled");

    const resumed = await lambda.send(new UpdateEventSourceMappingCommand({ UUID: worker.uuid, Enabled: true }));
    expect(resumed.State).toBe("Enabling");
    worker.settle();
    expect((await lambda.send(new GetEventSourceMappingCommand({ UUID: worker.uuid }))).State).toBe("Enabled");
  });

  it("changes MaximumConcurrency within Lambda's 2..1000 and refuses anything else", async () => {
    const updated = await lambda.send(new UpdateEventSourceMappingCommand({ UUID: worker.uuid, ScalingConfig: { MaximumConcurrency: 3 } }));
    expect(updated.ScalingConfig?.MaximumConcurrency).toBe(3);
    expect(worker.settings.maxConcurrency).toBe(3);
    await expect(lambda.send(new UpdateEventSourceMappingCommand({ UUID: worker.uuid, ScalingConfig: { MaximumConcurrency: 1 } }))).rejects.toMatchObject({
      name: "InvalidParameterValueException",
    });
  });

  it("answers ResourceNotFoundException for a mapping it does not have", async () => {
    await expect(lambda.send(new GetEventSourceMappingCommand({ UUID: "00000000-0000-4000-8000-000000000000" }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it("names each REST request by the operation IAM authorises", () => {
    expect(lambdaOperationOf("GET", "/2015-03-31/event-source-mappings?FunctionName=f", "")).toEqual({
      action: "ListEventSourceMappings",
      input: { FunctionName: "f" },
    });
    expect(lambdaOperationOf("GET", "/2015-03-31/event-source-mappings/abc", "")).toEqual({ action: "GetEventSourceMapping", input: { UUID: "abc" } });
    expect(lambdaOperationOf("PUT", "/2015-03-31/event-source-mappings/abc", '{"Enabled":false}')).toEqual({
      action: "UpdateEventSourceMapping",
      input: { UUID: "abc", Enabled: false },
    });
    expect(lambdaOperationOf("DELETE", "/2015-03-31/event-source-mappings/abc", "")).toBeUndefined();
    expect(lambdaOperationOf("GET", "/2015-03-31/functions", "")).toBeUndefined();
  });
});
