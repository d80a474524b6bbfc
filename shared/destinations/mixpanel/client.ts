import { PermanentError, RelayError, classifyResponse, toRelayError, type DeliveryOutcome } from "../../errors.js";
import { parseJsonBody, partnerRequest } from "../../http/partnerRequest.js";
import { logger } from "../../observability.js";
import { outcomeOf, outcomesFor } from "../delivery.js";
import type { ImportRequest } from "./map.js";
import { importResponseSchema } from "./schema.js";

export const PARTNER = "mixpanel";

/**
 * Sends one import request; one outcome per event. On a strict-mode 400 only the events Mixpanel named
 * fail (permanently, with its message); the rest were imported. Any other failure is the request's.
 */
export async function send(request: ImportRequest): Promise<Map<string, DeliveryOutcome>> {
  const response = await partnerRequest(PARTNER, request.http).catch(toRelayError);
  if (response instanceof RelayError) return outcomesFor(request.keys, outcomeOf(response));
  // Stryker disable next-line StringLiteral,ObjectLiteral: log text and attributes, not behaviour
  logger.debug("mixpanel import request", { events: request.keys.length, status: response.status, latencyMs: response.latencyMs });
  if (response.status === 400) {
    const failed = new Map<number, PermanentError>();
    importResponseSchema.safeParse(parseJsonBody(response.bodyText)).data?.failed_records?.forEach((record) => {
      const index = record.index ?? request.insertIds.findIndex((insertId) => insertId === record.insert_id);
      if (index < 0 || index >= request.keys.length) return;
      const message = record.message ?? "rejected by strict-mode validation";
      failed.set(index, new PermanentError(`mixpanel rejected the event: ${message}`, { status: 400, partnerMessage: message, field: record.field }));
    });
    // A strict-mode 400 names its rejects; a 400 that names none rejected the request itself.
    if (failed.size > 0) return new Map(request.keys.map((key, index) => [key, outcomeOf(failed.get(index))]));
  }
  return outcomesFor(request.keys, outcomeOf(classifyResponse(PARTNER, response, response.bodyText)));
}
