import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";

export type HttpApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface ApiRoute {
  method: string;
  path: string;
  functionName: string;
  handler: HttpApiHandler;
}

export interface ApiServerOptions {
  routes: ApiRoute[];
  context: (functionName: string) => Context;
  isReady: () => boolean;
  /** Local-only pages and APIs (the live view); true when it answered the request. */
  localPages?: (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<boolean>;
  log?: (line: string) => void;
}

const TEXT_CONTENT = /^(application\/(json|x-www-form-urlencoded|.*\+json)|text\/)/i;

/** Builds the API Gateway HTTP API payload v2.0 event for a request, as API Gateway does. */
function toHttpApiEvent(req: IncomingMessage, body: Buffer, routeKey: string): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? "/", "http://localhost");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(",") : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = query[name] ? `${query[name]},${value}` : value;
  // API Gateway base64-encodes bodies it does not recognise as text, compressed ones included.
  const isText = TEXT_CONTENT.test(headers["content-type"] ?? "") && !headers["content-encoding"];
  const now = new Date();
  return {
    version: "2.0",
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: Object.keys(query).length > 0 ? query : undefined,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: headers.host ?? "localhost",
      domainPrefix: (headers.host ?? "localhost").split(".")[0] ?? "localhost",
      http: {
        method: req.method ?? "GET",
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body.length > 0 ? body.toString(isText ? "utf8" : "base64") : undefined,
    isBase64Encoded: body.length > 0 && !isText,
  };
}

/** The local stand-in for the HTTP API: one real HTTP server that invokes the real Lambda handlers. */
export async function startApiServer(port: number, options: ApiServerOptions): Promise<{ url: string; server: Server }> {
  const byKey = new Map(options.routes.map((route) => [`${route.method} ${route.path}`, route]));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const started = performance.now();
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      if (await options.localPages?.(req, res, Buffer.concat(chunks))) return;
      const send = (status: number, body: string, headers: Record<string, string> = { "content-type": "application/json" }) => {
        res.writeHead(status, headers);
        res.end(body);
        options.log?.(`${req.method} ${path} -> ${status} (${Math.round(performance.now() - started)} ms)`);
      };
      if (req.method === "GET" && path === "/health") {
        send(options.isReady() ? 200 : 503, JSON.stringify({ status: options.isReady() ? "ok" : "starting" }));
        return;
      }
      const routeKey = `${req.method} ${path}`;
      const route = byKey.get(routeKey);
      if (!route) {
        send(404, JSON.stringify({ message: "Not Found" }));
        return;
      }
      try {
        const event = toHttpApiEvent(req, Buffer.concat(chunks), routeKey);
        const result = await route.handler(event, options.context(route.functionName));
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
        const body = result.body ?? "";
        send(result.statusCode ?? 200, result.isBase64Encoded ? Buffer.from(body, "base64").toString() : body, headers);
      } catch {
        // What API Gateway answers when the integration fails.
        send(500, JSON.stringify({ message: "Internal Server Error" }));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
