import diagnostics from "node:diagnostics_channel";
import { PartnerUnreachableError } from "../errors.js";
import { partnerTimeoutMs } from "../config/settings.js";
import { guardedCall } from "./partnerCallGuard.js";

/** One request to a partner, exactly as it goes on the wire; destinations' map.ts build these. */
export interface PartnerHttpRequest {
  method: "GET" | "POST";
  url: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface PartnerResponse {
  status: number;
  headers: Headers;
  bodyText: string;
  latencyMs: number;
}

/**
 * Every partner call is published on this `node:diagnostics_channel` channel, in the caller's async context,
 * for an observer in the same process: the local stack's live view subscribes. Nothing is built or published
 * without a subscriber, and deployed functions have none.
 */
export const PARTNER_CALL_CHANNEL = "cdp-relay:partner-call";
const partnerCalls = diagnostics.channel(PARTNER_CALL_CHANNEL);

/** One call as the relay made it and what came of it. Unredacted: a subscriber redacts what it shows. */
export interface PartnerCallMessage {
  partner: string;
  request: PartnerHttpRequest;
  /** The partner's answer; absent when none came. */
  response?: PartnerResponse;
  /** Why no answer came. */
  failure?: { reason: "timed out" | "failed"; detail: string };
  durationMs: number;
}

/**
 * One HTTP call to a partner with a timeout. Network errors, resets and timeouts become
 * PartnerUnreachableError (retryable); every HTTP answer is returned as is, for the client to classify
 * (some partners put errors in 200s, some put per-item results in 400s). Inside a worker, the call first
 * waits for the partner's pace and health (partnerCallGuard.ts), which learn its outcome.
 */
export function partnerRequest(partner: string, request: PartnerHttpRequest): Promise<PartnerResponse> {
  return guardedCall(() => send(partner, request));
}

async function send(partner: string, request: PartnerHttpRequest): Promise<PartnerResponse> {
  const started = performance.now();
  // The timeout covers the answer's whole body. Not `AbortSignal.timeout`: its timer cannot be cleared, so each
  // of a worker's thousands of calls left one pending for the whole timeout, and it cost 4–19 µs a call to make.
  const timeout = new AbortController();
  const milliseconds = partnerTimeoutMs();
  const timer = setTimeout(() => timeout.abort(), milliseconds);
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: timeout.signal,
    });
    const bodyText = await response.text();
    const answer: PartnerResponse = { status: response.status, headers: response.headers, bodyText, latencyMs: performance.now() - started };
    if (partnerCalls.hasSubscribers) partnerCalls.publish({ partner, request, response: answer, durationMs: answer.latencyMs } satisfies PartnerCallMessage);
    return answer;
  } catch (error) {
    const timedOut = timeout.signal.aborted;
    const reason = timedOut ? "timed out" : "failed";
    const detail = timedOut
      ? `no answer within ${milliseconds} ms`
      : error instanceof Error
        ? ((error.cause as Error | undefined)?.message ?? error.message)
        : String(error);
    if (partnerCalls.hasSubscribers)
      partnerCalls.publish({ partner, request, failure: { reason, detail }, durationMs: performance.now() - started } satisfies PartnerCallMessage);
    // The URL's path names the method; the query string may hold credentials, so it is left out.
    throw new PartnerUnreachableError(`${partner} request ${reason}: ${new URL(request.url).pathname}: ${detail}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/** A partner's JSON answer, or undefined when the body is not JSON: the one place partner bodies are parsed. */
export function parseJsonBody(bodyText: string): unknown {
  try {
    return JSON.parse(bodyText);
  } catch {
    // Not JSON: undefined.
  }
}
