import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { partnerBaseUrl } from "../../config/settings.js";
import { AuthError, PermanentError, RetryableError, classifyResponse, type RelayError } from "../../errors.js";
import { partnerRequest, type PartnerResponse } from "../../http/partnerRequest.js";
import { createMetrics, logger } from "../../observability.js";
import { bulkStatusRequest, toPushwooshRequest } from "./map.js";
import { bulkSetTagsAnswerSchema, pushwooshAnswerSchema, type PushwooshCall, type PushwooshCredentials } from "./schema.js";

const PARTNER = "Pushwoosh";
/** Body status_code 210: Pushwoosh's argument error. */
const ARGUMENT_ERROR = 210;
const BULK_POLL_ATTEMPTS = 3;
const BULK_POLL_INTERVAL_MS = 500;

const metrics = createMetrics({ destination: "pushwoosh" });

function recordLatency(method: string, response: PartnerResponse): void {
  const metric = metrics.singleMetric();
  metric.addDimensions({ method });
  metric.addMetric("partnerLatency", MetricUnit.Milliseconds, response.latencyMs);
}

function parseBody(bodyText: string): unknown {
  try {
    return JSON.parse(bodyText);
  } catch {
    return undefined;
  }
}

/** HTTP first (shared taxonomy), then the body: only HTTP 200 with status_code 200 is success. */
export function classifyPushwooshAnswer(method: string, response: PartnerResponse): RelayError | undefined {
  const httpError = classifyResponse(PARTNER, response, response.bodyText);
  if (httpError) return httpError;
  const answer = pushwooshAnswerSchema.safeParse(parseBody(response.bodyText));
  if (!answer.success) {
    return new RetryableError(`${PARTNER} ${method} answered HTTP ${response.status} without a status_code`, { status: response.status });
  }
  const { status_code: code, status_message: partnerMessage } = answer.data;
  if (code === 200) return undefined;
  const details = { status: response.status, partnerMessage };
  const message = `${PARTNER} ${method} answered status_code ${code}`;
  if (code === ARGUMENT_ERROR) return new PermanentError(`${message} (argument error)`, details);
  if (code === 401 || code === 403) return new AuthError(message, details);
  if (code === 429 || code >= 500) return new RetryableError(message, details);
  return new PermanentError(message, details);
}

async function pollBulkStatus(requestId: string, credentials: PushwooshCredentials, baseUrl: string): Promise<void> {
  const poll = bulkStatusRequest(requestId, credentials, baseUrl);
  for (let attempt = 1; attempt <= BULK_POLL_ATTEMPTS; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, BULK_POLL_INTERVAL_MS));
    let status: string;
    try {
      const response = await partnerRequest(PARTNER, poll.url, { method: poll.method, headers: poll.headers });
      const httpError = classifyResponse(PARTNER, response, response.bodyText);
      if (httpError) throw httpError;
      status = bulkSetTagsAnswerSchema.parse(parseBody(response.bodyText)).status;
    } catch (error) {
      // The request was accepted; a status we cannot read is no reason to send it again.
      logger.warn("bulkSetTags status unreadable; counting the accepted request as delivered", {
        requestId,
        error: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    if (/fail|error/i.test(status)) throw new PermanentError(`${PARTNER} bulkSetTags ${requestId} ended ${status}`);
    if (/complete|done|success/i.test(status)) return;
  }
  logger.info("bulkSetTags still pending after polling; Pushwoosh applies it asynchronously", { requestId });
}

/** Sends one call; throws a RelayError when it did not succeed. */
export async function sendPushwooshCall(call: PushwooshCall, credentials: PushwooshCredentials): Promise<void> {
  const baseUrl = partnerBaseUrl("PUSHWOOSH_API_URL");
  const request = toPushwooshRequest(call, credentials, baseUrl);
  const response = await partnerRequest(PARTNER, request.url, { method: request.method, headers: request.headers, body: request.body });
  recordLatency(call.method, response);
  if (call.method !== "bulkSetTags") {
    const error = classifyPushwooshAnswer(call.method, response);
    if (error) throw error;
    return;
  }
  const httpError = classifyResponse(PARTNER, response, response.bodyText);
  if (httpError) throw httpError;
  const accepted = bulkSetTagsAnswerSchema.safeParse(parseBody(response.bodyText));
  if (!accepted.success) throw new RetryableError(`${PARTNER} bulkSetTags answered without a request_id`, { status: response.status });
  await pollBulkStatus(accepted.data.request_id, credentials, baseUrl);
}
