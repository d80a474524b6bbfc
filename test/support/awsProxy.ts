import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One AWS API call as the SDK sent it: JSON protocol (X-Amz-Target) or query protocol (Action=). */
export interface AwsCall {
  /** Who made the call: the function (or event source mapping) whose role would sign it. */
  caller: string;
  /** `SendMessageBatch`, `GetSecretValue`, ... */
  action: string;
  /** The request body, parsed (JSON protocol) or as form fields (query protocol). */
  input: Record<string, unknown>;
}

export interface AwsAnswer {
  status: number;
  body: unknown;
}

/** Sees every call before it is forwarded: return undefined to forward it, or an answer (e.g. a fault) to send instead. */
export type AwsCallHook = (call: AwsCall) => AwsAnswer | undefined | Promise<AwsAnswer | undefined>;

export interface AwsProxy {
  /** Point the caller's SDK here (AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_SECRETS_MANAGER). */
  endpoint: string;
  calls: AwsCall[];
  stop(): Promise<void>;
}

export interface AwsProxyOptions {
  caller: string;
  /** Endpoint to forward to; without one, the hook must answer every call. */
  target?: string;
  hook?: AwsCallHook;
  /** For a REST API (Lambda): names the operation from the method, URL and body. Default: the JSON or query protocol. */
  operationOf?: (method: string, url: string, body: string) => { action: string; input: Record<string, unknown> } | undefined;
}

function parseCall(caller: string, target: string | undefined, body: string): AwsCall {
  if (target) return { caller, action: target.slice(target.lastIndexOf(".") + 1), input: body ? (JSON.parse(body) as Record<string, unknown>) : {} };
  const form = Object.fromEntries(new URLSearchParams(body));
  return { caller, action: String(form.Action ?? "unknown"), input: form };
}

function restCall(options: AwsProxyOptions, method: string, url: string, body: string): AwsCall {
  const operation = options.operationOf?.(method, url, body);
  return { caller: options.caller, action: operation?.action ?? `${method} ${url}`, input: operation?.input ?? {} };
}

/** A recording proxy in front of an AWS endpoint (the embedded SQS, the Secrets Manager stand-in), one per caller. */
export async function startAwsProxy(options: AwsProxyOptions): Promise<AwsProxy> {
  const calls: AwsCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      try {
        const text = body.toString("utf8");
        const call = options.operationOf
          ? restCall(options, req.method ?? "GET", req.url ?? "/", text)
          : parseCall(options.caller, req.headers["x-amz-target"] as string | undefined, text);
        calls.push(call);
        const answer = await options.hook?.(call);
        if (answer) {
          res.writeHead(answer.status, { "content-type": "application/x-amz-json-1.0" });
          res.end(JSON.stringify(answer.body));
          return;
        }
        if (!options.target) throw new Error(`nothing answers ${call.action}`);
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter(([name, value]) => typeof value === "string" && name !== "host" && name !== "content-length"),
        ) as Record<string, string>;
        const forwarded = await fetch(`${options.target}${req.url ?? "/"}`, { method: req.method, headers, body: body.length > 0 ? body : undefined });
        const responseHeaders: Record<string, string> = {};
        forwarded.headers.forEach((value, name) => {
          if (name !== "content-length" && name !== "transfer-encoding" && name !== "content-encoding") responseHeaders[name] = value;
        });
        res.writeHead(forwarded.status, responseHeaders);
        res.end(Buffer.from(await forwarded.arrayBuffer()));
      } catch (error) {
        res.writeHead(500, { "content-type": "application/x-amz-json-1.0" });
        res.end(JSON.stringify({ __type: "InternalFailure", message: (error as Error).message }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    stop: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
