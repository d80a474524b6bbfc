import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { RelayError, classifyResponse, toRelayError } from "../../shared/errors.js";
import { mapConcurrently } from "../../shared/http/concurrency.js";
import { partnerRequest } from "../../shared/http/partnerRequest.js";
import { outcomesFor, outcomeOf } from "../../shared/destinations/delivery.js";
import type { Destination } from "../../shared/queue/definition.js";
import { eventKey } from "../../shared/queue/workerMessage.js";
import type { DestinationWorker } from "../../shared/queue/workerRuntime.js";

/** One call the partner stand-in received: the event's `n`, when it arrived and what it was answered. */
export interface PartnerCall {
  n: number;
  at: number;
  status: number;
}

/**
 * A partner whose state a test switches: `up` (200), `down` (503: an outage), or `throttled` (429 with
 * Retry-After for the next `throttledCalls` calls). Events listed in `failing` get a 500 while it is up:
 * a message-specific failure among answers. Every call is recorded.
 */
export interface TestPartner {
  url: string;
  state: "up" | "down";
  throttledCalls: number;
  retryAfterSeconds: number;
  failing: Set<number>;
  calls: PartnerCall[];
  /** The `n` of every event answered 200, in order. */
  delivered(): number[];
  onCall?: (call: PartnerCall) => void;
  stop(): Promise<void>;
}

export async function startTestPartner(): Promise<TestPartner> {
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      const { n } = JSON.parse(body) as { n: number };
      let status = 200;
      if (partner.state === "down") status = 503;
      else if (partner.throttledCalls > 0) {
        partner.throttledCalls--;
        status = 429;
      } else if (partner.failing.has(n)) status = 500;
      const call = { n, at: Date.now(), status };
      partner.calls.push(call);
      partner.onCall?.(call);
      response.writeHead(status, status === 429 ? { "retry-after": String(partner.retryAfterSeconds) } : {});
      response.end(status === 200 ? "{}" : `{"error":"${status}"}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const partner: TestPartner = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    state: "up",
    throttledCalls: 0,
    retryAfterSeconds: 1,
    failing: new Set(),
    calls: [],
    delivered: () => partner.calls.filter((call) => call.status === 200).map((call) => call.n),
    stop: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return partner;
}

/**
 * A destination that sends each event `{n}` to the partner stand-in through the real partnerRequest (so
 * through the worker's partner guard), `concurrency` calls at a time, classifying answers as clients do.
 */
export function testPartnerWorker(destination: Destination, partner: TestPartner, concurrency = 5): DestinationWorker {
  return {
    destination,
    async deliver(messages) {
      const items = messages.flatMap((message) =>
        message.workItem.events.map((queued) => ({ key: eventKey(message.messageId, queued.id), event: queued.event })),
      );
      const results = await mapConcurrently(
        items,
        async ({ key, event }) => {
          const response = await partnerRequest("test-partner", { method: "POST", url: partner.url, headers: {}, body: JSON.stringify(event) }).catch(
            toRelayError,
          );
          if (response instanceof RelayError) return outcomesFor([key], outcomeOf(response));
          return outcomesFor([key], outcomeOf(classifyResponse("test-partner", response, response.bodyText)));
        },
        concurrency,
      );
      return new Map(results.flatMap((result) => [...result]));
    },
  };
}
