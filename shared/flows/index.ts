import { mixpanelDelivery } from "../destinations/mixpanel/deliver.js";
import { mparticleDelivery } from "../destinations/mparticle/deliver.js";
import { pushwooshDelivery } from "../destinations/pushwoosh/deliver.js";
import { brazeToMixpanel } from "./brazeToMixpanel.js";
import { brazeToMparticle } from "./brazeToMparticle.js";
import { flowWorker } from "./flow.js";
import { mparticleToPushwoosh, pushwooshRoute } from "./mparticleToPushwoosh.js";
import { inboundMparticleToken, type MparticleRoute } from "../sources/mparticle/accept.js";
import { inboundWebhookAuthorization } from "../sources/mparticle/webhook.js";
export { currentsRoutes } from "./brazeRouting.js";

/**
 * The registry: the worker of each destination queue, with the flows that feed it. A work item's `flow`
 * names one of them; a second source for a destination is one more flow in its list.
 */
export const mparticleWorker = flowWorker(mparticleDelivery, [brazeToMparticle]);
export const mixpanelWorker = flowWorker(mixpanelDelivery, [brazeToMixpanel]);
export const pushwooshWorker = flowWorker(pushwooshDelivery, [mparticleToPushwoosh]);

/** The ingest side of every flow fed by mParticle (Pushwoosh's credentials are sealed under the inbound token). */
export async function mparticleRoutes(): Promise<MparticleRoute[]> {
  return [pushwooshRoute(await inboundMparticleToken())];
}

/** The same flows behind mParticle's Webhook output (its Pushwoosh credentials are sealed under its Authorization value). */
export async function mparticleWebhookRoutes(): Promise<MparticleRoute[]> {
  return [pushwooshRoute(await inboundWebhookAuthorization())];
}
