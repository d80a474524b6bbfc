import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../../shared/errors.js";
import {
  accept,
  rawDocumentBatch,
  readFirehoseRequest,
  normaliseAudienceMembership,
  normaliseAudienceSubscription,
  normaliseEventProcessing,
  responseTo,
} from "../../../../shared/sources/mparticle/accept.js";
import { mparticleEventSchema, userSchema } from "../../../../shared/sources/mparticle/model.js";
import {
  audienceMembershipChangeRequestSchema,
  audienceSubscriptionRequestSchema,
  eventProcessingRequestSchema,
} from "../../../../shared/sources/mparticle/schema.js";
import { configured, fixture, heartbeat } from "./factories.js";
import { defined } from "../../../support/defined.js";

describe("normaliseEventProcessing", () => {
  it("normalises the Android sample: the user, the device with its push token, the events and a device_state", () => {
    const request = eventProcessingRequestSchema.parse(configured(fixture("EventProcessingRequest_android.json")));

    const batch = normaliseEventProcessing(request);

    expect(batch.user?.device).toEqual({
      platform: "android",
      deviceId: "a0504a8cfa15ce2c",
      token: { value: "1234567890", kind: "fcm" },
      userAgent: expect.any(String),
      timezoneSeconds: -18000,
      language: "en",
    });
    expect(batch.user?.mpid).toBe(request.mpid);
    expect(batch.events.map((event) => event.type)).toEqual(["custom_event", "device_state"]);
    expect(batch.events.at(-1)).toEqual({ id: `${request.id}/device`, type: "device_state" });
    for (const event of batch.events) expect(mparticleEventSchema.safeParse(event).success).toBe(true);
    expect(userSchema.safeParse(batch.user).success).toBe(true);
  });

  it('writes an APNs token printed as NSData, "<e481f135 9629f0c3 ...>", as its 64 hex digits, in the runtime environment and in a push subscription', () => {
    const printed = "<e481f135 9629f0c3 fb634be0 82ca18b1 73ea45a2 b0b96a6e 2a00c829 bc9ff6eb>";
    const hex = "e481f1359629f0c3fb634be082ca18b173ea45a2b0b96a6e2a00c829bc9ff6eb";
    const request = configured(fixture("EventProcessingRequest_ios.json")) as {
      runtime_environment: { identities: Array<{ type: string; value: string }> };
      events: unknown[];
    };
    request.runtime_environment.identities = [{ type: "apple_push_notification_token", encoding: "raw", value: printed } as never];
    request.events = [{ type: "push_subscription", id: "p-1", timestamp_ms: 1, action: "subscribe", token: printed }];

    const batch = normaliseEventProcessing(eventProcessingRequestSchema.parse(request));

    expect(batch.user?.device.token).toEqual({ value: hex, kind: "apns" });
    expect(batch.events[0]).toMatchObject({ type: "push_subscription", token: hex });
  });

  it("normalises a heartbeat to no events", () => {
    expect(normaliseEventProcessing(eventProcessingRequestSchema.parse(heartbeat())).events).toEqual([]);
  });
});

describe("normalising audiences", () => {
  it("makes a subscription one event with the audience", () => {
    const request = audienceSubscriptionRequestSchema.parse(configured(fixture("AudienceSubscriptionRequest.json")));

    expect(normaliseAudienceSubscription(request).events).toEqual([
      { id: request.id, type: "audience_subscription", audienceId: request.audience_id, audienceName: request.audience_name, action: request.action },
    ]);
  });

  it("makes each user profile of a membership change one event", () => {
    const request = audienceMembershipChangeRequestSchema.parse(configured(fixture("AudienceMembershipChangeRequest.json")));

    const { events } = normaliseAudienceMembership(request);

    expect(events.map((event) => event.id)).toEqual(request.user_profiles.map((_, index) => `${request.id}/${index}`));
    for (const event of events) expect(mparticleEventSchema.safeParse(event).success).toBe(true);
  });
});

