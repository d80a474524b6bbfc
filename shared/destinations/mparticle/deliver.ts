import { loadSecrets } from "../../config/secrets.js";
import { mapConcurrently } from "../../http/concurrency.js";
import { partnerBaseUrl } from "../../config/settings.js";
import { PermanentError, type DeliveryOutcome } from "../../errors.js";
import { withholdPartFilled, type DestinationDelivery } from "../delivery.js";
import { send } from "./client.js";
import { planBulkRequests } from "./map.js";
import type { MparticlePayload } from "./schema.js";

/**
 * Groups the worker's batch into bulk requests per feed and user; every item gets its request's outcome,
 * and an item whose batch fails validation is parked with the reason, never sent. A feed's last request,
 * when part-filled and made only of items that may wait, is carried over to the next invocation.
 */
export const mparticleDelivery: DestinationDelivery<MparticlePayload> = {
  destination: "mparticle",
  async deliver(items) {
    const secrets = await loadSecrets();
    const { requests, rejected } = planBulkRequests(items, {
      environment: secrets.mparticle.environment,
      feeds: secrets.mparticle.feeds,
      baseUrl: partnerBaseUrl("MPARTICLE_API_URL"),
    });
    // mParticle would drop these behind its 202: park them with the reason instead of sending them.
    const outcomes = new Map<string, DeliveryOutcome>();
    for (const [key, reason] of rejected) {
      outcomes.set(key, { kind: "failed", error: new PermanentError(`not sent to mParticle, the batch breaks the Events API rules: ${reason}`) });
    }
    // Each feed has its own key and secret: one request never mixes feeds.
    const { send: sent, carried } = withholdPartFilled(requests, items, (request) => request.feed);
    for (const [key, outcome] of carried) outcomes.set(key, outcome);
    for (const result of await mapConcurrently(sent, send)) for (const [key, outcome] of result) outcomes.set(key, outcome);
    return outcomes;
  },
};
