import { loadSecrets } from "../../config/secrets.js";
import { PermanentError, toRelayError, type RelayError } from "../../errors.js";
import type { DeliveryOutcome, DestinationWorker } from "../../queue/worker.js";
import { postBulkEvents } from "./client.js";
import { BULK_LIMITS, planBulkRequests } from "./map.js";
import { mparticlePayloadSchema, type MparticlePayload } from "./schema.js";

/** Groups the batch's events into bulk requests per feed and gives every item its request's outcome. */
export const mparticleWorker: DestinationWorker<MparticlePayload> = {
  destination: "mparticle",
  payloadSchema: mparticlePayloadSchema,
  async deliver(items) {
    const secrets = await loadSecrets();
    const { requests, oversized } = planBulkRequests(items, secrets.mparticle.environment);
    const outcomes = new Map<string, DeliveryOutcome>();
    const tooLarge = new PermanentError(`event does not fit in an mParticle batch (${BULK_LIMITS.batchBytes} bytes)`);
    for (const messageId of oversized) outcomes.set(messageId, { kind: "failed", error: tooLarge });
    await Promise.all(
      requests.map(async (request) => {
        let error: RelayError | undefined;
        try {
          error = await postBulkEvents(request.feed, secrets.mparticle.feeds[request.feed], request.batches);
        } catch (thrown) {
          error = toRelayError(thrown);
        }
        const outcome: DeliveryOutcome = error ? { kind: "failed", error } : { kind: "delivered" };
        for (const messageId of request.messageIds) outcomes.set(messageId, outcome);
      }),
    );
    return outcomes;
  },
};
