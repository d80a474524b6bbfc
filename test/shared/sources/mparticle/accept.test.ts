import { describe, expect, it } from "vitest";
import {
  accept,
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

describe("normaliseEventProcessing", () => {
  it("normalises the Android sample: the user, the device with its push token, the events and a device_state", () => {
    const request = eventProcessingRequestSchema.parse(configured(fixture("EventProcessingRequest_android.json")));

    const batch = normaliseEventProcessing(request);

    expect(batch.user?.device).toEqual({ platform: "android", deviceId: "a0504a8cfa15ce2c", token: { value: "1234567890", kind: "fcm" }, userAgent: expect.any(String), timezoneSeconds: -18000, language: "en" });
    expect(batch.user?.mpid).toBe(request.mpid);
    expect(batch.events.map((event) => event.type)).toEqual(["custom_event", "device_state"]);
    expect(batch.events.at(-1)).toEqual({ id: `${request.id}/device`, type: "device_state" });
    for (const event of batch.events) expect(mparticleEventSchema.safeParse(event).success).toBe(true);
    expect(userSchema.safeParse(batch.user).success).toBe(true);
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

    const work = accept(batch, {
      correlationId: "c-1",
      receivedAt: "2026-01-01T00:00:00.000Z",
      routes: [(normalised) => ({ flow: "f", destination: "pushwoosh", context: { x: 1 }, events: normalised.events }), () => undefined],
    });

    expect(work.workItems).toEqual([
      { flow: "f", destination: "pushwoosh", correlationId: "c-1", receivedAt: "2026-01-01T00:00:00.000Z", context: { x: 1 }, events: batch.events.map((event) => ({ id: event.id, event })) },
    ]);
    expect(work.summary).toEqual({ events: batch.events.length });
  });
});

describe("responseTo", () => {
  it("answers with the matching response type, the request's id and version", () => {
    expect(responseTo({ type: "event_processing_request", id: "r-1", firehose_version: "2.7.0" }, 5)).toEqual({
      type: "event_processing_response", id: "r-1", timestamp_ms: 5, firehose_version: "2.7.0",
    });
  });
});
