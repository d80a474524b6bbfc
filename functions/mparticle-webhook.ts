import { checkPushwooshSettings } from "../shared/flows/mparticleToPushwoosh/settings.js";
import { mparticleWebhookRoutes, webhookAccountSettings } from "../shared/flows/mparticleWebhookRoutes.js";
import { ingestHandler, jsonResponse, requireAuthorization } from "../shared/http/ingest.js";
import { MPARTICLE_WEBHOOK_LIMITS } from "../shared/http/limits.js";
import { MPARTICLE_WEBHOOK_AUTH } from "../shared/http/routeAuth.js";
import { logger } from "../shared/observability.js";
import { ingestWork } from "../shared/queue/ingest.js";
import { reportRejected } from "../shared/sources/mparticle/accept.js";
import { acceptWebhookBatches } from "../shared/sources/mparticle/webhook.js";
import { parseWebhookJson, readWebhookBody } from "../shared/sources/mparticle/webhookBatch.js";

// A bad Pushwoosh setting fails the cold start with a message naming it, before any work is taken.
checkPushwooshSettings();

/**
 * POST /mparticle/webhook: mParticle's Webhook output. Read, normalise, enqueue, answer; what cannot be read
 * is parked with the reason and answered 200 too (mParticle drops a batch answered 4xx). Never calls Pushwoosh.
 */
export const handler = ingestHandler(
  async (event) => {
    const accountSettings = await webhookAccountSettings();
    const receivedAt = new Date();
    const body = readWebhookBody(event.json, accountSettings, receivedAt.getTime());
    const accepted = acceptWebhookBatches(body, {
      correlationId: event.correlationId,
      receivedAt: receivedAt.toISOString(),
      routes: await mparticleWebhookRoutes(),
    });
    const { workItemIds } = await ingestWork(accepted, receivedAt);
    reportRejected(accepted.rejected, event.correlationId);
    const summary = { ...accepted.summary, workItems: workItemIds.length };
    // Debug, as the other doors: the answer carries the summary, and what is parked or skipped is logged and
    // counted on its own. At info this line was a fifth of the door's time.
    logger.debug("mParticle webhook batches accepted", { ...summary });
    return jsonResponse(200, {
      batches: summary.batches,
      events: summary.events,
      workItems: summary.workItems,
      parked: summary.parked,
      skipped: summary.skipped,
    });
  },
  {
    limits: MPARTICLE_WEBHOOK_LIMITS,
    parse: parseWebhookJson,
    auth: requireAuthorization(MPARTICLE_WEBHOOK_AUTH),
  },
);
