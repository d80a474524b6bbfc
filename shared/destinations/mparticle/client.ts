import type { RelaySecrets } from "../../config/secrets.js";
import { partnerBaseUrl } from "../../config/settings.js";
import { classifyResponse, type RelayError } from "../../errors.js";
import { basicAuthorization } from "../../http/basicAuthorization.js";
import { partnerRequest } from "../../http/partnerRequest.js";
import { logger } from "../../observability.js";
import type { MparticleBatch, MparticleFeed } from "./schema.js";

export const PARTNER = "mparticle";
export const BULK_EVENTS_PATH = "/v2/bulkevents";

type FeedCredentials = RelaySecrets["mparticle"]["feeds"][MparticleFeed];

/**
 * One `POST /v2/bulkevents` with the feed's key/secret. Resolves to undefined on 202, else to the
 * classified error (401/403 credentials, 429/5xx retryable, other 4xx permanent); network failures throw
 * RetryableError.
 */
export async function postBulkEvents(
  feed: MparticleFeed,
  credentials: FeedCredentials,
  batches: MparticleBatch[],
): Promise<RelayError | undefined> {
  const response = await partnerRequest(PARTNER, `${partnerBaseUrl("MPARTICLE_API_URL")}${BULK_EVENTS_PATH}`, {
    method: "POST",
    headers: {
      authorization: basicAuthorization(credentials.key, credentials.secret),
      "content-type": "application/json",
      accept: "application/json",
    },
    body: JSON.stringify(batches),
  });
  logger.debug("mparticle bulk request", { feed, batches: batches.length, status: response.status, latencyMs: response.latencyMs });
  return classifyResponse(PARTNER, response, response.bodyText);
}
