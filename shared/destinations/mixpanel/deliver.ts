import { loadSecrets } from "../../config/secrets.js";
import { mapConcurrently } from "../../http/concurrency.js";
import { partnerBaseUrl } from "../../config/settings.js";
import type { DestinationDelivery } from "../delivery.js";
import { send } from "./client.js";
import { importRequests } from "./map.js";
import type { MixpanelEvent } from "./schema.js";

/** Every event of the worker's batch in import requests of ≤ 2000 events, sent side by side. */
export const mixpanelDelivery: DestinationDelivery<MixpanelEvent> = {
  destination: "mixpanel",
  async deliver(items) {
    const secrets = await loadSecrets();
    const requests = importRequests(items, secrets.mixpanel, partnerBaseUrl("MIXPANEL_API_URL"));
    const results = await mapConcurrently(requests, send);
    return new Map(results.flatMap((result) => [...result]));
  },
};
