import { beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/mparticle-events.js";
import { lambdaContext } from "../../infra/local/lambdaContext.js";
import { useEnqueuedMessages } from "../support/embeddedSqs.js";
import { pushwooshCallsOf } from "../support/pushwooshCalls.js";
import { firehoseValidator } from "../shared/sources/mparticle/firehoseSchemas.js";
import {
  AUTHORIZED,
  apiEvent,
  configured,
  customEvent,
  fixture,
  heartbeat,
  iosBatch,
  PUSHWOOSH_CREDENTIALS,
  useDevelopmentSecrets,
} from "../shared/sources/mparticle/factories.js";
import { defined } from "../support/defined.js";

const context = () => lambdaContext("mparticle-events", 10, "us-east-1");
const post = (body: unknown, headers: Record<string, string> = AUTHORIZED) => handler(apiEvent("/mparticle/events", body, headers), context());

describe("POST /mparticle/events", () => {
  beforeAll(() => useDevelopmentSecrets());
  const enqueued = useEnqueuedMessages("pushwoosh");
  const parked = enqueued.parked;

  it("answers a heartbeat and enqueues nothing; an eventless batch with user attributes becomes setTags", async () => {
    expect((await post(heartbeat())).statusCode).toBe(200);
    expect(await enqueued()).toEqual([]);

    const eventless = { ...configured(fixture("EventProcessingRequest_ios.json")), events: [] };
    expect((await post(eventless)).statusCode).toBe(200);
    expect(pushwooshCallsOf(await enqueued()).map((call) => call.method)).toEqual(["setTags"]);
  });

  it.each(["EventProcessingRequest_android.json", "EventProcessingRequest_ios.json"])(
    "answers the configured %s with a valid event_processing_response and enqueues its work",
    async (sample) => {
      const request = configured(fixture(sample));

      const result = await post(request);

      expect(result.statusCode).toBe(200);
      const body = JSON.parse(String(result.body)) as Record<string, unknown>;
      expect(firehoseValidator("EventProcessingResponse_schema.json")(body)).toBe(true);
      expect(body).toMatchObject({ type: "event_processing_response", id: request.id, firehose_version: "3.2.0" });
      const messages = await enqueued();
      // One message holds the request's events; the worker maps them into calls.
      expect(messages).toHaveLength(1);
      const methods = pushwooshCallsOf(messages).map((call) => call.method);
      // The samples' user attributes go as setTags with every batch.
      expect(methods.sort()).toEqual(sample.includes("android") ? ["postEvent", "registerDevice", "setTags"] : ["postEvent", "setTags"]);
    },
  );

  it("answers an erasure with the bare dsr_processing_response and enqueues its Pushwoosh calls", async () => {
    const request: Record<string, unknown> = {
      ...configured({ ...fixture("DsrProcessingRequest.json"), account: { account_id: 1, account_settings: {} } }),
      subject_identities: { controller_customer_id: { encoding: "raw", value: "erase-me" }, ios_vendor_id: { encoding: "raw", value: "IDFV-1" } },
    };

    const result = await post(request);

    expect(result.statusCode).toBe(200);
    expect(JSON.parse(String(result.body))).toEqual({
      type: "dsr_processing_response",
      id: request.id,
      timestamp_ms: expect.any(Number),
      firehose_version: "3.2.0",
    });
    expect(pushwooshCallsOf(await enqueued())).toEqual([
      { method: "deleteUser", userId: "erase-me" },
      { method: "unregisterDevice", hwid: "IDFV-1" },
    ]);
  });

  it("answers the data subject request sample and enqueues nothing: no identity Pushwoosh can act on", async () => {
    const request = fixture("DsrProcessingRequest.json");

    const result = await post(request);

    expect(result.statusCode).toBe(200);
    const body = JSON.parse(String(result.body)) as Record<string, unknown>;
    expect(firehoseValidator("DsrProcessingResponse_schema.json")(body)).toBe(true);
    expect(body).toMatchObject({ type: "dsr_processing_response", id: request.id });
    expect(await enqueued()).toEqual([]);
  });

  it("answers a heartbeat and enqueues nothing", async () => {
    const result = await post(heartbeat());

    expect(result.statusCode).toBe(200);
    expect(await enqueued()).toEqual([]);
  });

  it.each([
    ["no Authorization header", {}],
    ["a wrong token", { authorization: "Token not-the-token" }],
    ["the Bearer scheme", { authorization: `Bearer ${AUTHORIZED.authorization.slice(6)}` }],
  ])("answers 401 JSON for %s", async (_label, headers) => {
    const result = await post(configured(fixture("EventProcessingRequest_ios.json")), headers);

    expect(result.statusCode).toBe(401);
    expect(JSON.parse(String(result.body))).toMatchObject({ error: { field: "authorization" } });
    expect(await enqueued()).toEqual([]);
  });

  it("skips an event type it does not read and enqueues the rest", async () => {
    const result = await post(iosBatch([customEvent("ok"), { ...customEvent("x"), type: "teleport" }]));

    expect(result.statusCode).toBe(200);
    expect((await enqueued()).length).toBe(1);
    expect(await parked()).toEqual([]);
  });

  it.each([
    ["a custom event without a name", () => iosBatch([customEvent("ok"), { ...customEvent("x"), name: undefined }]), "events.1.name", 1],
    ["no account", () => ({ ...iosBatch([customEvent("ok")]), account: undefined }), "account", 0],
    ["settings without the application code", () => fixture("EventProcessingRequest_ios.json"), "account.account_settings.applicationCode", 0],
  ])("answers 200 to %s, parks it in the Pushwoosh DLQ naming the field, and enqueues the rest", async (_label, body, field, enqueuedCount) => {
    const request = body() as { id: string };
    const result = await post(request);

    expect(result.statusCode).toBe(200);
    expect(JSON.parse(String(result.body))).toMatchObject({ type: "event_processing_response", id: request.id });
    expect((await enqueued()).length).toBe(enqueuedCount);
    const dlq = await parked();
    expect(dlq).toHaveLength(1);
    expect(defined(dlq[0]).MessageAttributes?.failure?.StringValue).toContain(`${field}`);
    expect(defined(dlq[0]).Body).not.toContain(PUSHWOOSH_CREDENTIALS.apiToken);
  });

  it("answers 400 to a body that is not JSON, and enqueues and parks nothing", async () => {
    const result = await post('{"type":');

    expect(result.statusCode).toBe(400);
    expect(JSON.parse(String(result.body))).toMatchObject({ error: { field: "body" } });
    expect(await enqueued()).toEqual([]);
    expect(await parked()).toEqual([]);
  });
});
