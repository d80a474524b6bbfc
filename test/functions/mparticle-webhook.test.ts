import { gzipSync } from "node:zlib";
import type { Message } from "@aws-sdk/client-sqs";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { handler } from "../../functions/mparticle-webhook.js";
import { lambdaContext } from "../../infra/local/lambdaContext.js";
import { DEVELOPMENT_SECRETS } from "../../infra/local/devSecrets.js";
import { resetSecretsCache } from "../../shared/config/secrets.js";
import { PARK_ATTRIBUTE, type ParkRecord } from "../../shared/queue/park.js";
import { drainVisible, startEmbeddedSqs, type EmbeddedSqs } from "../support/embeddedSqs.js";
import { httpApiEvent } from "../support/httpApiEvent.js";
import { pushwooshCallsOf } from "../support/pushwooshCalls.js";
import { secretsFile } from "../support/secretsFile.js";
import {
  azureBatchesText,
  MASTER_CUSTOMER_ID,
  MASTER_IDFV,
  MASTER_PUSH_TOKEN,
  masterSample,
  OUTGOING_CUSTOMER_ID,
  OUTGOING_MPID,
  outgoingMasterSampleText,
  publishedEvent,
  WEBHOOK_AUTHORIZATION,
  webhookFixtureText,
} from "../shared/sources/mparticle/webhookFactories.js";
import { defined } from "../support/defined.js";
import { injectCustomEventParserBug } from "../support/webhookParserBug.js";

const context = () => lambdaContext("mparticle-webhook", 10, "us-east-1");
const AUTHORIZED = { authorization: WEBHOOK_AUTHORIZATION };
const MASTER_SKIPPED = { session_start: 1, application_state_transition: 1, crash_report: 1, session_end: 1 };

async function post(body: string | Buffer, headers: Record<string, string> = AUTHORIZED) {
  const result = await handler(httpApiEvent("/mparticle/webhook", body, { headers }), context());
  return { status: result.statusCode, body: JSON.parse(String(result.body)) as Record<string, unknown> };
}

function useSecretsDocument(document: unknown): void {
  process.env.RELAY_SECRETS_FILE = secretsFile(document);
  resetSecretsCache();
}

const parkRecordOf = (message: Message) => JSON.parse(message.MessageAttributes?.[PARK_ATTRIBUTE]?.StringValue ?? "{}") as ParkRecord;

