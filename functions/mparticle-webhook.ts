import { checkPushwooshSettings } from "../shared/config/settings.js";
import { mparticleWebhookRoutes } from "../shared/flows/mparticleWebhookRoutes.js";
import { ingestHandler, jsonResponse, requireAuthorization } from "../shared/http/ingest.js";
import { MPARTICLE_WEBHOOK_LIMITS } from "../shared/http/limits.js";
import { logger } from "../shared/observability.js";
import { ingestWork } from "../shared/queue/ingest.js";
import { parseEventsApiJson } from "../shared/sources/mparticle/eventsApiBatch.js";
import { acceptWebhookBatches, normaliseWebhookBatch, parseWebhookBody, webhookAccountSettings } from "../shared/sources/mparticle/webhook.js";

// A bad Pushwoosh setting fails the cold start with a message naming it, before any work is taken.
checkPushwooshSettings();

/** POST /mparticle/webhook: mParticle's Webhook output. Validate, normalise, enqueue, answer. Never calls Pushwoosh. */
export const handler = ingestHandler(async (event) => {
  const accountSettings = await webhookAccountSettings();
  const batches = parseWebhookBody(event.json);
  const receivedAt = new Date();
  const normalised = batches.map((batch) => normaliseWebhookBatch(batch, accountSettings, receivedAt.getTime()));
  const accepted = acceptWebhookBatches(normalised, { correlationId: event.correlationId, receivedAt: receivedAt.toISOString(), routes: await mparticleWebhookRoutes() });
  const { workItemIds } = await ingestWork(accepted);
  const summary = { ...accepted.summary, workItems: workItemIds.length };
  logger.info("mParticle webhook batches accepted", { ...summary });
  return jsonResponse(200, { batches: summary.batches, events: summary.events, workItems: summary.workItems, skipped: summary.skipped });
}, {
  limits: MPARTICLE_WEBHOOK_LIMITS,
  parse: parseEventsApiJson,
  auth: requireAuthorization({ scheme: null, current: "mparticleWebhookAuthorization", previous: "previousMparticleWebhookAuthorization" }),
});
