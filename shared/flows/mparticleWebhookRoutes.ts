import type { MparticleRoute } from "../sources/mparticle/accept.js";
import { inboundWebhookAuthorization } from "../sources/mparticle/webhook.js";
import { pushwooshRoute } from "./mparticleToPushwoosh/route.js";

/** The same flows as `mparticleRoutes`, behind mParticle's Webhook output (its Pushwoosh credentials are sealed under its Authorization value). */
export async function mparticleWebhookRoutes(): Promise<MparticleRoute[]> {
  return [pushwooshRoute(await inboundWebhookAuthorization())];
}
