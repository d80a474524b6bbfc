import { currentsRoutes } from "../shared/flows/brazeRouting.js";
import { ingestHandler, jsonResponse, requireAuthorization } from "../shared/http/ingest.js";
import { BRAZE_CURRENTS_LIMITS } from "../shared/http/limits.js";
import { BRAZE_CURRENTS_AUTH } from "../shared/http/routeAuth.js";
import { ingestWork } from "../shared/queue/ingest.js";
import { acceptBody, reportCurrents } from "../shared/sources/braze/accept.js";

/**
 * `POST /braze/currents`: Braze Currents Custom HTTP connector → mParticle and Mixpanel queues. Whatever
 * authenticated JSON arrives is answered 200, enqueued or parked; an empty body is a check request.
 */
export const handler = ingestHandler(
  async (event) => {
    const now = new Date();
    const work = acceptBody(event.json, { correlationId: event.correlationId, receivedAt: now.toISOString(), routes: currentsRoutes() });
    await ingestWork(work, now);
    reportCurrents(work, event.correlationId);
    return jsonResponse(200, work.summary);
  },
  {
    limits: BRAZE_CURRENTS_LIMITS,
    auth: requireAuthorization(BRAZE_CURRENTS_AUTH),
    emptyBody: { events: [] },
  },
);
