import { describe, expect, it } from "vitest";
import { handler } from "../../functions/mparticle-registration.js";
import { lambdaContext } from "../../infra/local/lambdaContext.js";
import { firehoseValidator } from "../shared/sources/mparticle/firehoseSchemas.js";
import { apiEvent, fixture } from "../shared/sources/mparticle/factories.js";

const context = () => lambdaContext("mparticle-registration", 10, "us-east-1");

describe("POST /mparticle/registration", () => {
  it("answers the sample request, without auth, with a valid module_registration_response of the same id", async () => {
    const request = fixture("ModuleRegistrationRequest.json");

    const result = await handler(apiEvent("/mparticle/registration", request), context());

    expect(result.statusCode).toBe(200);
    const body = JSON.parse(String(result.body)) as Record<string, unknown>;
    expect(firehoseValidator("ModuleRegistrationResponse_schema.json")(body)).toBe(true);
    expect(body).toMatchObject({ type: "module_registration_response", id: request.id, firehose_version: "3.2.0", version: "1.0" });
  });

  it("offers the three Pushwoosh settings under their public ids, the tokens confidential", async () => {
    const result = await handler(apiEvent("/mparticle/registration", fixture("ModuleRegistrationRequest.json")), context());

    const body = JSON.parse(String(result.body)) as {
      event_processing_registration: { account_settings: unknown[]; supported_event_types: string[] };
      audience_processing_registration: { account_settings: unknown[] };
      dsr_processing_registration: { account_settings: unknown[]; supported_dsr_types: string[]; domain: string };
    };
    const expected = [
      expect.objectContaining({ id: "applicationCode", type: "text", required: true, confidential: false }),
      expect.objectContaining({ id: "apiToken", type: "text", required: true, confidential: true }),
      expect.objectContaining({ id: "serverApiToken", type: "text", required: false, confidential: true }),
    ];
    expect(body.event_processing_registration.account_settings).toEqual(expected);
    expect(body.audience_processing_registration.account_settings).toEqual(expected);
    // No application_state_transition: mParticle has no uninstall state to forward.
    expect(body.event_processing_registration.supported_event_types).toEqual(["custom_event", "screen_view", "user_attribute_change", "push_subscription"]);
    // Erasure, with the two settings deleteUser needs (field names of the SDK's DsrProcessingRegistration).
    expect(body.dsr_processing_registration).toEqual({ account_settings: expected.slice(0, 2), supported_dsr_types: ["erasure"], domain: "pushwoosh.com" });
  });

  it("answers 400 naming the field for another message type", async () => {
    const result = await handler(
      apiEvent("/mparticle/registration", { ...fixture("ModuleRegistrationRequest.json"), type: "event_processing_request" }),
      context(),
    );

    expect(result.statusCode).toBe(400);
    expect(JSON.parse(String(result.body))).toMatchObject({ error: { field: "type" } });
  });
});
