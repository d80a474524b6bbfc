import { gzipSync } from "node:zlib";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiServer } from "../../../infra/local/apiServer.js";
import { lambdaContext } from "../../../infra/local/lambdaContext.js";
import { defined } from "../../support/defined.js";

describe("the local HTTP API", () => {
  const seen: APIGatewayProxyEventV2[] = [];
  let url: string;
  let close: () => void;

  beforeAll(async () => {
    const api = await startApiServer(0, {
      isReady: () => true,
      context: (name) => lambdaContext(name, 10, "us-east-1"),
      routes: [
        {
          method: "POST",
          path: "/echo",
          functionName: "echo",
          handler: async (event) => {
            seen.push(event);
            return { statusCode: 201, headers: { "x-route": event.routeKey }, body: JSON.stringify({ ok: true }) };
          },
        },
      ],
    });
    url = api.url;
    close = () => api.server.close();
  });
  afterAll(() => close());

  it("turns a JSON request into a payload v2.0 event and the handler's result into the response", async () => {
    const response = await fetch(`${url}/echo?a=1&a=2`, {
      method: "POST",
      headers: { "content-type": "application/json", Authorization: "Token t" },
      body: '{"x":1}',
    });

    expect(response.status).toBe(201);
    expect(response.headers.get("x-route")).toBe("POST /echo");
    const event = defined(seen.at(-1));
    expect(event).toMatchObject({
      version: "2.0",
      routeKey: "POST /echo",
      rawPath: "/echo",
      rawQueryString: "a=1&a=2",
      queryStringParameters: { a: "1,2" },
      body: '{"x":1}',
      isBase64Encoded: false,
      requestContext: { http: { method: "POST", path: "/echo" }, stage: "$default" },
    });
    expect(event.headers.authorization).toBe("Token t");
  });

  it("base64-encodes a gzip body, as API Gateway does", async () => {
    const gzipped = gzipSync('{"events":[]}');
    await fetch(`${url}/echo`, { method: "POST", headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: gzipped });

    const event = defined(seen.at(-1));
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(defined(event.body), "base64")).toEqual(gzipped);
  });

  it("answers 404 for unknown routes and 200 on /health", async () => {
    expect((await fetch(`${url}/other`, { method: "POST" })).status).toBe(404);
    expect((await fetch(`${url}/echo`)).status).toBe(404);
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: "ok" });
  });
});
