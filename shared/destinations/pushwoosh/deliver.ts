import { isConfiguredSecretValue, loadSecrets } from "../../config/secrets.js";
import { partnerBaseUrl, pushwooshHighSpeedSetup } from "../../config/settings.js";
import { toRelayError, type DeliveryOutcome } from "../../errors.js";
import { mapConcurrently } from "../../http/concurrency.js";
import { outcomesFor, type DestinationDelivery } from "../delivery.js";
import { send } from "./client.js";
import { openCredentials, type PushwooshCredentials } from "./credentials.js";
import { bulkStatusRequest, toPushwooshRequest } from "./map.js";
import { mergeSetTags, type OpenedCall } from "./mergeTags.js";
import type { PushwooshPayload } from "./schema.js";

/**
 * Each item is one API call with its sealed credentials, except that a user's setTags calls of the batch
 * become one (mergeTags.ts); the calls run side by side, a few at a time.
 */
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
    const outcomes = new Map<string, DeliveryOutcome>();
    const opened: OpenedCall[] = [];
    // An account's items all carry the same sealed form (credentials.ts): each distinct one is opened once.
    const openedForms = new Map<string, PushwooshCredentials>();
    for (const { key, item } of items) {
      try {
        let credentials = openedForms.get(item.credentials);
        if (!credentials) openedForms.set(item.credentials, (credentials = openCredentials(item.credentials, ...secrets)));
        opened.push({ keys: [key], call: item.call, credentials, eventTimeMs: item.eventTimeMs });
      } catch (error) {
        outcomes.set(key, { kind: "failed", error: toRelayError(error) });
      }
    }
    const results = await mapConcurrently(mergeSetTags(opened), async ({ keys, call, credentials }) => {
      let http;
      try {
        http = toPushwooshRequest(call, credentials, baseUrl, options);
      } catch (error) {
        return outcomesFor(keys, { kind: "failed", error: toRelayError(error) });
      }
      const statusRequest = call.method === "bulkSetTags" ? (requestId: string) => bulkStatusRequest(requestId, credentials, baseUrl) : undefined;
      return send({ method: call.method, http, keys, statusRequest });
    });
    for (const result of results) for (const [key, outcome] of result) outcomes.set(key, outcome);
    return outcomes;
  },
};
