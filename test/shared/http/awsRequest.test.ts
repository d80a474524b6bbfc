import { LambdaClient, UpdateEventSourceMappingCommand } from "@aws-sdk/client-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { AwsApiError, awsJsonRpc, awsRestJson } from "../../../shared/http/awsRequest.js";
import { startSigV4Server, type SigV4Reply, type SigV4Server, type VerifiedRequest } from "../../support/sigV4Verifier.js";

/** The test run's credentials (vitest.config.ts): AWS_ACCESS_KEY_ID=local, AWS_SECRET_ACCESS_KEY=local. */
const SECRET_KEYS = new Map([["local", "local"]]);

describe("signed AWS API calls (shared/http/awsRequest.ts)", () => {
  let server: SigV4Server;
  /** Answers in order, then 200 with the request echoed. */
  const script: SigV4Reply[] = [];

  beforeAll(async () => {
    server = await startSigV4Server(SECRET_KEYS, (request: VerifiedRequest) => script.shift() ?? { status: 200, body: { echoed: request.url } });
  });
  afterEach(() => {
    server.requests.length = 0;
    script.length = 0;
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("signs a REST JSON call as AWS checks it, query and body included", async () => {
    const answer = await awsRestJson<{ echoed: string }>({
      service: "lambda",
      endpoint: server.endpoint,
      method: "GET",
      path: "/2015-03-31/event-source-mappings/",
      query: { FunctionName: "arn:aws:lambda:us-east-1:1:function:a b*c", Marker: "a+b/c=", Absent: undefined },
    });
    expect(server.requests.map((request) => request.problem)).toEqual([undefined]);
    expect(answer.echoed).toBe("/2015-03-31/event-source-mappings/?FunctionName=arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Aa%20b%2Ac&Marker=a%2Bb%2Fc%3D");
    // A call without a body declares no content type.
    expect(server.requests[0]?.headers).not.toHaveProperty("content-type");
    await awsRestJson({ service: "lambda", endpoint: server.endpoint, method: "PUT", path: "/2015-03-31/event-source-mappings/u-1", body: { Enabled: false } });
    expect(server.requests[1]).toMatchObject({ method: "PUT", body: '{"Enabled":false}', problem: undefined });
    expect(server.requests[1]?.headers["content-type"]).toBe("application/json");
  });

  it("agrees with the SDK's own client on what a valid signature is (the checker is AWS's rule, not ours)", async () => {
    const sdk = new LambdaClient({ endpoint: server.endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    await sdk.send(new UpdateEventSourceMappingCommand({ UUID: "u-1", Enabled: true }));
    // A path segment with characters the SDK encodes on the wire (the signer encodes them again).
    await sdk.send(new UpdateEventSourceMappingCommand({ UUID: "u/1 *x", Enabled: true }));
    const forged = new LambdaClient({ endpoint: server.endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "wrong" } });
    await expect(forged.send(new UpdateEventSourceMappingCommand({ UUID: "u-1", Enabled: true }))).rejects.toThrow();
    expect(server.requests.map((request) => request.problem)).toEqual([undefined, undefined, expect.stringMatching(/signature mismatch/)]);
    expect(server.requests[1]?.url).toBe("/2015-03-31/event-source-mappings/u%2F1%20%2Ax");
  });

  it("sends a JSON 1.1 call with its target, signed", async () => {
    const answer = await awsJsonRpc<{ echoed: string }>({
      service: "secretsmanager",
      endpoint: server.endpoint,
      target: "secretsmanager.GetSecretValue",
      body: { SecretId: "s" },
    });
    expect(answer.echoed).toBe("/");
    expect(server.requests[0]).toMatchObject({ method: "POST", body: '{"SecretId":"s"}', problem: undefined });
    expect(server.requests[0]?.headers).toMatchObject({ "x-amz-target": "secretsmanager.GetSecretValue", "content-type": "application/x-amz-json-1.1" });
    expect(server.requests[0]?.headers.authorization).toMatch(/\/us-east-1\/secretsmanager\/aws4_request/);
  });

  it("retries throttling and server errors, at most three attempts", async () => {
    script.push({ status: 400, body: { __type: "com.amazonaws.secretsmanager#ThrottlingException", message: "Rate exceeded" } }, { status: 503, body: {} });
    await expect(awsJsonRpc({ service: "secretsmanager", endpoint: server.endpoint, target: "secretsmanager.GetSecretValue", body: {} })).resolves.toEqual({
      echoed: "/",
    });
    expect(server.requests).toHaveLength(3);

    server.requests.length = 0;
    script.push(
      { status: 429, headers: { "x-amzn-errortype": "TooManyRequestsException:http://internal.amazon.com/" }, body: { message: "Rate exceeded" } },
      { status: 500, body: {} },
      { status: 502, body: {} },
    );
    const error = await awsRestJson({ service: "lambda", endpoint: server.endpoint, method: "GET", path: "/x" }).catch((caught: unknown) => caught);
    expect(server.requests).toHaveLength(3);
    expect(error).toBeInstanceOf(AwsApiError);
    expect(error).toMatchObject({ name: "UnknownError", $metadata: { httpStatusCode: 502 } });
  });

  it("waits before each retry as the SDK's standard mode does: full jitter under 100 ms × 2^attempt", async () => {
    script.push({ status: 503, body: {} }, { status: 503, body: {} });
    vi.spyOn(Math, "random").mockReturnValue(0.25);
    const waits = vi.spyOn(globalThis, "setTimeout");

    await awsRestJson({ service: "lambda", endpoint: server.endpoint, method: "GET", path: "/x" });

    expect(server.requests).toHaveLength(3);
    // Among the timers fetch's HTTP client sets for its sockets: 100 × 2 × 0.25, then 100 × 4 × 0.25.
    expect(waits.mock.calls.map(([, delay]) => delay)).toEqual(expect.arrayContaining([50, 100]));
  });

  it("does not retry a refusal, and names it from the answer", async () => {
    script.push({ status: 400, body: { __type: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret." } });
    const error = await awsJsonRpc({ service: "secretsmanager", endpoint: server.endpoint, target: "secretsmanager.GetSecretValue", body: {} }).catch(
      (caught: unknown) => caught,
    );
    expect(server.requests).toHaveLength(1);
    expect(error).toMatchObject({
      name: "ResourceNotFoundException",
      message: "ResourceNotFoundException (HTTP 400): Secrets Manager can't find the specified secret.",
    });
  });

  it.each<[string, SigV4Reply, string]>([
    [
      "the x-amzn-errortype header, less its URL",
      { status: 404, headers: { "x-amzn-errortype": "ResourceNotFoundException:http://internal.amazon.com/" }, body: { Message: "No mapping" } },
      "ResourceNotFoundException (HTTP 404): No mapping",
    ],
    [
      "a namespaced __type, and the body's Message",
      { status: 404, body: { __type: "com.amazonaws.lambda#ResourceNotFoundException", Message: "No mapping" } },
      "ResourceNotFoundException (HTTP 404): No mapping",
    ],
    ["its status alone when the body is not JSON", { status: 404, text: "<html>Not Found</html>" }, "UnknownError (HTTP 404): HTTP 404"],
  ])("names a refusal from %s", async (_how, reply, message) => {
    script.push(reply);
    const error = await awsRestJson({ service: "lambda", endpoint: server.endpoint, method: "GET", path: "/x" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AwsApiError);
    expect((error as AwsApiError).message).toBe(message);
    expect(server.requests).toHaveLength(1);
  });

  it("keeps at most 500 characters of a refusal's message", async () => {
    script.push({ status: 400, body: { __type: "ValidationException", message: "x".repeat(600) } });
    const error = (await awsRestJson({ service: "lambda", endpoint: server.endpoint, method: "GET", path: "/x" }).catch(
      (caught: unknown) => caught,
    )) as AwsApiError;
    expect(error.message).toBe(`ValidationException (HTTP 400): ${"x".repeat(500)}`);
  });

  it("takes an empty answer as an empty object, and keeps a stand-in's base path (with or without its slash)", async () => {
    script.push({ status: 200 }, { status: 200 });
    await expect(awsRestJson({ service: "lambda", endpoint: `${server.endpoint}/base/`, method: "GET", path: "/2015-03-31/x" })).resolves.toEqual({});
    await expect(awsRestJson({ service: "lambda", endpoint: `${server.endpoint}/base`, method: "GET", path: "/2015-03-31/x" })).resolves.toEqual({});
    expect(server.requests.map((request) => [request.url, request.problem])).toEqual([
      ["/base/2015-03-31/x", undefined],
      ["/base/2015-03-31/x", undefined],
    ]);
  });

  it("retries a connection that fails, then gives up with the network error", async () => {
    const closed = await startSigV4Server(SECRET_KEYS, () => ({ status: 200 }));
    await closed.stop();
    await expect(awsRestJson({ service: "lambda", endpoint: closed.endpoint, method: "GET", path: "/x" })).rejects.toThrow("fetch failed");
  });

  it("goes to the service's regional endpoint in the region's partition when no stand-in is set", async () => {
    const fetched: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation((input) => {
      fetched.push(String(input));
      return Promise.resolve(new Response("{}", { status: 200 }));
    });
    vi.stubEnv("AWS_REGION", "cn-north-1");
    try {
      await awsRestJson({ service: "lambda", endpoint: undefined, method: "GET", path: "/2015-03-31/event-source-mappings/u-1" });
      vi.stubEnv("AWS_REGION", "eu-west-1");
      await awsJsonRpc({ service: "secretsmanager", endpoint: undefined, target: "secretsmanager.GetSecretValue", body: {} });
    } finally {
      vi.unstubAllEnvs();
    }
    expect(fetched).toEqual([
      "https://lambda.cn-north-1.amazonaws.com.cn/2015-03-31/event-source-mappings/u-1",
      "https://secretsmanager.eu-west-1.amazonaws.com/",
    ]);
  });
});
