import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resetSecretsCache, type RelaySecrets } from "../../shared/config/secrets.js";

export const TEST_SECRETS: RelaySecrets = {
  inbound: { mparticleToken: "test-mparticle-token", brazeToken: "test-braze-token", mparticleWebhookAuthorization: "Bearer test-mparticle-webhook-token" },
  pushwoosh: { applicationCode: "ABCDE-12345", apiToken: "device-api-token" },
  mparticle: {
    environment: "development",
    feeds: {
      ios: { key: "ios-key", secret: "ios-secret" },
      android: { key: "android-key", secret: "android-secret" },
      web: { key: "web-key", secret: "web-secret" },
      unbound: { key: "unbound-key", secret: "unbound-secret" },
    },
  },
  mixpanel: { projectToken: "test-project-token" },
};

/** Writes the secret document to a temp file and points RELAY_SECRETS_FILE at it; returns the cleanup. */
export async function useSecrets(secrets: RelaySecrets = TEST_SECRETS): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), "cdp-relay-secrets-"));
  const file = join(dir, "secrets.json");
  await writeFile(file, JSON.stringify(secrets));
  process.env.RELAY_SECRETS_FILE = file;
  resetSecretsCache();
  return async () => {
    resetSecretsCache();
    await rm(dir, { recursive: true, force: true });
  };
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}
