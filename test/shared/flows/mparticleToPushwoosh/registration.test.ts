import { describe, expect, it } from "vitest";
import { registrationResponse } from "../../../../shared/flows/mparticleToPushwoosh/registration.js";
import { moduleRegistrationRequestSchema } from "../../../../shared/sources/mparticle/schema.js";
import { firehoseValidator } from "../../sources/mparticle/firehoseSchemas.js";
import { fixture } from "../../sources/mparticle/factories.js";

const response = () => registrationResponse(moduleRegistrationRequestSchema.parse(fixture("ModuleRegistrationRequest.json")), 1_714_592_744_100);

describe("the module registration mParticle receives", () => {
  it("is a module_registration_response of the Firehose SDK's schema", () => {
    expect(firehoseValidator("ModuleRegistrationResponse_schema.json")(response())).toBe(true);
  });

  it("asks for the permissions docs/flows/mparticle-to-pushwoosh.md lists, raw and none of them required", () => {
    // Raw: hashed ids are never Pushwoosh user ids or hwids. Not required: a user without a customer id goes
    // by mpid, a device without an id by its token's hash, a batch without either still sets tags and events.
    const raw = (type: string) => ({ type, encoding: "raw", required: false });

    const { user_identities, device_identities, ...allowed } = response().permissions;

    expect(user_identities).toEqual(["customer", "email"].map(raw));
    expect(device_identities).toEqual(["ios_vendor_id", "android_id", "apple_push_notification_token", "google_cloud_messaging_token"].map(raw));
    // The mpid, the attributes (the audience's too), the device and its User-Agent (web device types), and the
    // batches without events, whose attributes keep the tags current.
    const granted = [
      "allow_access_mpid",
      "allow_user_attributes",
      "allow_audience_user_attributes",
      "allow_device_info",
      "allow_access_http_user_agent",
      "allow_eventless_batches",
    ];
    expect(allowed).toEqual(Object.fromEntries(granted.map((flag) => [flag, true])));
  });

  it("describes, for mParticle's integration directory, what goes to Pushwoosh and as what", () => {
    const { description } = response();

    expect(description).toMatch(/^Keeps <a href='https:\/\/www\.pushwoosh\.com'>Pushwoosh<\/a> current with mParticle data/);
    for (const mapping of [
      "user attributes as tags",
      "custom events and screen views as events",
      "push tokens as devices",
      "audiences as segments",
      "erasure requests as deleted users",
    ]) {
      expect(description).toContain(mapping);
    }
  });
});
