import { setTimeout as sleep } from "node:timers/promises";
import { AuthError, PermanentError, RetryableError, classifyResponse, toRelayError, type DeliveryOutcome, type RelayError } from "../../errors.js";
import { parseJsonBody, partnerRequest, type PartnerHttpRequest, type PartnerResponse } from "../../http/partnerRequest.js";
import { logger } from "../../observability.js";
import { outcomesFor } from "../delivery.js";
import type { PushwooshRequest } from "./map.js";
import { bulkSetTagsAnswerSchema, pushwooshAnswerSchema, type PushwooshMethod } from "./schema.js";

const PARTNER = "Pushwoosh";
/** Body status_code 210: Pushwoosh's argument error. */
const ARGUMENT_ERROR = 210;
const BULK_POLL_ATTEMPTS = 3;
const BULK_POLL_INTERVAL_MS = 500;

/** bulkSetTags job statuses: an ended job says one of these. */
const BULK_FAILED = /fail|error/i;
const BULK_FINISHED = /complete|done|success/i;

// SQS delivers at least once: a segment created (or deleted) by an earlier receive is done, not failed.
const ALREADY_DONE: Partial<Record<PushwooshMethod, RegExp>> = {
  createFilter: /already exists/i,
  deleteFilter: /not found|does not exist/i,
};

/**
 * The park reason of an event Pushwoosh does not know. Events must be created in the Control Panel first
 * ("otherwise, Pushwoosh will not recognize them", docs.pushwoosh.com/platform-docs/manage-projects/events).
 * What postEvent answers then is not documented; we take a 210 whose message says the event is unknown.
 */
export const UNKNOWN_EVENT_REASON = "event not found in Pushwoosh: create it in Events";
const UNKNOWN_EVENT = /event.*(not found|unknown|does not exist)|unknown event/i;

/** The v2 device API (deleteUser) answers HTTP 200 once the request is accepted; its body is not documented. */
const HTTP_STATUS_ONLY = new Set<PushwooshMethod>(["deleteUser"]);

/** One Pushwoosh call as sent: the request, the items it carries and, for bulkSetTags, its status poll. */
export interface PushwooshCallRequest {
  method: PushwooshMethod;
  http: PushwooshRequest;
  keys: string[];
  statusRequest?: (requestId: string) => PartnerHttpRequest;
  /** The wait before each status poll; 500 ms unless given (tests shorten it, to keep their poll fast). */
  statusPollIntervalMs?: number;
}

/** HTTP first (shared taxonomy), then the body: only HTTP 200 with status_code 200 is success. */
export function classifyPushwooshAnswer(method: string, response: PartnerResponse): RelayError | undefined {
  const httpError = classifyResponse(PARTNER, response, response.bodyText);
  if (httpError) return httpError;
  const answer = pushwooshAnswerSchema.safeParse(parseJsonBody(response.bodyText));
  if (!answer.success) {
    return new RetryableError(`${PARTNER} ${method} answered HTTP ${response.status} without a status_code`, { status: response.status });
  }
  const { status_code: code, status_message: partnerMessage } = answer.data;
  if (code === 200) return undefined;
  const details = { status: response.status, partnerMessage };
  const message = `${PARTNER} ${method} answered status_code ${code}`;
  if (code === ARGUMENT_ERROR && method === "postEvent" && partnerMessage && UNKNOWN_EVENT.test(partnerMessage)) {
    return new PermanentError(`${message}: ${UNKNOWN_EVENT_REASON}`, details);
  }
  if (code === ARGUMENT_ERROR) return new PermanentError(`${message} (argument error)`, details);
  if (code === 401 || code === 403) return new AuthError(message, details);
  if (code === 429 || code >= 500) return new RetryableError(message, details);
  return new PermanentError(message, details);
}

async function pollBulkStatus(requestId: string, statusRequest: (requestId: string) => PartnerHttpRequest, intervalMs = BULK_POLL_INTERVAL_MS): Promise<void> {
  const poll = statusRequest(requestId);
  for (let attempt = 1; attempt <= BULK_POLL_ATTEMPTS; attempt++) {
    await sleep(intervalMs);
    let status: string;
    try {
      const response = await partnerRequest(PARTNER, poll);
      const httpError = classifyResponse(PARTNER, response, response.bodyText);
      if (httpError) throw httpError;
      status = bulkSetTagsAnswerSchema.parse(parseJsonBody(response.bodyText)).status;
    } catch (error) {
      // The request was accepted; a status we cannot read is no reason to send it again.
      // Stryker disable all: log text and attributes, not behaviour
      logger.warn("bulkSetTags status unreadable; counting the accepted request as delivered", {
        requestId,
        error: error instanceof Error ? error.message : String(error),
      });
      // Stryker restore all
      return;
    }
    if (BULK_FAILED.test(status)) throw new PermanentError(`${PARTNER} bulkSetTags ${requestId} ended ${status}`);
    if (BULK_FINISHED.test(status)) return;
  }
  // Stryker disable next-line StringLiteral,ObjectLiteral: log text and attributes, not behaviour
  logger.info("bulkSetTags still pending after polling; Pushwoosh applies it asynchronously", { requestId });
}

async function sendOnce(request: PushwooshCallRequest): Promise<void> {
  const response = await partnerRequest(PARTNER, request.http);
  if (HTTP_STATUS_ONLY.has(request.method)) {
    const httpError = classifyResponse(PARTNER, response, response.bodyText);
    if (httpError) throw httpError;
    return;
  }
  if (!request.statusRequest) {
    const error = classifyPushwooshAnswer(request.method, response);
    if (error) throw error;
    return;
  }
  const httpError = classifyResponse(PARTNER, response, response.bodyText);
  if (httpError) throw httpError;
  const accepted = bulkSetTagsAnswerSchema.safeParse(parseJsonBody(response.bodyText));
  if (!accepted.success) throw new RetryableError(`${PARTNER} bulkSetTags answered without a request_id`, { status: response.status });
  await pollBulkStatus(accepted.data.request_id, request.statusRequest, request.statusPollIntervalMs);
}

/** Sends one call; its items get one outcome (a segment that already exists, or is already gone, is skipped). */
export async function send(request: PushwooshCallRequest): Promise<Map<string, DeliveryOutcome>> {
  try {
    await sendOnce(request);
    return outcomesFor(request.keys, { kind: "delivered" });
  } catch (thrown) {
    const error = toRelayError(thrown);
    const done = ALREADY_DONE[request.method];
    if (error.errorClass === "permanent" && done && error.partnerMessage && done.test(error.partnerMessage)) {
      // Stryker disable next-line StringLiteral,ObjectLiteral: log text and attributes, not behaviour
      logger.info("Pushwoosh says this was already done", { method: request.method });
      return outcomesFor(request.keys, { kind: "skipped", reason: `${request.method}-already-done` });
    }
    return outcomesFor(request.keys, { kind: "failed", error });
  }
}
