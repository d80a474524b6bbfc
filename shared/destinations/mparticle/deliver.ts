import { loadSecrets } from "../../config/secrets.js";
import { mapConcurrently } from "../../http/concurrency.js";
import { partnerBaseUrl } from "../../config/settings.js";
import { PermanentError } from "../../errors.js";
import { outcomesFor, type DestinationDelivery } from "../delivery.js";
import { send } from "./client.js";
import { BULK_LIMITS, planBulkRequests } from "./map.js";
import type { MparticlePayload } from "./schema.js";

/** Groups the worker's batch into bulk requests per feed and user; every item gets its request's outcome. */
export const mparticleDelivery: DestinationDelivery<MparticlePayload> = {
  destination: "mparticle",
  async deliver(items) {
    const secrets = await loadSecrets();
    const { requests, oversized } = planBulkRequests(items, {
      environment: secrets.mparticle.environment,
      feeds: secrets.mparticle.feeds,
      baseUrl: partnerBaseUrl("MPARTICLE_API_URL"),
    });
    const tooLarge = new PermanentError(`event does not fit in an mParticle batch (${BULK_LIMITS.batchBytes} bytes)`);
    const outcomes = outcomesFor(oversized, { kind: "failed", error: tooLarge });
    for (const result of await mapConcurrently(requests, send)) for (const [key, outcome] of result) outcomes.set(key, outcome);
    return outcomes;
  },
};
