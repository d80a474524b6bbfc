import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../../../../infra/local/localStack.js";
import type { LiveRecord } from "../../../../infra/local/live/recorder.js";
import { NPM_START_ENVIRONMENT } from "../../../../infra/local/npmStartEnvironment.js";
import { DEVELOPMENT_PUSHWOOSH_CREDENTIALS } from "../../../../infra/local/sandboxes/pushwoosh.js";
import { AuthError } from "../../../../shared/errors.js";
import { MAX_RECEIVE_COUNT } from "../../../../shared/queue/definition.js";
import { decideRetry } from "../../../../shared/queue/retryPolicy.js";
import { waitFor } from "../../../support/waitFor.js";
import { defined } from "../../../support/defined.js";

/** The live view's HTTP API (/_live, /_sandbox), as curl or a script uses it; the page itself is tested in test/e2e/liveView.test.ts. */
const PUSHWOOSH_TOKEN = DEVELOPMENT_PUSHWOOSH_CREDENTIALS.apiToken;

function firehose(id: string, apiToken: string = PUSHWOOSH_TOKEN) {
  return {
    type: "event_processing_request",
    id,
    timestamp_ms: 1714592744066,
    firehose_version: "3.2.0",
    account: { account_id: 1, account_settings: { applicationCode: DEVELOPMENT_PUSHWOOSH_CREDENTIALS.applicationCode, apiToken } },
    user_identities: [{ type: "customer", encoding: "raw", value: "api-user" }],
    events: [{ type: "custom_event", id: `${id}-e`, timestamp_ms: 1714592744066, name: "Level Up", attributes: {} }],
  };
}

