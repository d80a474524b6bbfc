import type { APIGatewayProxyEventV2 } from "aws-lambda";

export interface HttpApiEventOptions {
  headers?: Record<string, string>;
  /** Sent as base64 with isBase64Encoded, as API Gateway does for binary and compressed bodies. */
  base64?: boolean;
}

/** An HTTP API (payload v2) POST as API Gateway builds it; a Buffer body is always sent as base64. */
export function httpApiEvent(path: string, body: string | Buffer | undefined, options: HttpApiEventOptions = {}): APIGatewayProxyEventV2 {
  const base64 = Buffer.isBuffer(body) || Boolean(options.base64);
  const routeKey = `POST ${path}`;
  return {
    version: "2.0",
    routeKey,
    rawPath: path,
    rawQueryString: "",
    headers: { "content-type": "application/json", ...options.headers },
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: "localhost",
      domainPrefix: "localhost",
      http: { method: "POST", path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" },
      requestId: "req-ingest",
      routeKey,
      stage: "$default",
      time: "01/Jan/2026:00:00:00 +0000",
      timeEpoch: 1767225600000,
    },
    body: body === undefined ? undefined : base64 ? Buffer.from(body).toString("base64") : String(body),
    isBase64Encoded: body !== undefined && base64,
  };
}
