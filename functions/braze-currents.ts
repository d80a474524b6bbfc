import { currentsRoutes } from "../shared/flows/brazeRouting.js";
import { ingestHandler, jsonResponse, parseWith, requireAuthorization } from "../shared/http/ingest.js";
import { BRAZE_CURRENTS_LIMITS } from "../shared/http/limits.js";
import { ingestWork } from "../shared/queue/ingest.js";
import { accept, reportCurrents } from "../shared/sources/braze/accept.js";
import { currentsBatchSchema } from "../shared/sources/braze/schema.js";

/** `POST /braze/currents`: Braze Currents Custom HTTP connector → mParticle and Mixpanel queues. */
export const handler = ingestHandler(
  async (event) => {
    const body = parseWith(currentsBatchSchema, event.json);
    const now = new Date();
    const work = accept(body.events, { correlationId: event.correlationId, receivedAt: now.toISOString(), routes: currentsRoutes() });
    await ingestWork(work, now);
    reportCurrents(work, event.correlationId);
    return jsonResponse(200, work.summary);
  },
  { limits: BRAZE_CURRENTS_LIMITS, auth: requireAuthorization({ scheme: "Bearer", current: "brazeToken", previous: "previousBrazeToken" }) },
);
