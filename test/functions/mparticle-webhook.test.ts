import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/mparticle-webhook.js";
import { lambdaContext } from "../../infra/local/lambdaContext.js";
import { DEVELOPMENT_SECRETS } from "../../infra/local/devSecrets.js";
import { resetSecretsCache } from "../../shared/config/secrets.js";
import { useEnqueuedMessages } from "../support/embeddedSqs.js";
import { httpApiEvent } from "../support/httpApiEvent.js";
import { pushwooshCallsOf } from "../support/pushwooshCalls.js";
import { secretsFile } from "../support/secretsFile.js";
import { ANDROID_MPID, IOS_CUSTOMER_ID, WEBHOOK_AUTHORIZATION, webhookFixture, webhookFixtureText } from "../shared/sources/mparticle/webhookFactories.js";

const context = () => lambdaContext("mparticle-webhook", 10, "us-east-1");
const AUTHORIZED = { authorization: WEBHOOK_AUTHORIZATION };

async function post(body: string | Buffer, headers: Record<string, string> = AUTHORIZED) {
  const result = await handler(httpApiEvent("/mparticle/webhook", body, { headers }), context());
  return { status: result.statusCode, body: JSON.parse(String(result.body)) as Record<string, unknown> };
}

function useSecretsDocument(document: unknown): void {
  process.env.RELAY_SECRETS_FILE = secretsFile(document);
  resetSecretsCache();
}

describe("POST /mparticle/webhook", () => {
  beforeAll(() => useSecretsDocument(DEVELOPMENT_SECRETS));
  const enqueued = useEnqueuedMessages("pushwoosh");

  it("answers one batch with its summary and enqueues one work item with its Pushwoosh calls", async () => {
    const answer = await post(webhookFixtureText("ios-batch.json"));

    expect(answer).toEqual({
      status: 200,
      body: { batches: 1, events: 15, workItems: 1, skipped: { session_start: 1, commerce_event: 1, crash_report: 1, session_end: 1 } },
    });
    const messages = await enqueued();
    expect(messages).toHaveLength(1);
    expect(pushwooshCallsOf(messages).map((call) => call.method).sort()).toEqual(["postEvent", "postEvent", "registerDevice", "setTags"]);
  });

  it("takes an array of batches (gzipped), keeping a 64-bit mpid exact as the user id", async () => {
    const answer = await post(gzipSync(webhookFixtureText("batches.json")), { ...AUTHORIZED, "content-encoding": "gzip" });

    expect(answer).toEqual({ status: 200, body: { batches: 3, events: 4, workItems: 2, skipped: { session_start: 1 } } });
    const calls = pushwooshCallsOf(await enqueued());
    expect(calls.filter((call) => call.method === "setTags").map((call) => "userId" in call && call.userId)).toEqual([ANDROID_MPID]);
    expect(calls.map((call) => call.method).sort()).toEqual(["postEvent", "postEvent", "registerDevice", "setTags", "unregisterDevice"]);
  });

  it("turns an uninstall event into unregisterDevice of the batch's device", async () => {
    const batch = { environment: "production", mpid: 7, device_info: { platform: "iOS", ios_idfv: "IDFV-GONE" }, events: [{ event_type: "uninstall", data: { timestamp_unixtime_ms: 1714592744066 } }] };

    expect((await post(JSON.stringify(batch))).body).toEqual({ batches: 1, events: 1, workItems: 1, skipped: {} });
    expect(pushwooshCallsOf(await enqueued())).toEqual([{ method: "unregisterDevice", hwid: "IDFV-GONE" }]);
  });

  it("gives a retried batch the same work item ids", async () => {
    const ids = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      expect((await post(webhookFixtureText("ios-batch.json"))).status).toBe(200);
      ids.push((await enqueued()).map((message) => message.MessageAttributes?.workItemId?.StringValue));
    }
    expect(ids[0]).toHaveLength(1);
    expect(ids[1]).toEqual(ids[0]);
  });

  it.each([
    ["no Authorization header", {}],
    ["a wrong value", { authorization: "Bearer not-the-value" }],
    ["the value without its scheme", { authorization: WEBHOOK_AUTHORIZATION.replace(/^Bearer /, "") }],
    ["the Firehose token", { authorization: `Token ${DEVELOPMENT_SECRETS.inbound.mparticleToken}` }],
  ])("answers 401 for %s and enqueues nothing", async (_label, headers) => {
    const answer = await post(webhookFixtureText("ios-batch.json"), headers);

    expect(answer).toEqual({ status: 401, body: { error: { message: "missing or wrong Authorization header (expected the configured value)", field: "authorization" } } });
    expect(await enqueued()).toEqual([]);
  });

  it.each([
    ["a custom event without its name", () => {
      const batch = webhookFixture("ios-batch.json") as { events: Array<{ data: Record<string, unknown> }> };
      delete batch.events[10]!.data.event_name;
      return batch;
    }, "events.10.data.event_name"],
    ["a push registration whose register is not a boolean, in the second batch", () => {
      const batches = webhookFixture("batches.json") as Array<{ events: Array<{ data: Record<string, unknown> }> }>;
      batches[1]!.events[0]!.data.register = "yes";
      return batches;
    }, "1.events.0.data.register"],
    ["user attributes that are not an object", () => ({ ...(webhookFixture("ios-batch.json") as object), user_attributes: "Age=34" }), "user_attributes"],
  ])("answers 400 naming the field for %s, and enqueues nothing of the request", async (_label, body, field) => {
    const answer = await post(JSON.stringify(body()));

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: { message: expect.stringContaining(field), field } });
    expect(await enqueued()).toEqual([]);
  });

  it("answers 200 to a batch without events (mParticle's 'Send Batches without Events') and enqueues nothing", async () => {
    const answer = await post(JSON.stringify({ environment: "production", mpid: 42, user_identities: { customer_id: IOS_CUSTOMER_ID }, events: [] }));

    expect(answer).toEqual({ status: 200, body: { batches: 1, events: 0, workItems: 0, skipped: {} } });
    expect(await enqueued()).toEqual([]);
  });

  describe("while the secret document has no Pushwoosh application", () => {
    it.each([
      ["no pushwoosh section", { ...DEVELOPMENT_SECRETS, pushwoosh: undefined }, "pushwoosh.applicationCode"],
      ["the template's placeholders", { ...DEVELOPMENT_SECRETS, pushwoosh: { applicationCode: "REPLACE_ME_pushwoosh_application_code", apiToken: "REPLACE_ME_x" } }, "pushwoosh.applicationCode"],
      ["an empty apiToken", { ...DEVELOPMENT_SECRETS, pushwoosh: { applicationCode: "ABCDE-12345", apiToken: " " } }, "pushwoosh.apiToken"],
    ])("answers 503 naming the field with %s, and enqueues nothing", async (_label, document, field) => {
      useSecretsDocument(document);
      try {
        const answer = await post(webhookFixtureText("ios-batch.json"));

        expect(answer).toEqual({ status: 503, body: { error: { message: `relay secret not configured: ${field}` } } });
        expect(await enqueued()).toEqual([]);
      } finally {
        useSecretsDocument(DEVELOPMENT_SECRETS);
      }
    });
  });
});
