import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DLQ_SETTINGS } from "../../cli/dlq/context.js";
import { main } from "../../cli/main.js";
import type { LocalStack } from "../../infra/local/localStack.js";
import type { PushwooshSandbox } from "../../infra/local/sandboxes/pushwoosh.js";
import { startPushwooshStack } from "../support/pushwooshStack.js";
import { waitFor } from "../support/waitFor.js";
import { injectCustomEventParserBug } from "../support/webhookParserBug.js";
import {
  MASTER_CUSTOMER_ID,
  MASTER_IDFV,
  MASTER_PUSH_TOKEN,
  masterSample,
  OUTGOING_CUSTOMER_ID,
  outgoingMasterSampleText,
  publishedEvent,
  WEBHOOK_AUTHORIZATION,
  webhookFixtureText,
} from "../shared/sources/mparticle/webhookFactories.js";

const APPLICATION = "ABCDE-12345";

/** The JSON reference's custom event, named as an event the Pushwoosh sandbox's application has. */
const levelUp = (marker: string) => ({
  ...publishedEvent("custom_event"),
  data: { ...publishedEvent("custom_event").data, event_name: "Level Up", source_message_id: marker, custom_attributes: { marker } },
});

async function dlq(args: string[]): Promise<{ code: number; output: string }> {
  let output = "";
  const io = { stdout: { write: (text: string) => (output += text) }, stderr: { write: (text: string) => (output += text) }, stdin: new PassThrough() };
  const code = await main(["dlq", ...args, "--queue", "pushwoosh"], io, { ...DEFAULT_DLQ_SETTINGS, receiveWaitSeconds: 0 });
  return { code, output };
}

describe("mParticle Webhook → Pushwoosh through the local stack", () => {
  let stack: LocalStack;
  let pushwoosh: PushwooshSandbox;

  beforeAll(async () => {
    ({ stack, pushwoosh } = await startPushwooshStack());
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Posts as mParticle's Webhook output does; `null` sends no Authorization header. */
  async function post(body: string, authorization: string | null = WEBHOOK_AUTHORIZATION) {
    const response = await fetch(`${stack.apiUrl}/mparticle/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(authorization === null ? {} : { authorization }) },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** The calls (request bodies) Pushwoosh received since `from` for one method. */
  const callsTo = (method: string, from = 0) =>
    pushwoosh.calls
      .slice(from)
      .filter((call) => call.path === `/json/1.3/${method}`)
      .map((call) => call.json);

  it("turns the JSON reference's Master Sample into typed setTags and registerDevice with the <…> APNs token as 64 hex digits", async () => {
    const before = pushwoosh.calls.length;

    const answer = await post(webhookFixtureText("json-reference-master-sample.json"));

    expect(answer).toEqual({
      status: 200,
      body: { batches: 1, events: 4, workItems: 1, parked: 0, skipped: { session_start: 1, application_state_transition: 1, crash_report: 1, session_end: 1 } },
    });
    await waitFor(() => pushwoosh.calls.length - before >= 2, 20_000, "the Pushwoosh calls of the batch");
    expect(callsTo("setTags", before)).toEqual([
      {
        request: {
          application: APPLICATION,
          userId: MASTER_CUSTOMER_ID,
          tags: expect.objectContaining({ $age: 18, $zip: "10016", a_custom_list: ["value1", "value2", "valueN"], an_old_attribute_name: null }),
        },
      },
    ]);
    expect(callsTo("registerDevice", before)).toEqual([
      {
        request: {
          application: APPLICATION,
          hwid: MASTER_IDFV,
          push_token: MASTER_PUSH_TOKEN,
          device_type: 1,
          userId: MASTER_CUSTOMER_ID,
          timezone: -4 * 3600,
          language: "en",
        },
      },
    ]);
    expect(pushwoosh.calls.slice(before).every((call) => call.status === 200)).toBe(true);
  });

  it("takes outgoing JSON sent as a batch, an eventless batch's attributes included", async () => {
    const before = pushwoosh.calls.length;
    const outgoing = outgoingMasterSampleText([levelUp("Outgoing")]);
    const eventless = JSON.stringify({
      ...masterSample(),
      user_identities: { customer_id: "eventless-user" },
      user_attributes: { Plan: "gold" },
      deleted_user_attributes: null,
      events: [],
    });

    const answer = await post(`[${outgoing},${eventless}]`);

    expect(answer).toEqual({ status: 200, body: { batches: 2, events: 1, workItems: 2, parked: 0, skipped: {} } });
    await waitFor(() => callsTo("setTags", before).length >= 2 && callsTo("postEvent", before).length >= 1, 20_000, "the Pushwoosh calls of the batches");
    expect(callsTo("postEvent", before)).toEqual([
      { request: expect.objectContaining({ userId: OUTGOING_CUSTOMER_ID, hwid: MASTER_IDFV, event: "Level Up", attributes: { marker: "Outgoing" } }) },
    ]);
    expect(callsTo("setTags", before)).toContainEqual({ request: { application: APPLICATION, userId: "eventless-user", tags: { Plan: "gold" } } });
  });

  it("parks what a parser bug refuses (200, listed by the DLQ tool), and delivers it after the fix and a redrive", async () => {
    const fix = injectCustomEventParserBug();
    const before = pushwoosh.calls.length;
    try {
      const answer = await post(JSON.stringify({ ...masterSample(), events: [levelUp("Parked Then Redriven")] }));
      expect(answer).toEqual({ status: 200, body: expect.objectContaining({ workItems: 1, parked: 1 }) });
    } finally {
      fix();
    }
    const listed = await dlq(["list"]);
    expect(listed.code, listed.output).toBe(0);
    expect(listed.output).toContain("validation");
    expect(listed.output).toContain("events.0.data.event_name");
    expect(callsTo("postEvent", before)).toEqual([]);

    const redriven = await dlq(["redrive", "--reason", "validation"]);

    expect(redriven.code, redriven.output).toBe(0);
    await waitFor(() => callsTo("postEvent", before).some((call) => JSON.stringify(call).includes("Parked Then Redriven")), 30_000, "the redriven event");
  });

  it("refuses a wrong or missing Authorization with 401, and a body that is not JSON with 400; none of them reaches Pushwoosh", async () => {
    const before = pushwoosh.calls.length;
    const marked = (marker: string) => JSON.stringify({ ...masterSample(), events: [levelUp(marker)] });

    expect(await post(marked("Refused Missing"), null)).toEqual({ status: 401, body: { error: { message: expect.any(String), field: "authorization" } } });
    expect(await post(marked("Refused Wrong"), "Bearer dev-mparticle-token")).toEqual({
      status: 401,
      body: { error: { message: expect.any(String), field: "authorization" } },
    });
    expect(await post(marked("Refused Truncated").slice(0, 100))).toEqual({
      status: 400,
      body: { error: { message: "body is not valid JSON", field: "body" } },
    });

    // A valid batch sent after them arrives; the refused ones never do.
    expect((await post(marked("Accepted After"))).status).toBe(200);
    await waitFor(() => callsTo("postEvent", before).some((call) => JSON.stringify(call).includes("Accepted After")), 20_000, "the accepted batch");
    expect(JSON.stringify(pushwoosh.calls.slice(before).map((call) => call.json))).not.toContain("Refused");
  });
});
