import { isConfiguredSecretValue, loadSecrets, unconfiguredPushwooshCredentials } from "../config/secrets.js";
import { SecretNotConfiguredError } from "../errors.js";
import type { MparticleRoute } from "../sources/mparticle/accept.js";
import { inboundWebhookAuthorization } from "../sources/mparticle/webhook.js";
import { pushwooshRoute } from "./mparticleToPushwoosh/route.js";

/** The same flows as `mparticleRoutes`, behind mParticle's Webhook output (its Pushwoosh credentials are sealed under its Authorization value). */
export async function mparticleWebhookRoutes(): Promise<MparticleRoute[]> {
  return [pushwooshRoute(await inboundWebhookAuthorization())];
}

/**
 * The Webhook output carries no account settings: the Pushwoosh application its batches go to is the secret
 * document's, given to the batches as the account settings the flow reads. Refuses the request with 503
 * naming the first unconfigured field (fail closed).
 */
export async function webhookAccountSettings(): Promise<Record<string, string>> {
  const { pushwoosh } = await loadSecrets();
  const [unconfigured] = unconfiguredPushwooshCredentials(pushwoosh);
  if (unconfigured || !pushwoosh) throw new SecretNotConfiguredError(unconfigured ?? "pushwoosh.applicationCode");
  const settings: Record<string, string> = { applicationCode: pushwoosh.applicationCode.trim(), apiToken: pushwoosh.apiToken.trim() };
  if (isConfiguredSecretValue(pushwoosh.serverApiToken)) settings.serverApiToken = pushwoosh.serverApiToken.trim();
  return settings;
}
