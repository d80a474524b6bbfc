import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/localStack.js";
import type { PushwooshSandbox } from "../../infra/local/sandboxes/pushwoosh.js";
import { queueCounts } from "../support/embeddedSqs.js";
import { startPushwooshStack } from "../support/pushwooshStack.js";
import { waitFor } from "../support/waitFor.js";
import { firehoseValidator } from "../shared/sources/mparticle/firehoseSchemas.js";
import {
  CUSTOMER_ID,
  attributeChange,
  configured,
  customEvent,
  fixture,
  iosBatch,
  membershipChange,
  pushSubscription,
} from "../shared/sources/mparticle/factories.js";

const IDFV = "97b826c2-ab80-4876-a184-db36cc39b1ee";
/** An APNs device token as Pushwoosh takes it: 64 hex digits. */
const APNS_TOKEN = "e481f1359629f0c3a6b2e1c07c5d3c0c2e1ad80d7b6b3e56f8e5c8a27f9b0b41";
const DEVICE_HEADERS = { "content-type": "application/json", authorization: "Token device-api-token" };

describe("mParticle → Pushwoosh through the local stack", () => {
  let stack: LocalStack;
  let pushwoosh: PushwooshSandbox;

  beforeAll(async () => {
    ({ stack, pushwoosh } = await startPushwooshStack());
    // Events must exist in Pushwoosh's Control Panel before postEvent takes them.
    pushwoosh.createEvents("Added To Cart", "Checkout", "Opened");
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function post(path: string, body: unknown, auth = true): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(auth ? { authorization: `Token ${stack.secrets.inbound.mparticleToken}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const callsTo = (method: string) => pushwoosh.callsTo(`/json/1.3/${method}`);

  it("registers, then turns a batch, a subscription and a membership change into the Pushwoosh calls", async () => {
    // Registration: no auth, the module's description.
    const registration = await post("/mparticle/registration", fixture("ModuleRegistrationRequest.json"), false);
    expect(registration.status).toBe(200);
    expect(firehoseValidator("ModuleRegistrationResponse_schema.json")(registration.body)).toBe(true);

    // An event batch: attributes of every type, two custom events, a push subscription.
    const batch = iosBatch(
      [
        attributeChange({ Age: "", Balance: "", Premium: "", Signup: "", Zip: "", Nickname: "", Genres: "" }, { Churned: "true" }),
        customEvent("Added To Cart", { sku: "A-1", quantity: "2" }, 1714592744066),
        customEvent("Checkout", {}, 1714592745000),
        pushSubscription("subscribe", APNS_TOKEN),
      ],
      {
        user_attributes: { Age: "34", Balance: "12.5", Premium: "true", Signup: "2024-04-30T22:15:00-02:00", Zip: "02134", Nickname: "Bri" },
        user_attribute_lists: { Genres: ["jazz", "blues"] },
      },
    );
    const answered = await post("/mparticle/events", batch);
    expect(answered).toEqual({
      status: 200,
      body: { type: "event_processing_response", id: batch.id, timestamp_ms: expect.any(Number), firehose_version: "3.2.0" },
    });

    // An audience is connected, then three users join it.
    const subscription = configured(fixture("AudienceSubscriptionRequest.json"));
    expect((await post("/mparticle/audiences", subscription)).status).toBe(200);
    const membership = membershipChange(3, ["New Users Low Engagement"]);
    expect((await post("/mparticle/audiences", membership)).status).toBe(200);

    await waitFor(
      () => callsTo("setTags").length >= 4 && callsTo("postEvent").length >= 2 && callsTo("registerDevice").length >= 1 && callsTo("createFilter").length >= 1,
      20_000,
      "the Pushwoosh calls",
    );

    const userSetTags = callsTo("setTags").find((call) => JSON.stringify(call.json).includes(CUSTOMER_ID));
    expect(userSetTags?.headers).toMatchObject(DEVICE_HEADERS);
    expect(userSetTags?.json).toEqual({
      request: {
        application: "ABCDE-12345",
        userId: CUSTOMER_ID,
        tags: { Age: 34, Balance: 12.5, Premium: true, Signup: "2024-05-01 00:15", Zip: "02134", Nickname: "Bri", Genres: ["jazz", "blues"], Churned: null },
      },
    });
    expect(
      callsTo("postEvent")
        .map((call) => call.json)
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual([
      {
        request: {
          application: "ABCDE-12345",
          userId: CUSTOMER_ID,
          hwid: IDFV,
          event: "Added To Cart",
          attributes: { sku: "A-1", quantity: 2 },
          timestampUTC: 1714592744,
          timestampCurrent: 1714592744 - 8 * 3600,
        },
      },
      {
        request: {
          application: "ABCDE-12345",
          userId: CUSTOMER_ID,
          hwid: IDFV,
          event: "Checkout",
          attributes: {},
          timestampUTC: 1714592745,
          timestampCurrent: 1714592745 - 8 * 3600,
        },
      },
    ]);
    expect(callsTo("registerDevice").map((call) => call.json)).toEqual([
      { request: { application: "ABCDE-12345", hwid: IDFV, push_token: APNS_TOKEN, device_type: 1, userId: CUSTOMER_ID, timezone: -28800, language: "en" } },
    ]);
    const [createFilter] = callsTo("createFilter");
    expect(createFilter?.headers.authorization).toBeUndefined();
    expect(createFilter?.json).toEqual({
      request: {
        auth: "server-api-token",
        name: "mParticle: New Users Low Engagement",
        filter_expression: 'A("ABCDE-12345") * T("mParticle Audiences", IN, ["New Users Low Engagement"])',
      },
    });

    // The end state in Pushwoosh.
    for (const userId of ["1000", "1001", "1002"]) {
      expect(pushwoosh.tagsOfUser(userId)).toEqual({ "mParticle Audiences": ["New Users Low Engagement"] });
    }
    expect(pushwoosh.tagsOfUser(CUSTOMER_ID)).toMatchObject({ Age: 34, Genres: ["jazz", "blues"] });
    expect(pushwoosh.tagsOfUser(CUSTOMER_ID)).not.toHaveProperty("Churned");
    expect(pushwoosh.devices.get(IDFV)).toMatchObject({ push_token: APNS_TOKEN, device_type: 1, userId: CUSTOMER_ID });
    expect(pushwoosh.filters.has("mParticle: New Users Low Engagement")).toBe(true);
  });

  it.each([
    ["EventProcessingRequest_android.json", "/mparticle/events", "EventProcessingResponse_schema.json", ["postEvent", "registerDevice", "setTags"]],
    ["EventProcessingRequest_ios.json", "/mparticle/events", "EventProcessingResponse_schema.json", ["postEvent", "setTags"]],
    ["AudienceMembershipChangeRequest.json", "/mparticle/audiences", "AudienceMembershipChangeResponse_schema.json", ["setTags", "setTags"]],
    ["DsrProcessingRequest.json", "/mparticle/events", "DsrProcessingResponse_schema.json", []],
  ])("answers the sample %s and its work reaches Pushwoosh", async (sample, path, responseSchema, methods) => {
    const request = sample.startsWith("Dsr") ? fixture(sample) : configured(fixture(sample));
    const before = pushwoosh.calls.length;

    const answer = await post(path, request);

    expect(answer.status).toBe(200);
    expect(answer.body.id).toBe(request.id);
    expect(firehoseValidator(responseSchema)(answer.body)).toBe(true);
    const arrived = await waitFor(
      () => {
        const calls = pushwoosh.calls.slice(before);
        return calls.length >= methods.length ? calls : undefined;
      },
      20_000,
      `the calls of ${sample}`,
    );
    // Every message settled: nothing more can reach Pushwoosh once the queue is empty.
    await waitFor(
      async () => {
        const counts = await queueCounts(stack.sqs, stack.queueUrls.pushwoosh.queue);
        return counts.visible + counts.inFlight + counts.delayed === 0;
      },
      20_000,
      "the pushwoosh queue empty",
    );
    expect(
      pushwoosh.calls
        .slice(before)
        .map((call) => call.path.replace("/json/1.3/", ""))
        .sort(),
    ).toEqual(methods);
    expect(arrived.every((call) => call.status === 200)).toBe(true);
  });

  it("sends a batch's existing attributes, with no user_attribute_change, as one setTags typed as documented", async () => {
    const userId = "existing-attributes-user";
    const batch = iosBatch([customEvent("Opened")], {
      user_identities: [{ type: "customer", encoding: "raw", value: userId }],
      user_attributes: {
        $Zip: "33431",
        $Mobile: "15551234567",
        $Age: "41",
        $FirstName: "Brian",
        Level: "7",
        Balance: "12.5",
        Premium: "false",
        Signup: "2024-05-01",
      },
      user_attribute_lists: { Genres: ["jazz", "blues"] },
    });

    expect((await post("/mparticle/events", batch)).status).toBe(200);
    const setTags = await waitFor(() => callsTo("setTags").find((call) => JSON.stringify(call.json).includes(userId)), 20_000, "the setTags");

    expect(setTags.status).toBe(200);
    expect(setTags.json).toEqual({
      request: {
        application: "ABCDE-12345",
        userId,
        tags: {
          $Zip: "33431",
          $Mobile: "15551234567",
          $Age: 41,
          $FirstName: "Brian",
          Level: 7,
          Balance: 12.5,
          Premium: false,
          Signup: "2024-05-01 00:00",
          Genres: ["jazz", "blues"],
        },
      },
    });
    expect(pushwoosh.tagType("$Zip")).toBe("String");
    expect(pushwoosh.tagType("$Age")).toBe("Integer");
    expect(pushwoosh.tagsOfUser(userId)).toMatchObject({ $Zip: "33431", Genres: ["jazz", "blues"] });
  });

  it("carries out an erasure through the queue: the user and its devices are deleted in Pushwoosh", async () => {
    const userId = "erased-user";
    const hwid = "E621E1F8-C36C-495A-93FC-0C247A3E6E5F";
    const batch = iosBatch([pushSubscription("subscribe", "e".repeat(64))], {
      user_identities: [{ type: "customer", encoding: "raw", value: userId }],
      runtime_environment: { type: "ios", identities: [{ type: "ios_vendor_id", encoding: "raw", value: hwid }] },
    });
    expect((await post("/mparticle/events", batch)).status).toBe(200);
    await waitFor(() => pushwoosh.devices.get(hwid) && pushwoosh.tagsOfUser(userId), 20_000, "the user's device and tags");

    const erasure: Record<string, unknown> = {
      ...configured({ ...fixture("DsrProcessingRequest.json"), account: { account_id: 1, account_settings: {} } }),
      subject_identities: { controller_customer_id: { encoding: "raw", value: userId } },
    };
    const answer = await post("/mparticle/events", erasure);

    expect(answer).toEqual({
      status: 200,
      body: { type: "dsr_processing_response", id: erasure.id, timestamp_ms: expect.any(Number), firehose_version: "3.2.0" },
    });
    await waitFor(() => !pushwoosh.devices.has(hwid), 20_000, "the deleted device");
    expect(pushwoosh.tagsOfUser(userId)).toBeUndefined();
    expect(pushwoosh.callsTo("/api/v2/device-api/deleteUser").map((call) => call.json)).toEqual([{ application: "ABCDE-12345", user_id: userId }]);
  });

  it("answers a sample without Pushwoosh settings with its event_processing_response and parks it naming the setting (mParticle would drop a 4xx)", async () => {
    const request = fixture("EventProcessingRequest_ios.json") as { id: string };

    const answer = await post("/mparticle/events", request);

    expect(answer).toEqual({ status: 200, body: expect.objectContaining({ type: "event_processing_response", id: request.id }) });
    await waitFor(async () => (await queueCounts(stack.sqs, stack.queueUrls.pushwoosh.dlq)).visible >= 1, 20_000, "the parked request");
  });

  it("sets the tags of an eventless batch with user attributes (the module asks for eventless batches), and sends nothing for a heartbeat", async () => {
    const before = pushwoosh.calls.length;
    const eventless = { ...iosBatch([]), user_attributes: { Plan: "platinum" }, user_attribute_lists: {} };

    expect((await post("/mparticle/events", eventless)).status).toBe(200);

    await waitFor(() => pushwoosh.tagsOfUser(CUSTOMER_ID)?.Plan === "platinum", 20_000, "the eventless batch's tags");
    expect(pushwoosh.calls.slice(before).map((call) => call.path)).toEqual(["/json/1.3/setTags"]);
  });
});
