import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../../../../infra/local/localStack.js";
import { redactUrl, watchPartnerCalls } from "../../../../infra/local/live/partnerCalls.js";
import { LiveRecorder, type LiveRecord, type PartnerCallRecord } from "../../../../infra/local/live/recorder.js";
import { LiveTracer } from "../../../../infra/local/live/trace.js";
import { partnerRequest } from "../../../../shared/http/partnerRequest.js";
import { lambdaContext } from "../../../../infra/local/lambdaContext.js";
import { configured, fixture } from "../../../shared/sources/mparticle/factories.js";
import { waitFor } from "../../../support/waitFor.js";

/**
 * Partner calls to a URL that is not a sandbox: a plain recording HTTP server stands in for Pushwoosh and
 * Mixpanel, as a real partner would, and the live view shows what the relay sent and got back, redacted.
 */
interface Received {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const PUSHWOOSH_OK = { status_code: 200, status_message: "OK", response: null };
const MIXPANEL_OK = { code: 200, num_records_imported: 1, status: "OK" };
const answerTo = (path: string) => (path.startsWith("/json/1.3/") ? PUSHWOOSH_OK : path === "/import" ? MIXPANEL_OK : undefined);

function firehoseEvent(id: string) {
  return {
    ...configured(fixture("EventProcessingRequest_ios.json")),
    user_identities: [{ type: "customer", encoding: "raw", value: "recorded-user" }],
    events: [{ type: "custom_event", id: `${id}-e`, timestamp_ms: 1714592744066, name: "Level Up", custom_event_type: "other", attributes: { level: "7" } }],
  };
}

const brazeBatch = {
  events: [
    {
      id: "5e1f0c8a-0000-4000-8000-00000000c001",
      event_type: "users.messages.pushnotification.Send",
      time: 1714592744,
      user: { user_id: "u-rec", external_user_id: "recorded-braze-user" },
      properties: { platform: "ios", campaign_name: "Recorded" },
    },
  ],
};

describe("the live view's partner calls to URLs other than a sandbox", () => {
  let recording: Server;
  let recordingUrl: string;
  const received: Received[] = [];
  let stack: LocalStack;

  beforeAll(async () => {
    recording = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const raw = Buffer.concat(chunks);
        const body = String(request.headers["content-encoding"] ?? "").includes("gzip") ? gunzipSync(raw) : raw;
        received.push({ method: request.method, url: request.url, headers: request.headers, body: body.toString("utf8") });
        const answer = answerTo(new URL(request.url ?? "/", "http://x").pathname);
        response.writeHead(answer ? 200 : 404, { "content-type": "application/json", "set-cookie": "session=recorded-session-cookie" });
        response.end(JSON.stringify(answer ?? { error: "not recorded" }));
      });
    });
    await new Promise<void>((resolve) => recording.listen(0, "127.0.0.1", resolve));
    recordingUrl = `http://127.0.0.1:${(recording.address() as AddressInfo).port}`;
    stack = await startLocalStack({ port: 0, sqsPort: 0, quiet: true, env: { PUSHWOOSH_API_URL: recordingUrl, MIXPANEL_API_URL: recordingUrl } });
  });
  afterAll(async () => {
    await stack?.stop();
    recording?.closeAllConnections();
    await new Promise((resolve) => recording?.close(resolve));
  });

  async function post(path: string, correlationId: string, authorization: string, body: unknown): Promise<void> {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization, "x-correlation-id": correlationId },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    await response.text();
  }

  async function records(): Promise<LiveRecord[]> {
    return (await (await fetch(`${stack.apiUrl}/_live/records`)).json()) as LiveRecord[];
  }

  const callsOf = (all: LiveRecord[], correlationId: string) =>
    all.filter((record): record is LiveRecord & PartnerCallRecord => record.kind === "partnerCall" && record.correlationIds.includes(correlationId));

  it("shows each call the workers made, linked to its work item, with what was sent and answered, and no credential", async () => {
    expect(stack.sandboxes.pushwoosh).toBeUndefined();
    expect(stack.sandboxes.mixpanel).toBeUndefined();
    await post("/mparticle/events", "rec-firehose", `Token ${stack.secrets.inbound.mparticleToken}`, firehoseEvent("c0ffee00-0000-4000-8000-00000000d001"));
    await post(
      "/mparticle/audiences",
      "rec-audience",
      `Token ${stack.secrets.inbound.mparticleToken}`,
      configured(fixture("AudienceSubscriptionRequest.json")),
    );
    await post("/braze/currents", "rec-braze", `Bearer ${stack.secrets.inbound.brazeToken}`, brazeBatch);

    const seen = (all: LiveRecord[], correlationId: string, test: (call: PartnerCallRecord) => boolean) => callsOf(all, correlationId).some(test);
    const all = await waitFor(
      async () => {
        const now = await records();
        const done =
          seen(now, "rec-firehose", (call) => call.url.endsWith("/postEvent")) &&
          seen(now, "rec-audience", (call) => call.url.endsWith("/createFilter")) &&
          seen(now, "rec-braze", (call) => call.partner === "mixpanel") &&
          seen(now, "rec-braze", (call) => call.partner === "mparticle");
        return done ? now : undefined;
      },
      20_000,
      "the partner calls in the live view",
    );

    const postEvent = callsOf(all, "rec-firehose").find((call) => call.url.endsWith("/postEvent"));
    expect(postEvent).toMatchObject({
      partner: "pushwoosh",
      method: "POST",
      url: `${recordingUrl}/json/1.3/postEvent`,
      status: 200,
      attempt: 1,
      durationMs: expect.any(Number),
      requestBody: { request: { application: "ABCDE-12345", userId: "recorded-user", event: "Level Up", attributes: { level: 7 } } },
      answer: { headers: { "content-type": "application/json" }, body: PUSHWOOSH_OK },
      workItems: [expect.objectContaining({ correlationId: "rec-firehose", attempt: 1 })],
    });
    expect(postEvent?.answer).not.toHaveProperty("headers.set-cookie");

    // The server token travels in createFilter's body as `auth`: the partner got it, the live view shows it redacted.
    const createFilter = callsOf(all, "rec-audience").find((call) => call.url.endsWith("/createFilter"));
    expect(createFilter).toMatchObject({ url: `${recordingUrl}/json/1.3/createFilter`, status: 200, requestBody: { request: { auth: "[REDACTED]" } } });
    expect(received.find((request) => request.url === "/json/1.3/createFilter")?.body).toContain('"auth":"server-api-token"');

    // Mixpanel's gzipped import, shown as the JSON Mixpanel reads; mParticle's call is the sandbox's, shown once.
    const braze = callsOf(all, "rec-braze");
    expect(braze.filter((call) => call.partner === "mixpanel")).toEqual([
      expect.objectContaining({
        url: expect.stringMatching(new RegExp(`^${recordingUrl}/import\\?strict=1`)),
        status: 200,
        requestBody: [expect.objectContaining({ event: "Push Notification Send" })],
      }),
    ]);
    const mparticleCalls = all.filter((record) => record.kind === "partnerCall" && record.partner === "mparticle");
    expect(mparticleCalls.map((call) => call.kind === "partnerCall" && call.url)).toEqual(
      stack.sandboxes.mparticle?.calls.map((call) => `${stack.sandboxes.mparticle?.url}${call.path}`),
    );

    // The partner got the credentials; the live view shows none of them.
    expect(received.find((request) => request.url === "/json/1.3/postEvent")?.headers.authorization).toBe("Token device-api-token");
    expect(received.find((request) => request.url?.startsWith("/import"))?.headers.authorization).toMatch(/^Basic /);
    const shown = JSON.stringify(all);
    for (const secret of ["device-api-token", "server-api-token", "dev-mixpanel-project-token", "recorded-session-cookie"]) expect(shown).not.toContain(secret);
  });
});

