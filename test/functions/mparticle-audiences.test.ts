import { beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/mparticle-audiences.js";
import { lambdaContext } from "../../infra/local/lambdaContext.js";
import { useEnqueuedMessages } from "../support/embeddedSqs.js";
import { pushwooshCallsOf } from "../support/pushwooshCalls.js";
import { firehoseValidator } from "../shared/sources/mparticle/firehoseSchemas.js";
import { AUTHORIZED, apiEvent, configured, fixture, membershipChange, useDevelopmentSecrets } from "../shared/sources/mparticle/factories.js";
import { defined } from "../support/defined.js";

const context = () => lambdaContext("mparticle-audiences", 10, "us-east-1");
const post = (body: unknown, headers: Record<string, string> = AUTHORIZED) => handler(apiEvent("/mparticle/audiences", body, headers), context());

describe("POST /mparticle/audiences", () => {
  beforeAll(() => useDevelopmentSecrets());
  const takeEnqueued = useEnqueuedMessages("pushwoosh");
  const enqueued = async () => (await takeEnqueued()).map((message) => JSON.parse(String(message.Body)) as { flow: string });
  const enqueuedMethods = async () => pushwooshCallsOf(await takeEnqueued()).map((call) => call.method);

  it("answers the subscription sample with a valid audience_subscription_response and enqueues createFilter", async () => {
    const request = configured(fixture("AudienceSubscriptionRequest.json"));

    const result = await post(request);

    expect(result.statusCode).toBe(200);
    const body = JSON.parse(String(result.body)) as Record<string, unknown>;
    expect(firehoseValidator("AudienceSubscriptionResponse_schema.json")(body)).toBe(true);
    expect(body).toMatchObject({ type: "audience_subscription_response", id: request.id });
    expect(await enqueuedMethods()).toEqual(["createFilter"]);
  });

  it("answers the membership sample with a valid audience_membership_change_response and enqueues the list edits", async () => {
    const request = configured(fixture("AudienceMembershipChangeRequest.json"));

    const result = await post(request);

    expect(result.statusCode).toBe(200);
    const body = JSON.parse(String(result.body)) as Record<string, unknown>;
    expect(firehoseValidator("AudienceMembershipChangeResponse_schema.json")(body)).toBe(true);
    expect(body).toMatchObject({ type: "audience_membership_change_response", id: request.id });
    expect(await enqueuedMethods()).toEqual(["setTags", "setTags"]);
  });

  it("enqueues one bulkSetTags for 100 users", async () => {
    await post(membershipChange(100, ["VIP"]));

    expect(await enqueuedMethods()).toEqual(["bulkSetTags"]);
  });

  it("answers a membership heartbeat and enqueues nothing", async () => {
    const result = await post({ ...configured(fixture("AudienceMembershipChangeRequest.json")), user_profiles: [] });

    expect(result.statusCode).toBe(200);
    expect(await enqueued()).toEqual([]);
  });

  it("answers 401 without the token", async () => {
    const result = await post(configured(fixture("AudienceSubscriptionRequest.json")), {});

    expect(result.statusCode).toBe(401);
  });

  it.each([
    ["an unknown action", { ...configured(fixture("AudienceSubscriptionRequest.json")), action: "rename" }, "action"],
    [
      "a profile audience without an id",
      (() => {
        const request = membershipChange(2, ["VIP"]);
        const profiles = request.user_profiles as Array<{ audiences: Array<Record<string, unknown>> }>;
        delete profiles[1]?.audiences[0]?.audience_id;
        return request;
      })(),
      "user_profiles.1.audiences.0.audience_id",
    ],
  ])("answers 200 to %s, parks it whole in the Pushwoosh DLQ naming the field, and enqueues nothing", async (_label, body, field) => {
    const result = await post(body);

    expect(result.statusCode).toBe(200);
    expect(JSON.parse(String(result.body))).toMatchObject({ id: (body as { id: string }).id });
    expect(await enqueued()).toEqual([]);
    const dlq = await takeEnqueued.parked();
    expect(dlq).toHaveLength(1);
    expect(defined(dlq[0]).MessageAttributes?.failure?.StringValue).toContain(field);
  });
});
