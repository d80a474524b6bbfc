import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

// ListEventSourceMappings goes to the collection without a trailing slash; Get and Update to `/{UUID}`.
const MAPPINGS_PATH = "/2015-03-31/event-source-mappings";

/** One SQS event source mapping as a worker sees it through the Lambda API, and every change made to it. */
export interface StandInMapping {
  uuid: string;
  functionName: string;
  eventSourceArn: string;
  enabled: boolean;
  /** Each UpdateEventSourceMapping's Enabled, in order. */
  updates: boolean[];
}

export interface LambdaMappingStandIn {
  /** AWS_ENDPOINT_URL_LAMBDA. */
  endpoint: string;
  mapping: StandInMapping;
  /** Called after each change of `enabled`. */
  onChange(listener: (enabled: boolean) => void): void;
  stop(): Promise<void>;
}

/**
 * The three Lambda API calls shared/queue/consumption.ts makes (ListEventSourceMappings by FunctionName,
 * GetEventSourceMapping, UpdateEventSourceMapping), REST JSON as the SDK sends them
 * (https://docs.aws.amazon.com/lambda/latest/api/API_UpdateEventSourceMapping.html), over one mapping.
 * An update settles at once (Enabled/Disabled): the tests' poller stops before the next batch.
 */
export async function startLambdaMappingStandIn(functionName: string, eventSourceArn: string): Promise<LambdaMappingStandIn> {
  const mapping: StandInMapping = { uuid: randomUUID(), functionName, eventSourceArn, enabled: true, updates: [] };
  const listeners: Array<(enabled: boolean) => void> = [];
  const configuration = () => ({ UUID: mapping.uuid, FunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`, EventSourceArn: eventSourceArn, State: mapping.enabled ? "Enabled" : "Disabled" });
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", "http://lambda");
      const uuid = decodeURIComponent(url.pathname.slice(MAPPINGS_PATH.length).replace(/^\//, ""));
      const answer = (status: number, json: unknown) => {
        response.writeHead(status, { "content-type": "application/json", ...(status === 404 ? { "x-amzn-errortype": "ResourceNotFoundException" } : {}) });
        response.end(JSON.stringify(json));
      };
      if (!url.pathname.startsWith(MAPPINGS_PATH)) return answer(404, { Message: "not served" });
      if (uuid === "") {
          const listed = url.searchParams.get("FunctionName") === functionName ? [configuration()] : [];
        return answer(200, { EventSourceMappings: listed });
      }
      if (uuid !== mapping.uuid) return answer(404, { Message: `no mapping ${uuid}` });
      if (request.method === "PUT") {
        const { Enabled } = JSON.parse(body || "{}") as { Enabled?: boolean };
        if (Enabled !== undefined) {
          mapping.updates.push(Enabled);
          const changed = Enabled !== mapping.enabled;
          mapping.enabled = Enabled;
          if (changed) for (const listener of listeners) listener(Enabled);
        }
        return answer(202, configuration());
      }
      return answer(200, configuration());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    mapping,
    onChange: (listener) => void listeners.push(listener),
    stop: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
