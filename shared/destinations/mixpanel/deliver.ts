import { loadSecrets } from "../../config/secrets.js";
import { toRelayError } from "../../errors.js";
import type { DeliveryOutcome, DestinationWorker } from "../../queue/worker.js";
import { importEvents } from "./client.js";
import { chunkImports } from "./map.js";
import { mixpanelEventSchema, type MixpanelEvent } from "./schema.js";

/**
 * One import request per ≤ 2000 events. On a strict-mode 400 only the events Mixpanel named fail
 * (permanently); the rest were imported and count as delivered, so they are never resent.
 */
export const mixpanelWorker: DestinationWorker<MixpanelEvent> = {
  destination: "mixpanel",
  payloadSchema: mixpanelEventSchema,
  async deliver(items) {
    const secrets = await loadSecrets();
    const outcomes = new Map<string, DeliveryOutcome>();
    const chunks = chunkImports(items, (item) => item.workItem.payload);
    await Promise.all(
      chunks.map(async (chunk) => {
        try {
          const rejected = await importEvents(chunk.map((item) => item.workItem.payload), secrets.mixpanel);
          chunk.forEach((item, index) => {
            const error = rejected.get(index);
            outcomes.set(item.messageId, error ? { kind: "failed", error } : { kind: "delivered" });
          });
        } catch (thrown) {
          const outcome: DeliveryOutcome = { kind: "failed", error: toRelayError(thrown) };
          for (const item of chunk) outcomes.set(item.messageId, outcome);
        }
      }),
    );
    return outcomes;
  },
};
