import { mparticleRoutes } from "../shared/flows/index.js";
import { ingestHandler, jsonResponse, parseWith, requireAuthorization } from "../shared/http/ingest.js";
import { MPARTICLE_EVENTS_LIMITS } from "../shared/http/limits.js";
import { logger } from "../shared/observability.js";
import { ingestWork } from "../shared/queue/ingest.js";
import { accept, normaliseEventProcessing, responseTo } from "../shared/sources/mparticle/accept.js";
import { eventsEndpointSchema } from "../shared/sources/mparticle/schema.js";

/** POST /mparticle/events: validate, normalise, enqueue the events, answer. Never calls Pushwoosh. */
export const handler = ingestHandler(async (event) => {
  const request = parseWith(eventsEndpointSchema, event.json);
  if (request.type === "event_processing_request") {
    const context = { correlationId: event.correlationId, receivedAt: new Date().toISOString(), routes: await mparticleRoutes() };
    await ingestWork(accept(normaliseEventProcessing(request), context));
  } else {
    logger.info("data subject request answered; Pushwoosh erasure is done in Pushwoosh", { requestId: request.id });
  }
  return jsonResponse(200, responseTo(request));
}, { limits: MPARTICLE_EVENTS_LIMITS, auth: requireAuthorization({ scheme: "Token", current: "mparticleToken", previous: "previousMparticleToken" }) });