describe("POST /mparticle/webhook", () => {
  let sqs: EmbeddedSqs;
  const enqueued = () => drainVisible(sqs.sqs, sqs.queueUrls.pushwoosh.queue);
  const parked = () => drainVisible(sqs.sqs, sqs.queueUrls.pushwoosh.dlq);

  beforeAll(async () => {
    useSecretsDocument(DEVELOPMENT_SECRETS);
    sqs = await startEmbeddedSqs();
    return async () => sqs.stop();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await enqueued();
    await parked();
  });

  it("takes the JSON reference's Master Sample: every attribute a tag, the deleted ones removed, the <…> APNs token as 64 hex digits", async () => {
    const answer = await post(webhookFixtureText("json-reference-master-sample.json"));

    expect(answer).toEqual({ status: 200, body: { batches: 1, events: 4, workItems: 1, parked: 0, skipped: MASTER_SKIPPED } });
    const calls = pushwooshCallsOf(await enqueued());
    expect(calls.find((call) => call.method === "setTags")).toMatchObject({
      userId: MASTER_CUSTOMER_ID,
      tags: {
        $age: 18,
        $zip: "10016",
        a_custom_attribute: "some_value",
        a_custom_list: ["value1", "value2", "valueN"],
        an_old_attribute_name: null,
        another_old_attribute: null,
      },
    });
    expect(calls.find((call) => call.method === "registerDevice")).toEqual({
      method: "registerDevice",
      hwid: MASTER_IDFV,
      push_token: MASTER_PUSH_TOKEN,
      device_type: 1,
      userId: MASTER_CUSTOMER_ID,
      timezone: -4 * 3600,
      language: "en",
    });
  });

  it("takes the Master Sample made outgoing, with every field outgoing JSON adds (nulls, 64-bit literals, unknown fields at every level)", async () => {
    const additions = {
      message_id: "6004677780660780000",
      message_type: 4,
      session_id: "4957918240501247982",
      session_uuid: null,
      session_start_unixtime: 1402521613976,
      event_start_unixtime_ms: 1402521613976,
      unknown_field: { nested: [1, null] },
    };
    const events = [{ ...publishedEvent("custom_event"), data: { ...publishedEvent("custom_event").data, ...additions, location: null, custom_flags: null } }];
    const outgoing = outgoingMasterSampleText(events).replace(
      /^\{/,
      '{"batch_id":-8433569191518584284,"message_type":null,"schema_version":2,"timestamp_unixtime_ms":1402521614000,"unique_id":"app-1","source_info":{"channel":"native","partner":null},"system_notifications":[],"future_field":{"a":[{}]},"application_info":null,"consent_state":null,',
    );

    const answer = await post(outgoing);

    expect(answer).toEqual({ status: 200, body: { batches: 1, events: 1, workItems: 1, parked: 0, skipped: {} } });
    const calls = pushwooshCallsOf(await enqueued());
    expect(calls.find((call) => call.method === "postEvent")).toMatchObject({
      userId: OUTGOING_CUSTOMER_ID,
      event: "click",
      attributes: { button_name: "home", other_attribute: "xyz" },
      timestampUTC: 1402521613,
    });
  });

  it("keeps a 64-bit mpid exact as the user id of a user without customer id", async () => {
    const batch = JSON.parse(outgoingMasterSampleText().replace(/"identity_type":"customer_id"/, '"identity_type":"other"')) as object;
    const text = `{"mpid":${OUTGOING_MPID},${JSON.stringify({ ...batch, mpid: undefined }).slice(1)}`;

    expect((await post(text)).status).toBe(200);
    expect(pushwooshCallsOf(await enqueued()).find((call) => call.method === "setTags")).toMatchObject({ userId: OUTGOING_MPID });
  });

  it("takes the Azure Blob Storage output's batches as an array (gzipped): identities as arrays, times and ids as strings", async () => {
    const answer = await post(gzipSync(azureBatchesText()), { ...AUTHORIZED, "content-encoding": "gzip" });

    expect(answer).toEqual({ status: 200, body: { batches: 2, events: 2, workItems: 2, parked: 0, skipped: {} } });
    expect(pushwooshCallsOf(await enqueued())).toEqual([
      { method: "postEvent", userId: "TestCustomerId1", event: "MyTestEvent", attributes: {}, timestampUTC: 1595542763, timestampCurrent: 1595542763 },
      { method: "postEvent", userId: "TestCustomerId2", event: "MyOtherTestEvent", attributes: {}, timestampUTC: 1595543017, timestampCurrent: 1595543017 },
    ]);
  });

  it("sets the user's tags from a batch with attributes and no events ('Send Batches without Events')", async () => {
    const eventless = { ...masterSample(), events: [], device_info: null };

    expect(await post(JSON.stringify(eventless))).toEqual({ status: 200, body: { batches: 1, events: 0, workItems: 1, parked: 0, skipped: {} } });
    expect(pushwooshCallsOf(await enqueued()).map((call) => call.method)).toEqual(["setTags"]);
  });

  it("enqueues nothing for a batch with neither events nor attributes", async () => {
    expect(await post(JSON.stringify({ environment: "production", mpid: 42, events: [] }))).toEqual({
      status: 200,
      body: { batches: 1, events: 0, workItems: 0, parked: 0, skipped: {} },
    });
    expect(await enqueued()).toEqual([]);
  });

  it.each([
    ["register: true registers the device with the event's token", true, "registerDevice"],
    ["register: false unregisters it", false, "unregisterDevice"],
  ])("takes the JSON reference's push_registration: %s", async (_label, register, method) => {
    const event = publishedEvent("push_registration");
    const batch = {
      ...masterSample(),
      user_attributes: null,
      deleted_user_attributes: null,
      events: [
        { ...event, data: { ...event.data, register, registration_token: "<E481F135 9629F0C3 FB634BE0 82CA18B1 73EA45A2 B0B96A6E 2A00C829 BC9FF6EB>" } },
      ],
    };

    expect((await post(JSON.stringify(batch))).status).toBe(200);
    const calls = pushwooshCallsOf(await enqueued());
    expect(calls.map((call) => call.method)).toEqual([method]);
    if (method === "registerDevice") expect(calls[0]).toMatchObject({ hwid: MASTER_IDFV, push_token: MASTER_PUSH_TOKEN, device_type: 1 });
    else expect(calls[0]).toEqual({ method: "unregisterDevice", hwid: MASTER_IDFV });
  });

  describe("parks what it cannot read in the Pushwoosh DLQ with the reason, answers 200, and enqueues the rest", () => {
    it("an event that fails its schema: parked in its batch (without the other events), the other events enqueued", async () => {
      const nameless = { ...publishedEvent("custom_event"), data: { ...publishedEvent("custom_event").data, event_name: null } };
      const batch = { ...masterSample(), events: [publishedEvent("screen_view"), nameless] };

      const answer = await post(JSON.stringify(batch));

      expect(answer).toEqual({ status: 200, body: { batches: 1, events: 2, workItems: 1, parked: 1, skipped: {} } });
      expect(
        pushwooshCallsOf(await enqueued())
          .map((call) => call.method)
          .sort(),
      ).toEqual(["postEvent", "registerDevice", "setTags"]);
      const [first, ...more] = await parked();
      expect(more).toEqual([]);
      const message = defined(first, "a parked message");
      expect(parkRecordOf(message)).toMatchObject({
        destination: "pushwoosh",
        reason: "validation",
        errorClass: "validation",
        attempts: 0,
        message: expect.stringContaining("events.1.data.event_name"),
      });
      const workItem = JSON.parse(defined(message.Body)) as {
        events: Array<{ event: { type: string; door: string; document: { events: unknown[]; user_identities: unknown } } }>;
        context: { credentials: string };
      };
      expect(workItem.events).toHaveLength(1);
      expect(defined(workItem.events[0]).event).toMatchObject({
        type: "raw_document",
        door: "webhook",
        document: { events: [nameless], user_identities: masterSample().user_identities },
      });
      expect(message.Body).not.toContain(defined(DEVELOPMENT_SECRETS.pushwoosh).apiToken);
    });

    it.each([
      [
        "a batch whose user attributes are not an object, in an array",
        () => [masterSample(), { ...masterSample(), user_attributes: "Age=34" }],
        "1.user_attributes",
        1,
      ],
      ["a body that is JSON but no batch", () => 42, "body", 0],
    ])("%s: parked whole", async (_label, body, field, workItems) => {
      const answer = await post(JSON.stringify(body()));

      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ workItems, parked: 1 });
      const message = defined((await parked())[0], "a parked message");
      expect(parkRecordOf(message).message).toContain(`${field}:`);
      expect(JSON.parse(defined(message.Body))).toMatchObject({ events: [{ event: { type: "raw_document", door: "webhook" } }] });
    });

    it("redriven after a parser fix, the parked event is read again by the worker's flow and delivered", async () => {
      // A parser bug at ingest, fixed before the redrive.
      const fix = injectCustomEventParserBug();
      const batch = { ...masterSample(), events: [publishedEvent("custom_event")] };
      expect((await post(JSON.stringify(batch))).body).toMatchObject({ parked: 1 });
      const parkedMessages = await parked();
      expect(() => pushwooshCallsOf(parkedMessages)).toThrow(/event_name/);

      fix();

      // What `npx cdp-relay dlq redrive` puts back on the queue is the parked body; the worker maps it so.
      expect(pushwooshCallsOf(parkedMessages)).toContainEqual(
        expect.objectContaining({ method: "postEvent", event: "click", userId: MASTER_CUSTOMER_ID, hwid: MASTER_IDFV }),
      );
    });
  });

  it("skips an event whose type is named like an Object member as an unknown type, and sends the rest", async () => {
    const batch = { ...masterSample(), events: [{ event_type: "constructor", data: {} }, { event_type: "toString" }, publishedEvent("custom_event")] };

    const answer = await post(JSON.stringify(batch));

    expect(answer).toEqual({ status: 200, body: { batches: 1, events: 3, workItems: 1, parked: 0, skipped: { unknown_event_type: 2 } } });
    expect(pushwooshCallsOf(await enqueued())).toContainEqual(expect.objectContaining({ method: "postEvent", event: "click" }));
  });

  it("gives a retried batch the same work item ids", async () => {
    const ids = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      expect((await post(webhookFixtureText("json-reference-master-sample.json"))).status).toBe(200);
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
  ])("answers 401 for %s and enqueues and parks nothing", async (_label, headers) => {
    const answer = await post(webhookFixtureText("json-reference-master-sample.json"), headers);

    expect(answer).toEqual({
      status: 401,
      body: { error: { message: "missing or wrong Authorization header (expected the configured value)", field: "authorization" } },
    });
    expect(await enqueued()).toEqual([]);
    expect(await parked()).toEqual([]);
  });

  it("answers 400 to a body that is not JSON, and enqueues and parks nothing", async () => {
    expect(await post('{"events": [')).toEqual({ status: 400, body: { error: { message: "body is not valid JSON", field: "body" } } });
    expect(await enqueued()).toEqual([]);
    expect(await parked()).toEqual([]);
  });

  describe("while the secret document has no Pushwoosh application", () => {
    it.each([
      ["no pushwoosh section", { ...DEVELOPMENT_SECRETS, pushwoosh: undefined }, "pushwoosh.applicationCode"],
      [
        "the template's placeholders",
        { ...DEVELOPMENT_SECRETS, pushwoosh: { applicationCode: "REPLACE_ME_pushwoosh_application_code", apiToken: "REPLACE_ME_x" } },
        "pushwoosh.applicationCode",
      ],
      ["an empty apiToken", { ...DEVELOPMENT_SECRETS, pushwoosh: { applicationCode: "ABCDE-12345", apiToken: " " } }, "pushwoosh.apiToken"],
    ])("answers 503 naming the field with %s, and enqueues nothing", async (_label, document, field) => {
      useSecretsDocument(document);
      try {
        const answer = await post(webhookFixtureText("json-reference-master-sample.json"));

        expect(answer).toEqual({ status: 503, body: { error: { message: `relay secret not configured: ${field}` } } });
        expect(await enqueued()).toEqual([]);
      } finally {
        useSecretsDocument(DEVELOPMENT_SECRETS);
      }
    });
  });
});
