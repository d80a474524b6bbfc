import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEVELOPMENT_SECRETS } from "../../../infra/local/devSecrets.js";
import { resetSecretsCache, type PushwooshSecrets } from "../../../shared/config/secrets.js";
import { webhookAccountSettings } from "../../../shared/flows/mparticleWebhookRoutes.js";
import { secretsFile } from "../../support/secretsFile.js";

/** The account settings the Webhook door gives its batches when the secret document holds `pushwoosh`. */
async function accountSettingsFrom(pushwoosh: PushwooshSecrets): Promise<Record<string, string>> {
  process.env.RELAY_SECRETS_FILE = secretsFile({ ...DEVELOPMENT_SECRETS, pushwoosh });
  resetSecretsCache();
  return webhookAccountSettings();
}

describe("the Webhook door's account settings", () => {
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env.RELAY_SECRETS_FILE;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.RELAY_SECRETS_FILE;
    else process.env.RELAY_SECRETS_FILE = saved;
    resetSecretsCache();
  });

  it("are the secret document's Pushwoosh application, trimmed as a pasted value comes", async () => {
    const pushwoosh = { applicationCode: " ABCDE-12345 ", apiToken: "\tdevice-api-token\n", serverApiToken: " server-api-token " };

    expect(await accountSettingsFrom(pushwoosh)).toStrictEqual({
      applicationCode: "ABCDE-12345",
      apiToken: "device-api-token",
      serverApiToken: "server-api-token",
    });
  });

  it.each([
    ["absent", {}],
    ["blank", { serverApiToken: "  " }],
    ["the template's placeholder", { serverApiToken: "REPLACE_ME_SERVER_API_TOKEN" }],
  ])("leave out a server API token that is %s", async (_label, server) => {
    expect(await accountSettingsFrom({ applicationCode: "ABCDE-12345", apiToken: "device-api-token", ...server })).toStrictEqual({
      applicationCode: "ABCDE-12345",
      apiToken: "device-api-token",
    });
  });
});
