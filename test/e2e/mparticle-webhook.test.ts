import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/localStack.js";
import type { PushwooshSandbox } from "../../infra/local/sandboxes/pushwoosh.js";
import { startPushwooshStack } from "../support/pushwooshStack.js";
import { waitFor } from "../support/waitFor.js";
import {
  ANDROID_MPID, ANDROID_UUID, IOS_CUSTOMER_ID, IOS_IDFV, IOS_PUSH_TOKEN, UNREGISTERED_IDFV, WEBHOOK_AUTHORIZATION, webhookFixture, webhookFixtureText,
} from "../shared/sources/mparticle/webhookFactories.js";

const APPLICATION = "ABCDE-12345";
const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));

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
  const callsTo = (method: string, from = 0) => pushwoosh.calls.slice(from).filter((call) => call.path === `/json/1.3/${method}`).map((call) => call.json);

  it("turns one batch into typed setTags, postEvent for the custom event and the screen view, and registerDevice", async () => {
    const before = pushwoosh.calls.length;

    const answer = await post(webhookFixtureText("ios-batch.json"));

    expect(answer).toEqual({ status: 200, body: { batches: 1, events: 15, workItems: 1, skipped: { session_start: 1, commerce_event: 1, crash_report: 1, session_end: 1 } } });
    await waitFor(() => pushwoosh.calls.length - before >= 4, 20_000, "the Pushwoosh calls of the batch");
    expect(callsTo("setTags", before)).toEqual([
      {
        request: {
          application: APPLICATION,
          userId: IOS_CUSTOMER_ID,
          tags: { Age: 34, Balance: 12.5, Premium: true, Signup: "2024-05-01 00:15", Zip: "02134", Nickname: "Bri", Genres: ["jazz", "blues"], Churned: null },
        },
      },
    ]);
    const offset = -5 * 3600;
    expect(callsTo("postEvent", before).sort(byJson)).toEqual([
      { request: { application: APPLICATION, userId: IOS_CUSTOMER_ID, hwid: IOS_IDFV, event: "Level Up", attributes: { level: 8, score: 1250.5, boss: "Dragon" }, timestampUTC: 1714592744, timestampCurrent: 1714592744 + offset } },
      { request: { application: APPLICATION, userId: IOS_CUSTOMER_ID, hwid: IOS_IDFV, event: "PW_ScreenOpen", attributes: { tab: "featured", screen_name: "Home" }, timestampUTC: 1714592742, timestampCurrent: 1714592742 + offset } },
    ]);
    expect(callsTo("registerDevice", before)).toEqual([
      { request: { application: APPLICATION, hwid: IOS_IDFV, push_token: IOS_PUSH_TOKEN, device_type: 1, userId: IOS_CUSTOMER_ID, timezone: offset, language: "en" } },
    ]);
    expect(pushwoosh.calls.slice(before).every((call) => call.status === 200 && call.headers.authorization === "Token device-api-token")).toBe(true);
    expect(pushwoosh.tagsOfUser(IOS_CUSTOMER_ID)).toMatchObject({ Age: 34, Genres: ["jazz", "blues"], Zip: "02134" });
  });

  it("turns an array of batches (Android by mpid, an unregistration, an empty batch) into their calls", async () => {
    const before = pushwoosh.calls.length;

    const answer = await post(webhookFixtureText("batches.json"));

    expect(answer).toEqual({ status: 200, body: { batches: 3, events: 4, workItems: 2, skipped: { session_start: 1 } } });
    await waitFor(() => pushwoosh.calls.length - before >= 5, 20_000, "the Pushwoosh calls of the batches");
    // The batch has attributes and no change events: every attribute becomes a typed tag. The mpid is a
    // 64-bit integer in the JSON: every digit reaches Pushwoosh as the user id.
    expect(callsTo("setTags", before)).toEqual([
      { request: { application: APPLICATION, userId: ANDROID_MPID, tags: { Level: 7, Ratio: 0.75, Beta: false, Renewal: "2024-06-01 00:00", Plan: "gold", Badges: ["early", "helper"] } } },
    ]);
    const offset = 2 * 3600;
    expect(callsTo("postEvent", before).sort(byJson)).toEqual([
      { request: { application: APPLICATION, userId: ANDROID_MPID, hwid: ANDROID_UUID, event: "Level Up", attributes: { level: 7 }, timestampUTC: 1714595995, timestampCurrent: 1714595995 + offset } },
      { request: { application: APPLICATION, userId: ANDROID_MPID, hwid: ANDROID_UUID, event: "PW_ScreenOpen", attributes: { screen_name: "Profile" }, timestampUTC: 1714595996, timestampCurrent: 1714595996 + offset } },
    ]);
    expect(callsTo("registerDevice", before)).toEqual([
      { request: { application: APPLICATION, hwid: ANDROID_UUID, push_token: "fcm-token-APA91bH7xQ2w", device_type: 3, userId: ANDROID_MPID, timezone: offset, language: "de" } },
    ]);
    expect(callsTo("unregisterDevice", before)).toEqual([{ request: { application: APPLICATION, hwid: UNREGISTERED_IDFV } }]);
    expect(pushwoosh.devices.get(ANDROID_UUID)).toMatchObject({ device_type: 3, userId: ANDROID_MPID });
  });

  it("refuses a wrong or missing Authorization with 401 and a malformed batch with 400 naming the field; none of them reaches Pushwoosh", async () => {
    const before = pushwoosh.calls.length;
    // Each request's custom event carries a marker, to tell its calls apart.
    const marked = (marker: string) => {
      const batch = webhookFixture("ios-batch.json") as { events: Array<{ data: Record<string, unknown> }> };
      batch.events[10]!.data.custom_attributes = { marker };
      return batch;
    };

    expect(await post(JSON.stringify(marked("Refused Missing")), null)).toEqual({ status: 401, body: { error: { message: expect.any(String), field: "authorization" } } });
    expect(await post(JSON.stringify(marked("Refused Wrong")), "Bearer dev-mparticle-token")).toEqual({ status: 401, body: { error: { message: expect.any(String), field: "authorization" } } });
    const malformed = marked("Refused Malformed");
    malformed.events[11]!.data.register = "yes";
    expect(await post(JSON.stringify(malformed))).toEqual({ status: 400, body: { error: { message: expect.stringContaining("events.11.data.register"), field: "events.11.data.register" } } });

    // A valid batch sent after them arrives; the refused ones never do.
    expect((await post(JSON.stringify(marked("Accepted After")))).status).toBe(200);
    await waitFor(() => callsTo("postEvent", before).some((call) => JSON.stringify(call).includes("Accepted After")), 20_000, "the accepted batch");
    expect(JSON.stringify(pushwoosh.calls.slice(before).map((call) => call.json))).not.toContain("Refused");
  });
});
