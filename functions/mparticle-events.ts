import { checkPushwooshSettings } from "../shared/flows/mparticleToPushwoosh/settings.js";
import { mparticleRoutes } from "../shared/flows/mparticleRoutes.js";
import { ingestHandler, jsonResponse, requireAuthorization } from "../shared/http/ingest.js";
import { MPARTICLE_EVENTS_LIMITS } from "../shared/http/limits.js";
import { MPARTICLE_FIREHOSE_AUTH } from "../shared/http/routeAuth.js";
import { ingestWork } from "../shared/queue/ingest.js";
import { accept, readFirehoseRequest, reportRejected } from "../shared/sources/mparticle/accept.js";

// A bad Pushwoosh setting fails the cold start with a message naming it, before any work is taken.
checkPushwooshSettings();

/**
 * POST /mparticle/events: read, normalise, enqueue the events (and erasures), answer. What cannot be read is
 * parked with the reason and answered like the rest (mParticle retries only 408, 429 and 5xx). Never calls Pushwoosh.
 */
export const handler = ingestHandler(async (event) => {
  const now = new Date();
  const { batches, response } = readFirehoseRequest(event.json, "event_processing_request", now.getTime());
  // An erasure travels through the queue like every other call; the answer is the bare envelope.
  const accepted = accept(batches, { correlationId: event.correlationId, receivedAt: now.toISOString(), routes: await mparticleRoutes() });
  await ingestWork(accepted, now);
  reportRejected(accepted.rejected, event.correlationId);
  return jsonResponse(200, response);
}, { limits: MPARTICLE_EVENTS_LIMITS, auth: requireAuthorization(MPARTICLE_FIREHOSE_AUTH) });