describe("the live view's HTTP API under npm start", () => {
  let stack: LocalStack;
  const environment: Record<string, string | undefined> = {};

  beforeAll(async () => {
    // As `npm start` runs it: its environment on top of the local stack's defaults.
    stack = await startLocalStack({ port: 0, sqsPort: 0, quiet: true, env: { ...NPM_START_ENVIRONMENT } });
    for (const name of ["RETRY_BASE_SECONDS", "RETRY_AUTH_BACKOFF_FACTOR"]) environment[name] = process.env[name];
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function call(method: string, path: string, body?: unknown, contentType = "application/json") {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": contentType },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> & Array<Record<string, unknown>> };
  }

  async function postFirehose(correlationId: string, body: unknown): Promise<number> {
    const response = await fetch(`${stack.apiUrl}/mparticle/events`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Token ${stack.secrets.inbound.mparticleToken}`, "x-correlation-id": correlationId },
      body: JSON.stringify(body),
    });
    await response.text();
    return response.status;
  }

  it("with the npm start defaults, a credential failure parks within a minute", () => {
    expect(environment).toEqual({ RETRY_BASE_SECONDS: "1", RETRY_AUTH_BACKOFF_FACTOR: "2" });
    const error = new AuthError("Pushwoosh answered HTTP 401");
    const slowest = () => 1;
    let waited = 0;
    for (let attempt = 1; attempt < MAX_RECEIVE_COUNT; attempt++) {
      const decision = decideRetry(error, attempt, undefined, slowest);
      if (decision.action !== "retry") throw new Error(`attempt ${attempt} should be retried`);
      waited += decision.delaySeconds;
    }
    expect(decideRetry(error, MAX_RECEIVE_COUNT)).toEqual({ action: "park", reason: "credentials" });
    expect(waited).toBe(2 + 4 + 8 + 16);
  });

  it("switches faults on for the next N calls or until off, and answers bad switches with a 4xx naming the field", async () => {
    expect(await call("POST", "/_sandbox/pushwoosh/faults", { fault: "429", count: 2, retryAfterSeconds: 3 })).toEqual({
      status: 200,
      body: {
        url: stack.sandboxes.pushwoosh?.url,
        next: ["429", "429"],
        untilOff: null,
        until: null,
        rateLimit: null,
        planSeed: null,
        credentialsReplaced: false,
      },
    });
    expect((await call("POST", "/_sandbox/mixpanel/faults", { fault: "timeout" })).body).toMatchObject({ next: [], untilOff: "timeout" });
    expect((await call("GET", "/_sandbox")).body).toMatchObject({
      pushwoosh: { next: ["429", "429"] },
      mixpanel: { untilOff: "timeout" },
      mparticle: { next: [], untilOff: null },
    });
    expect(stack.sandboxes.pushwoosh?.faultState().next).toEqual([
      { kind: "status", status: 429, retryAfterSeconds: 3 },
      { kind: "status", status: 429, retryAfterSeconds: 3 },
    ]);

    expect((await call("DELETE", "/_sandbox/pushwoosh/faults")).body).toMatchObject({ next: [], untilOff: null });
    expect((await call("DELETE", "/_sandbox/mixpanel/faults")).body).toMatchObject({ next: [], untilOff: null });

    // An outage of a set length: every call fails until `until`, then the switch is off by itself.
    const outage = (await call("POST", "/_sandbox/mparticle/faults", { fault: "503", durationSeconds: 600 })).body;
    expect(outage).toMatchObject({ untilOff: "503", until: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(Date.parse(String(outage.until)) - Date.now()).toBeGreaterThan(590_000);
    expect((await call("DELETE", "/_sandbox/mparticle/faults")).body).toMatchObject({ untilOff: null, until: null });
    expect((await call("POST", "/_sandbox/mparticle/faults", { fault: "503", count: 1, durationSeconds: 5 })).body).toMatchObject({
      error: { field: "durationSeconds" },
    });
    // A rate the sandbox enforces, and off again.
    expect((await call("POST", "/_sandbox/mixpanel/rate", { requestsPerSecond: 20 })).body).toMatchObject({ rateLimit: 20 });
    expect(stack.sandboxes.mixpanel?.enforcedRate).toBe(20);
    expect((await call("DELETE", "/_sandbox/mixpanel/rate")).body).toMatchObject({ rateLimit: null });
    expect((await call("POST", "/_sandbox/mixpanel/rate", { requestsPerSecond: 0 })).body).toMatchObject({ error: { field: "requestsPerSecond" } });
    expect((await call("POST", "/_sandbox/mixpanel/rate", {})).body).toMatchObject({ error: { field: "requestsPerSecond" } });

    expect(await call("POST", "/_sandbox/pushwoosh/faults", { fault: "502" })).toEqual({
      status: 400,
      body: { error: { message: "fault must be one of 429, 500, 503, 401, timeout, reset", field: "fault" } },
    });
    expect((await call("POST", "/_sandbox/pushwoosh/faults", { fault: "500", count: 0 })).body).toEqual({
      error: { message: "count must be a whole number of at least 1", field: "count" },
    });
    expect((await call("POST", "/_sandbox/pushwoosh/faults", { fault: "500", retryAfterSeconds: 1 })).body).toMatchObject({
      error: { field: "retryAfterSeconds" },
    });
    expect((await call("POST", "/_sandbox/pushwoosh/faults", "{", "application/json")).body).toEqual({
      error: { message: "the body is not valid JSON", field: "body" },
    });
    expect((await call("POST", "/_sandbox/pushwoosh/faults", "fault=500", "application/x-www-form-urlencoded")).status).toBe(415);
    expect((await call("POST", "/_sandbox/braze/faults", { fault: "500" })).status).toBe(404);
    expect((await call("PUT", "/_sandbox/mixpanel/credentials", { apiToken: "x" })).status).toBe(404);
    expect((await call("GET", "/_live/nope")).status).toBe(404);
  });

  it("replaces Pushwoosh's API token so the customer's becomes unknown, parks the 401s, lists them and redrives them once it is known again", async () => {
    expect((await call("PUT", "/_sandbox/pushwoosh/credentials", {})).body).toMatchObject({ error: { field: "applicationCode" } });
    expect((await call("PUT", "/_sandbox/pushwoosh/credentials", { apiToken: "rotated-device-token" })).body).toMatchObject({ credentialsReplaced: true });

    expect(await postFirehose("api-unknown-credentials", firehose("c0ffee00-0000-4000-8000-000000000001"))).toBe(200);
    const calls = await waitFor(
      async () => {
        const answer = await call("GET", "/_sandbox/pushwoosh/calls");
        return answer.body.length > 0 ? answer.body : undefined;
      },
      10_000,
      "the Pushwoosh call",
    );
    expect(calls[0]).toMatchObject({
      method: "POST",
      path: "/json/1.3/postEvent",
      status: 401,
      fault: null,
      headers: { authorization: "[REDACTED]" },
      answer: { status_code: 401 },
    });
    expect(JSON.stringify(calls)).not.toContain(PUSHWOOSH_TOKEN);

    // The token is known again (as after fixing the account settings); the parked message then goes through on a redrive.
    const parked = await waitFor(
      async () => {
        const queues = (await call("GET", "/_live/parked")).body.queues as Array<{ destination: string; entries: Array<Record<string, unknown>> }>;
        return queues.find((queue) => queue.destination === "pushwoosh")?.entries.find((entry) => entry.correlationId === "api-unknown-credentials");
      },
      60_000,
      "the credential failure in the pushwoosh DLQ",
    );
    expect(parked).toMatchObject({ reason: "credentials", status: 401, attempts: MAX_RECEIVE_COUNT, errorClass: "auth" });

    expect((await call("DELETE", "/_sandbox/pushwoosh/credentials")).body).toMatchObject({ credentialsReplaced: false });
    expect((await call("POST", "/_live/redrive", { queue: "kafka" })).body).toMatchObject({ error: { field: "queue" } });
    const redriven = await call("POST", "/_live/redrive", { queue: "pushwoosh", reason: "credentials" });
    expect(redriven).toMatchObject({ status: 200, body: { queue: "pushwoosh", reason: "credentials" } });
    expect(redriven.body.output).toContain("Moved 1 message(s) from cdp-relay-pushwoosh-dlq to cdp-relay-pushwoosh");
    await waitFor(() => stack.sandboxes.pushwoosh?.events.some((event) => event.userId === "api-user"), 10_000, "the redriven event delivered");
  });

  it("streams every record over server-sent events, linked by correlation id and redacted", async () => {
    expect(await postFirehose("api-stream", firehose("c0ffee00-0000-4000-8000-000000000002"))).toBe(200);
    const records = await waitFor(
      async () => {
        const all = (await call("GET", "/_live/records")).body as unknown as LiveRecord[];
        const mine = all.filter((record) =>
          record.kind === "partnerCall" ? record.correlationIds.includes("api-stream") : "correlationId" in record && record.correlationId === "api-stream",
        );
        return mine.some((record) => record.kind === "attempt") ? mine : undefined;
      },
      10_000,
      "the request's records",
    );
    expect(records.map((record) => record.kind).sort()).toEqual(["attempt", "partnerCall", "request", "workItem"]);

    const controller = new AbortController();
    const response = await fetch(`${stack.apiUrl}/_live/events`, { signal: controller.signal });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const reader = defined(response.body).getReader();
    let text = "";
    while (!text.includes('"correlationIds":["api-stream"]')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    controller.abort();
    expect(text).toMatch(/^: cdp-relay live view\n\nid: \d+\ndata: \{/);
    expect(text).toContain('"route":"/mparticle/events"');
    expect(text).toContain('"apiToken":"[REDACTED]"');
    expect(text).not.toContain(PUSHWOOSH_TOKEN);
    expect(text).not.toContain(stack.secrets.inbound.mparticleToken);
  });
});