describe("accept (mParticle)", () => {
  it("gives each route that takes events one work batch, and none to a route that takes nothing", () => {
    const batch = normaliseEventProcessing(eventProcessingRequestSchema.parse(configured(fixture("EventProcessingRequest_ios.json"))));

    const work = accept([batch], {
      correlationId: "c-1",
      receivedAt: "2026-01-01T00:00:00.000Z",
      routes: [(normalised) => ({ flow: "f", destination: "pushwoosh", context: { x: 1 }, events: normalised.events }), () => undefined],
    });

    expect(work.workItems).toEqual([
      {
        flow: "f",
        destination: "pushwoosh",
        correlationId: "c-1",
        receivedAt: "2026-01-01T00:00:00.000Z",
        context: { x: 1 },
        events: batch.events.map((event) => ({ id: event.id, event })),
      },
    ]);
    expect(work.rejected).toEqual([]);
  });

  it("rejects, for parking, the events of a raw document and those of a route that names an error", () => {
    const error = new ValidationError("events.0.name: Invalid input", { field: "events.0.name" });
    const raw = rawDocumentBatch("firehose", "r-1", { type: "x" }, error, {});
    const missing = new ValidationError("account.account_settings.apiToken is required", { field: "account.account_settings.apiToken" });
    const batch = normaliseEventProcessing(eventProcessingRequestSchema.parse(configured(fixture("EventProcessingRequest_ios.json"))));

    const work = accept([raw, batch], {
      correlationId: "c-1",
      receivedAt: "2026-01-01T00:00:00.000Z",
      routes: [(normalised) => ({ flow: "f", destination: "pushwoosh", events: normalised.events, ...(normalised.rejection ? {} : { error: missing }) })],
    });

    expect(work.workItems).toEqual([]);
    expect(work.rejected.map((rejected) => [rejected.error, rejected.batch.events.length])).toEqual([
      [error, 1],
      [missing, batch.events.length],
    ]);
  });
});

describe("readFirehoseRequest", () => {
  it("parks an event that fails its schema in its request, without the account settings' values, and reads the rest", () => {
    const request = configured(fixture("EventProcessingRequest_ios.json")) as { events: Array<Record<string, unknown>> };
    request.events.push({ type: "custom_event", id: "bad-1", timestamp_ms: 1 }, { type: "a_future_event_type", id: "future-1", timestamp_ms: 1 });

    const { batches, response } = readFirehoseRequest(request, "event_processing_request", 5);

    expect(response).toMatchObject({ type: "event_processing_response", timestamp_ms: 5 });
    const [first, second, ...more] = batches;
    const read = defined(first);
    const parked = defined(second);
    expect(more).toEqual([]);
    expect(read.rejection).toBeUndefined();
    expect(read.events.map((event) => event.id)).not.toContain("future-1");
    expect(parked.rejection?.field).toBe(`events.${request.events.length - 2}.name`);
    expect(parked.events).toEqual([
      {
        id: "bad-1",
        type: "raw_document",
        door: "firehose",
        document: expect.objectContaining({ events: [request.events.at(-2)], account: expect.objectContaining({ account_settings: {} }) }),
      },
    ]);
    expect(parked.accountSettings).toEqual(read.accountSettings);
  });

  it.each([
    ["JSON that is no message", 7, "event_processing_response", ""],
    ["a message of no known type", { type: "future_request", id: "f-1", firehose_version: "9.0" }, "future_response", "f-1"],
  ])("parks %s whole and answers with what it can read", (_label, json, type, id) => {
    const { batches, response } = readFirehoseRequest(json, "event_processing_request", 5);

    expect(response).toMatchObject({ type, id });
    expect(batches).toHaveLength(1);
    expect(defined(batches[0]).events).toEqual([{ id: expect.any(String), type: "raw_document", door: "firehose", document: json }]);
  });

  it("reads a heartbeat as a batch with no events", () => {
    const { batches } = readFirehoseRequest(heartbeat(), "event_processing_request");
    expect(batches.map((batch) => batch.events)).toEqual([[]]);
  });
});

describe("responseTo", () => {
  it("answers with the matching response type, the request's id and version", () => {
    expect(responseTo({ type: "event_processing_request", id: "r-1", firehose_version: "2.7.0" }, 5)).toEqual({
      type: "event_processing_response",
      id: "r-1",
      timestamp_ms: 5,
      firehose_version: "2.7.0",
    });
  });
});
