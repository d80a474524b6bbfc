import { enqueueWorkItems } from "../shared/queue/enqueue.js";
import { ingestHandler, jsonResponse, parseWith, requireAuthorization } from "../shared/http/ingest.js";
import { MPARTICLE_EVENTS_LIMITS } from "../shared/http/limits.js";
import { logger } from "../shared/observability.js";
import { eventsEndpointSchema } from "../shared/sources/mparticle/schema.js";
import { eventProcessingWork, responseTo, workContext } from "../shared/sources/mparticle/to-work.js";

/** POST /mparticle/events: validate, build every work item, enqueue, answer. Never calls Pushwoosh. */
export const handler = ingestHandler(async (event) => {
  const request = parseWith(eventsEndpointSchema, event.json);
  if (request.type === "event_processing_request") {
    await enqueueWorkItems(eventProcessingWork(request, await workContext(event.correlationId)));
  } else {
    logger.info("data subject request answered; Pushwoosh erasure is done in Pushwoosh", { requestId: request.id });
  }
  return jsonResponse(200, responseTo(request));
}, { limits: MPARTICLE_EVENTS_LIMITS, auth: requireAuthorization({ scheme: "Token", current: "mparticleToken", previous: "previousMparticleToken" }) });
