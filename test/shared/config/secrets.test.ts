import { describe, expect, it } from "vitest";
import { SECRET_TEMPLATE } from "../../../infra/secretTemplate.js";
import {
  INBOUND_CREDENTIALS,
  SECRET_PLACEHOLDER_PREFIX,
  isConfiguredSecretValue,
  relaySecretsSchema,
  unconfiguredCredentials,
  unconfiguredInboundCredentials,
  unconfiguredPushwooshCredentials,
} from "../../../shared/config/secrets.js";
import { TEST_SECRETS } from "../../support/secrets.js";

describe("the secret document's inbound credentials", () => {
  it("may lack or leave empty an inbound token: the route answers 503, the document still loads", () => {
    const { inbound: _inbound, ...rest } = TEST_SECRETS;
    expect(relaySecretsSchema.parse(rest).inbound).toEqual({ mparticleToken: "", brazeToken: "" });
    expect(relaySecretsSchema.parse({ ...rest, inbound: { brazeToken: "b" } }).inbound).toEqual({ mparticleToken: "", brazeToken: "b" });
  });

  it("takes the optional rotation and mParticle Webhook fields", () => {
    const inbound = {
      mparticleToken: "m",
      previousMparticleToken: "m0",
      brazeToken: "b",
      previousBrazeToken: "b0",
      mparticleWebhookAuthorization: "Bearer w",
      previousMparticleWebhookAuthorization: "Bearer w0",
    };
    expect(relaySecretsSchema.parse({ ...TEST_SECRETS, inbound }).inbound).toEqual(inbound);
  });

  it("rejects an inbound value that is not a string", () => {
    expect(relaySecretsSchema.safeParse({ ...TEST_SECRETS, inbound: { ...TEST_SECRETS.inbound, previousBrazeToken: 5 } }).success).toBe(false);
  });
});

describe("isConfiguredSecretValue", () => {
  it.each([
    [undefined, false],
    ["", false],
    ["  ", false],
    [`${SECRET_PLACEHOLDER_PREFIX}_braze_token`, false],
    [` ${SECRET_PLACEHOLDER_PREFIX}_anything`, false],
    ["a-real-token", true],
    ["token-with-REPLACE_ME-inside", true],
  ])("%j → %s", (value, configured) => {
    expect(isConfiguredSecretValue(value)).toBe(configured);
  });
});

describe("the stack's secret template", () => {
  it("parses against the schema", () => {
    expect(relaySecretsSchema.safeParse(SECRET_TEMPLATE).success).toBe(true);
  });

  it("holds only placeholders for inbound credentials, every one recognised as unconfigured", () => {
    for (const value of Object.values(SECRET_TEMPLATE.inbound)) expect(value.startsWith(SECRET_PLACEHOLDER_PREFIX)).toBe(true);
    expect(unconfiguredInboundCredentials(SECRET_TEMPLATE.inbound)).toEqual(INBOUND_CREDENTIALS.map((name) => `inbound.${name}`));
  });

  it("reports only what is unconfigured", () => {
    expect(unconfiguredInboundCredentials({ ...SECRET_TEMPLATE.inbound, brazeToken: "real" })).toEqual([
      "inbound.mparticleToken",
      "inbound.mparticleWebhookAuthorization",
    ]);
  });
});

describe("the secret document's Pushwoosh application (the mParticle Webhook door)", () => {
  it("is optional, and takes the application code, the Device API token and an optional server token", () => {
    const { pushwoosh: _pushwoosh, ...rest } = TEST_SECRETS;
    expect(relaySecretsSchema.parse(rest).pushwoosh).toBeUndefined();
    const pushwoosh = { applicationCode: "ABCDE-12345", apiToken: "d", serverApiToken: "s" };
    expect(relaySecretsSchema.parse({ ...rest, pushwoosh }).pushwoosh).toEqual(pushwoosh);
    expect(relaySecretsSchema.safeParse({ ...rest, pushwoosh: { applicationCode: 5 } }).success).toBe(false);
  });

  it.each([
    [undefined, ["pushwoosh.applicationCode", "pushwoosh.apiToken"]],
    [{ applicationCode: "", apiToken: "" }, ["pushwoosh.applicationCode", "pushwoosh.apiToken"]],
    [SECRET_TEMPLATE.pushwoosh, ["pushwoosh.applicationCode", "pushwoosh.apiToken"]],
    [{ applicationCode: "ABCDE-12345", apiToken: "  " }, ["pushwoosh.apiToken"]],
    [{ applicationCode: "ABCDE-12345", apiToken: "d" }, []],
  ])("%j is unconfigured in %j", (pushwoosh, fields) => {
    expect(unconfiguredPushwooshCredentials(pushwoosh)).toEqual(fields);
  });

  it("is reported by npm start with the inbound credentials", () => {
    expect(unconfiguredCredentials(SECRET_TEMPLATE)).toEqual([
      "inbound.mparticleToken",
      "inbound.brazeToken",
      "inbound.mparticleWebhookAuthorization",
      "pushwoosh.applicationCode",
      "pushwoosh.apiToken",
    ]);
  });
});
