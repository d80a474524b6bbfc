import { mparticleRoutes } from "../shared/flows/index.js";
import { ingestHandler, jsonResponse, parseJson, parseWith, requireToken } from "../shared/http/ingest.js";
import { logger } from "../shared/observability.js";
import { ingestWork } from "../shared/queue/ingest.js";
import { accept, inboundMparticleToken, normaliseEventProcessing, responseTo } from "../shared/sources/mparticle/accept.js";
import { eventsEndpointSchema } from "../shared/sources/mparticle/schema.js";

/** POST /mparticle/events: validate, normalise, enqueue the events, answer. Never calls Pushwoosh. */
export const handler = ingestHandler(async (event) => {
  const request = parseWith(eventsEndpointSchema, parseJson(event.rawBody));
  if (request.type === "event_processing_request") {
    const context = { correlationId: event.correlationId, receivedAt: new Date().toISOString(), routes: await mparticleRoutes() };
    await ingestWork(accept(normaliseEventProcessing(request), context));
  } else {
    logger.info("data subject request answered; Pushwoosh erasure is done in Pushwoosh", { requestId: request.id });
  }
  return jsonResponse(200, responseTo(request));
}, requireToken("Token", inboundMparticleToken));
