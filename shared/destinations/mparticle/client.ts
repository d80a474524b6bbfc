import { RelayError, classifyResponse, toRelayError, type DeliveryOutcome } from "../../errors.js";
import { partnerRequest } from "../../http/partnerRequest.js";
import { logger } from "../../observability.js";
import { outcomeOf, outcomesFor } from "../delivery.js";
import type { BulkRequest } from "./map.js";

export const PARTNER = "mparticle";

/**
 * Sends one `POST /v2/bulkevents`; every item of it gets the request's outcome: delivered on 202, else the
 * classified error (401/403 credentials, 429/5xx and network failures retryable, other 4xx permanent).
 */
export async function send(request: BulkRequest): Promise<Map<string, DeliveryOutcome>> {
  const response = await partnerRequest(PARTNER, request.http).catch(toRelayError);
  if (response instanceof RelayError) return outcomesFor(request.keys, outcomeOf(response));
  // Stryker disable next-line StringLiteral,ObjectLiteral: log text and attributes, not behaviour
  logger.debug("mparticle bulk request", { feed: request.feed, items: request.keys.length, status: response.status, latencyMs: response.latencyMs });
  return outcomesFor(request.keys, outcomeOf(classifyResponse(PARTNER, response, response.bodyText)));
}
