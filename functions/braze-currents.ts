import { ingestHandler, jsonResponse, parseWith, requireAuthorization } from "../shared/http/ingest.js";
import { BRAZE_CURRENTS_LIMITS } from "../shared/http/limits.js";
import { acceptCurrents } from "../shared/sources/braze/to-work.js";
import { currentsBatchSchema } from "../shared/sources/braze/schema.js";

/** `POST /braze/currents`: Braze Currents Custom HTTP connector → mParticle and Mixpanel queues. */
export const handler = ingestHandler(
  async (event) => {
    const body = parseWith(currentsBatchSchema, event.json);
    const summary = await acceptCurrents(body.events, event.correlationId);
    return jsonResponse(200, summary);
  },
  { limits: BRAZE_CURRENTS_LIMITS, auth: requireAuthorization({ scheme: "Bearer", current: "brazeToken", previous: "previousBrazeToken" }) },
);
