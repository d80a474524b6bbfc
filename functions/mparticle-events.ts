import { checkPushwooshSettings } from "../shared/flows/mparticleToPushwoosh/settings.js";
import { ingestFirehoseRequest } from "../shared/flows/mparticleRoutes.js";
import { ingestHandler, jsonResponse, requireAuthorization } from "../shared/http/ingest.js";
import { MPARTICLE_EVENTS_LIMITS } from "../shared/http/limits.js";
import { MPARTICLE_FIREHOSE_AUTH } from "../shared/http/routeAuth.js";

// A bad Pushwoosh setting fails the cold start with a message naming it, before any work is taken.
checkPushwooshSettings();

/**
 * POST /mparticle/events: read, normalise, enqueue the events (and erasures, which travel through the queue
 * like every other call), answer the bare envelope. What cannot be read is parked with the reason and
 * answered like the rest (mParticle retries only 408, 429 and 5xx). Never calls Pushwoosh.
 */
export const handler = ingestHandler(
  async (event) => jsonResponse(200, await ingestFirehoseRequest(event.json, "event_processing_request", event.correlationId)),
  { limits: MPARTICLE_EVENTS_LIMITS, auth: requireAuthorization(MPARTICLE_FIREHOSE_AUTH) },
);
