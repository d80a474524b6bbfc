import { RetryableError } from "../errors.js";
import { partnerTimeoutMs } from "../config/settings.js";

export interface PartnerResponse {
  status: number;
  headers: Headers;
  bodyText: string;
  latencyMs: number;
}

/**
 * One HTTP call to a partner with a timeout. Network errors, resets and timeouts become RetryableError;
 * every HTTP answer is returned as is, for the client to classify (some partners put errors in 200s,
 * some put per-item results in 400s).
 */
export async function partnerRequest(partner: string, url: string, init: RequestInit): Promise<PartnerResponse> {
  const started = performance.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(partnerTimeoutMs()) });
    const bodyText = await response.text();
    return { status: response.status, headers: response.headers, bodyText, latencyMs: performance.now() - started };
  } catch (error) {
    const reason = error instanceof Error && error.name === "TimeoutError" ? "timed out" : "failed";
    const detail = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    // The URL's path names the method; the query string may hold credentials, so it is left out.
    throw new RetryableError(`${partner} request ${reason}: ${new URL(url).pathname}: ${detail}`, { cause: error });
  }
}
