import { isConfiguredSecretValue, loadSecrets } from "../../config/secrets.js";
import { partnerBaseUrl, pushwooshHighSpeedSetup } from "../../config/settings.js";
import { toRelayError } from "../../errors.js";
import { mapConcurrently } from "../../http/concurrency.js";
import { outcomesFor, type DestinationDelivery } from "../delivery.js";
import { send, type PushwooshCallRequest } from "./client.js";
import { openCredentials } from "./credentials.js";
import { bulkStatusRequest, toPushwooshRequest } from "./map.js";
import type { PushwooshPayload } from "./schema.js";

/** Each item is one API call with its sealed credentials; a batch's calls run side by side, a few at a time. */
export const pushwooshDelivery: DestinationDelivery<PushwooshPayload> = {
  destination: "pushwoosh",
  async deliver(items) {
    const { inbound } = await loadSecrets();
    // Each mParticle door seals under its own inbound credential (the Firehose token, the Webhook Authorization
    // value); items sealed before a rotation open with the previous one until it is removed.
    const secrets = [
      inbound.mparticleToken,
      inbound.previousMparticleToken,
      inbound.mparticleWebhookAuthorization,
      inbound.previousMparticleWebhookAuthorization,
    ].filter(isConfiguredSecretValue);
    const baseUrl = partnerBaseUrl("PUSHWOOSH_API_URL");
    const options = { highSpeedSetup: pushwooshHighSpeedSetup() };
    const results = await mapConcurrently(items, async ({ key, item }) => {
      let request: PushwooshCallRequest;
      try {
        const credentials = openCredentials(item.credentials, ...secrets);
        request = {
          method: item.call.method,
          http: toPushwooshRequest(item.call, credentials, baseUrl, options),
          keys: [key],
          statusRequest: item.call.method === "bulkSetTags" ? (requestId) => bulkStatusRequest(requestId, credentials, baseUrl) : undefined,
        };
      } catch (error) {
        return outcomesFor([key], { kind: "failed", error: toRelayError(error) });
      }
      return send(request);
    });
    return new Map(results.flatMap((result) => [...result]));
  },
};
