import { loadSecrets } from "../../config/secrets.js";
import { mapConcurrently } from "../../http/concurrency.js";
import { partnerBaseUrl } from "../../config/settings.js";
import { PermanentError, type DeliveryOutcome } from "../../errors.js";
import type { DestinationDelivery } from "../delivery.js";
import { send } from "./client.js";
import { planBulkRequests } from "./map.js";
import type { MparticlePayload } from "./schema.js";

/**
 * Groups the worker's batch into bulk requests per feed and user; every item gets its request's outcome,
 * and an item whose batch fails validation is parked with the reason, never sent.
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
    for (const result of await mapConcurrently(requests, send)) for (const [key, outcome] of result) outcomes.set(key, outcome);
    return outcomes;
  },
};
