import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEVELOPMENT_SECRETS } from "../../../infra/local/devSecrets.js";
import { resetSecretsCache } from "../../../shared/config/secrets.js";
import { openCredentials } from "../../../shared/destinations/pushwoosh/credentials.js";
import { mixpanelWorker, mparticleRoutes, mparticleWebhookRoutes, mparticleWorker, pushwooshWorker } from "../../../shared/flows/index.js";
import { contextSchema } from "../../../shared/flows/mparticleToPushwoosh.js";
import type { NormalisedBatch } from "../../../shared/sources/mparticle/model.js";
import { secretsFile } from "../../support/secretsFile.js";

const ACCOUNT = { applicationCode: "ABCDE-12345", apiToken: "device-api-token" };
const BATCH: NormalisedBatch = { requestId: "r-1", events: [{ id: "u-1", type: "uninstall", timestampMs: 1 }], accountSettings: ACCOUNT };

describe("the flow registry", () => {
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env.RELAY_SECRETS_FILE;
    process.env.RELAY_SECRETS_FILE = secretsFile(DEVELOPMENT_SECRETS);
    resetSecretsCache();
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.RELAY_SECRETS_FILE;
    else process.env.RELAY_SECRETS_FILE = saved;
    resetSecretsCache();
  });

  it.each([
    ["Firehose", mparticleRoutes, DEVELOPMENT_SECRETS.inbound.mparticleToken],
    ["Webhook", mparticleWebhookRoutes, DEVELOPMENT_SECRETS.inbound.mparticleWebhookAuthorization],
  ] as const)("routes mParticle's %s requests to Pushwoosh, sealing the credentials under that door's inbound secret", async (_door, routes, secret) => {
    const [route, ...others] = await routes();

    const work = route?.(BATCH);

    expect(others).toEqual([]);
    expect(work).toMatchObject({ flow: "mparticle-to-pushwoosh", destination: "pushwoosh" });
    expect(openCredentials(contextSchema.parse(work?.context).credentials, String(secret))).toEqual(ACCOUNT);
  });

  it("gives each destination queue its own worker", () => {
    expect([mparticleWorker.destination, mixpanelWorker.destination, pushwooshWorker.destination]).toEqual(["mparticle", "mixpanel", "pushwoosh"]);
  });
});
