import diagnostics from "node:diagnostics_channel";
import { gunzipSync } from "node:zlib";
import { isSecretKey } from "../../../cli/redact.js";
import { REDACTED } from "../../../shared/observability.js";
import { PARTNER_CALL_CHANNEL, type PartnerCallMessage, type PartnerHttpRequest } from "../../../shared/http/partnerRequest.js";
import { parseBodyText, type LiveRecorder, type PartnerCallRecord, type TracedWorkItem } from "./recorder.js";
import type { LiveTracer, WorkerInvocation } from "./trace.js";

/**
 * The partner calls the relay makes to URLs other than the local sandboxes (a real Mixpanel project,
 * mParticle's development environment, a recording server), as `shared/http/partnerRequest.ts` publishes
 * them on its diagnostics channel. A call to a sandbox is left to the sandbox, which records it with the
 * fault it injected and the answer a lost connection swallowed, so no call is shown twice. The work items
 * come from the worker invocation the call is made in (LiveTracer's async context); a call made outside this
 * stack's workers (another stack in the same process, a test calling a partner) is not this stack's.
 */

/** A partner call's links to the work items of the invocation that made it. */
export function linkedTo(workItems: TracedWorkItem[]): Pick<PartnerCallRecord, "workItems" | "correlationIds" | "attempt"> {
  return {
    workItems,
    correlationIds: [...new Set(workItems.map((item) => item.correlationId))],
    attempt: Math.max(0, ...workItems.map((item) => item.attempt)),
  };
}

/**
 * A URL with its user info and the values of secret-named query parameters (api_key, token...) replaced,
 * the latter written as the recorder's text redaction writes them (`api_key="[REDACTED]"`).
 */
export function redactUrl(text: string): string {
  const url = new URL(text);
  const userInfo = url.username || url.password ? `${REDACTED}@` : "";
  const query = [...url.searchParams].map(([name, value]) => `${encodeURIComponent(name)}=${isSecretKey(name) ? `"${REDACTED}"` : encodeURIComponent(value)}`);
  return `${url.protocol}//${userInfo}${url.host}${url.pathname}${query.length > 0 ? `?${query.join("&")}` : ""}`;
}

/** The request body as the partner reads it: gzip undone (the Mixpanel import is gzipped). */
function requestText(request: PartnerHttpRequest): string | undefined {
  if (request.body === undefined) return undefined;
  const gzipped = Object.entries(request.headers).some(([name, value]) => name.toLowerCase() === "content-encoding" && value.includes("gzip"));
  try {
    return (gzipped ? gunzipSync(request.body) : Buffer.from(request.body)).toString("utf8");
  } catch {
    return "(gzip body that does not decompress)";
  }
}

function callRecord(call: PartnerCallMessage, invocation: WorkerInvocation): PartnerCallRecord {
  const { request, response, failure } = call;
  return {
    kind: "partnerCall",
    // The destination's name, as the sandboxes' calls and the page's partner filter have it.
    partner: invocation.destination,
    method: request.method,
    url: redactUrl(request.url),
    status: response?.status ?? failure?.reason ?? "failed",
    ...(failure ? { error: failure.detail } : {}),
    durationMs: Math.round(call.durationMs),
    requestBody: parseBodyText(requestText(request)),
    // Cookies are sessions: never shown. Other headers go through the recorder's redaction.
    answer: response && {
      headers: Object.fromEntries([...response.headers].filter(([name]) => name !== "set-cookie")),
      body: parseBodyText(response.bodyText),
    },
    ...linkedTo(invocation.workItems),
  };
}

/** Records each partner call published while the live view runs; returns the unsubscribe. */
export function watchPartnerCalls(tracer: LiveTracer, recorder: LiveRecorder): () => void {
  const onCall = (message: unknown) => {
    const call = message as PartnerCallMessage;
    // Read now, in the caller's async context: only this stack's workers make its partner calls.
    const invocation = tracer.currentInvocation();
    if (!invocation || tracer.isSandbox(call.request.url)) return;
    // The record itself is built only when someone looks.
    recorder.add(() => callRecord(call, invocation));
  };
  diagnostics.subscribe(PARTNER_CALL_CHANNEL, onCall);
  return () => void diagnostics.unsubscribe(PARTNER_CALL_CHANNEL, onCall);
}
