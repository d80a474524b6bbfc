import { loadSecrets } from "../../config/secrets.js";
import { mapConcurrently } from "../../http/concurrency.js";
import { partnerBaseUrl } from "../../config/settings.js";
import { withholdPartFilled, type DestinationDelivery } from "../delivery.js";
import { send } from "./client.js";
import { importRequest, planImports } from "./map.js";
import type { MixpanelEvent } from "./schema.js";

/**
 * Every event of the worker's batch in import requests of ≤ 2000 events, sent side by side; the last one,
 * when part-filled and made only of events that may wait, is carried over to the next invocation.
 */
export const mixpanelDelivery: DestinationDelivery<MixpanelEvent> = {
  destination: "mixpanel",
  async deliver(items) {
    const secrets = await loadSecrets();
    const baseUrl = partnerBaseUrl("MIXPANEL_API_URL");
    // One project, one feed: every import is the same credential's.
    const { send: planned, carried } = withholdPartFilled(planImports(items), items, () => "project");
    const results = await mapConcurrently(planned, (plan) => send(importRequest(plan, secrets.mixpanel, baseUrl)));
    return new Map([...carried, ...results.flatMap((result) => [...result])]);
  },
};