describe("a partner call that gets no answer", () => {
  it("is shown with the reason, linked to the invocation's work items", async () => {
    const recorder = new LiveRecorder();
    const tracer = new LiveTracer(recorder);
    const stop = watchPartnerCalls(tracer, recorder);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    try {
      const worker = tracer.worker("mixpanel", async () => {
        await partnerRequest("mixpanel", { method: "POST", url: `http://127.0.0.1:${port}/import?api_key=k-secret`, headers: {}, body: "[]" }).catch(
          () => undefined,
        );
        return { batchItemFailures: [] };
      });
      const record = {
        messageId: "m-1",
        body: JSON.stringify({ workItemId: "w-1", correlationId: "c-1" }),
        messageAttributes: {},
        attributes: { ApproximateReceiveCount: "2" },
      };
      await worker({ Records: [record] } as never, lambdaContext("mixpanel-worker", 30, "us-east-1"));
      // A call outside any worker invocation is not the stack's.
      await partnerRequest("mixpanel", { method: "GET", url: `http://127.0.0.1:${port}/outside`, headers: {} }).catch(() => undefined);
    } finally {
      stop();
      tracer.stop();
    }

    const calls = recorder.snapshot().filter((entry) => entry.kind === "partnerCall");
    expect(calls).toEqual([
      expect.objectContaining({
        partner: "mixpanel",
        status: "failed",
        error: expect.stringMatching(/ECONNREFUSED/),
        url: `http://127.0.0.1:${port}/import?api_key="[REDACTED]"`,
        requestBody: [],
        answer: undefined,
        correlationIds: ["c-1"],
        attempt: 2,
        workItems: [{ workItemId: "w-1", correlationId: "c-1", attempt: 2 }],
      }),
    ]);
  });

  it("has its URL's credentials redacted: user info and secret-named query parameters", () => {
    expect(redactUrl("https://user:pw@api.example.com/import?strict=1&api_key=k&key=k2&project_id=7")).toBe(
      'https://[REDACTED]@api.example.com/import?strict=1&api_key="[REDACTED]"&key="[REDACTED]"&project_id=7',
    );
    expect(redactUrl("http://127.0.0.1:9/json/1.3/setTags")).toBe("http://127.0.0.1:9/json/1.3/setTags");
  });
});
