import { describe, expect, it } from "vitest";
import { SECRET_TEMPLATE } from "../../../infra/secretTemplate.js";
import {
  INBOUND_CREDENTIALS,
  SECRET_PLACEHOLDER_PREFIX,
  isConfiguredSecretValue,
  relaySecretsSchema,
  unconfiguredInboundCredentials,
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
