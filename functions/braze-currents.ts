import { loadSecrets } from "../shared/config/secrets.js";
import { ingestHandler, jsonResponse, parseJson, parseWith, requireToken } from "../shared/http/ingest.js";
import { acceptCurrents } from "../shared/sources/braze/to-work.js";
import { currentsBatchSchema } from "../shared/sources/braze/schema.js";

/** `POST /braze/currents`: Braze Currents Custom HTTP connector → mParticle and Mixpanel queues. */
export const handler = ingestHandler(
  async (event) => {
    const body = parseWith(currentsBatchSchema, parseJson(event.rawBody));
    const summary = await acceptCurrents(body.events, event.correlationId);
    return jsonResponse(200, summary);
  },
  requireToken("Bearer", async () => (await loadSecrets()).inbound.brazeToken),
);
