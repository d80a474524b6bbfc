import { checkPushwooshSettings } from "../shared/config/settings.js";
import { mparticleRoutes } from "../shared/flows/mparticleRoutes.js";
import { ingestHandler, jsonResponse, parseWith, requireAuthorization } from "../shared/http/ingest.js";
import { MPARTICLE_EVENTS_LIMITS } from "../shared/http/limits.js";
import { ingestWork } from "../shared/queue/ingest.js";
import { accept, normaliseDsrProcessing, normaliseEventProcessing, responseTo } from "../shared/sources/mparticle/accept.js";
import { eventsEndpointSchema } from "../shared/sources/mparticle/schema.js";

// A bad Pushwoosh setting fails the cold start with a message naming it, before any work is taken.
checkPushwooshSettings();

/** POST /mparticle/events: validate, normalise, enqueue the events (and erasures), answer. Never calls Pushwoosh. */
export const handler = ingestHandler(async (event) => {
  const request = parseWith(eventsEndpointSchema, event.json);
  const context = { correlationId: event.correlationId, receivedAt: new Date().toISOString(), routes: await mparticleRoutes() };
  // An erasure travels through the queue like every other call; the answer is the bare envelope.
  const batch = request.type === "event_processing_request" ? normaliseEventProcessing(request) : normaliseDsrProcessing(request);
  await ingestWork(accept(batch, context));
  return jsonResponse(200, responseTo(request));
}, { limits: MPARTICLE_EVENTS_LIMITS, auth: requireAuthorization({ scheme: "Token", current: "mparticleToken", previous: "previousMparticleToken" }) });
