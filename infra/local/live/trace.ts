import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import diagnostics from "node:diagnostics_channel";
import { gunzipSync } from "node:zlib";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { parseBodyText, type LiveRecorder, type TracedWorkItem } from "./recorder.js";
import type { WorkerEvent } from "../poller.js";

/**
 * Links a partner call to the work items that caused it, without touching the handlers: each worker
 * invocation runs in an async context, and Node's fetch announces every request it creates on the
 * `undici:request:create` diagnostics channel, in the caller's context
 * (https://nodejs.org/api/diagnostics_channel.html, undici's docs/api/DiagnosticsChannel.md). The request
 * gets one header naming the invocation, only when it goes to a local sandbox; the sandbox reads it back.
 */
export const INVOCATION_HEADER = "x-cdp-relay-invocation";
/** Invocations remembered for calls still in flight; a call arrives while its invocation runs. */
const INVOCATIONS_KEPT = 500;

export interface WorkerInvocation {
  destination: string;
  workItems: TracedWorkItem[];
}

type IngestHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
type WorkerHandler = (event: WorkerEvent, context: Context) => Promise<SQSBatchResponse | void>;

interface UndiciRequest {
  origin: string | URL;
  addHeader(name: string, value: string): unknown;
}

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  return event.headers?.[name];
}

/** The request body as the ingest handler reads it: base64 and gzip undone. */
function requestText(event: APIGatewayProxyEventV2): string | undefined {
  if (event.body === undefined) return undefined;
  let bytes = Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8");
  if ((header(event, "content-encoding") ?? "").toLowerCase().includes("gzip")) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      return "(gzip body that does not decompress)";
    }
  }
  return bytes.toString("utf8");
}

/** Events in a webhook body: the `events` array the Braze and mParticle payloads carry, else the one request. */
function eventCount(body: unknown): number {
  if (Array.isArray(body)) return body.length;
  if (body !== null && typeof body === "object" && Array.isArray((body as { events?: unknown }).events)) {
    return (body as { events: unknown[] }).events.length;
  }
  return body === undefined ? 0 : 1;
}

/** Per record, the work items it stands for: its own, and for a carry-over each request whose events it merged. */
function workItemsOf(event: SQSEvent): TracedWorkItem[][] {
  return event.Records.map((record) => {
    let body: { workItemId?: unknown; correlationId?: unknown; priorAttempts?: unknown; carriedFrom?: unknown } = {};
    try {
      body = JSON.parse(record.body) as typeof body;
    } catch {
      // An unreadable body still counts as an attempt; the worker parks it as invalid.
    }
    const item = {
      workItemId: record.messageAttributes.workItemId?.stringValue ?? String(body.workItemId ?? record.messageId),
      correlationId: record.messageAttributes.correlationId?.stringValue ?? String(body.correlationId ?? "unknown"),
      // As the worker counts: attempts carried by a partial retry, plus this message's receives.
      attempt: (Number(body.priorAttempts) || 0) + (Number(record.attributes.ApproximateReceiveCount) || 1),
    };
    const carriedFrom = Array.isArray(body.carriedFrom) ? body.carriedFrom.filter((id): id is string => typeof id === "string") : [];
    return [item, ...[...new Set(carriedFrom)].filter((id) => id !== item.correlationId).map((correlationId) => ({ ...item, correlationId }))];
  });
}

export class LiveTracer {
  private readonly context = new AsyncLocalStorage<string>();
  private readonly invocations = new Map<string, WorkerInvocation>();
  private readonly sandboxOrigins = new Set<string>();
  private readonly onRequestCreated = (message: unknown) => {
    const id = this.context.getStore();
    const { request } = message as { request: UndiciRequest };
    if (id && this.isSandbox(String(request.origin))) request.addHeader(INVOCATION_HEADER, id);
  };

  constructor(private readonly recorder: LiveRecorder) {
    diagnostics.subscribe("undici:request:create", this.onRequestCreated);
  }

  stop(): void {
    diagnostics.unsubscribe("undici:request:create", this.onRequestCreated);
  }

  /** Only calls to these origins carry the invocation header, never calls to a real partner. */
  addSandbox(url: string): void {
    this.sandboxOrigins.add(new URL(url).origin);
  }

  /** Whether a URL goes to one of the local sandboxes. */
  isSandbox(url: string): boolean {
    return this.sandboxOrigins.has(new URL(url).origin);
  }

  /** The worker invocation the calling code runs in, if any: a partner call is made inside it. */
  currentInvocation(): WorkerInvocation | undefined {
    const id = this.context.getStore();
    return id === undefined ? undefined : this.invocations.get(id);
  }

  /** The invocation a sandbox call came from, by the header it carries. */
  invocationOf(headerValue: string | string[] | undefined): WorkerInvocation | undefined {
    return typeof headerValue === "string" ? this.invocations.get(headerValue) : undefined;
  }

  /** Records each webhook request with its answer; the correlation id is the one the ingest handler chose. */
  ingest(method: string, route: string, handler: IngestHandler): IngestHandler {
    return async (event, lambdaContext) => {
      const started = performance.now();
      let status = 500;
      try {
        const result = await handler(event, lambdaContext);
        status = result.statusCode ?? 200;
        return result;
      } finally {
        // The ingest middleware sets it on the event it was given (x-correlation-id, else the request id).
        const correlationId = (event as { correlationId?: string }).correlationId ?? header(event, "x-correlation-id") ?? event.requestContext.requestId;
        const durationMs = Math.round(performance.now() - started);
        this.recorder.add(() => {
          const body = parseBodyText(requestText(event));
          return { kind: "request", correlationId, method, route, status, durationMs, eventCount: eventCount(body), headers: event.headers, body };
        });
      }
    };
  }

  /** Runs a worker invocation in its own async context and records each work item's verdict. */
  worker(destination: string, handler: WorkerHandler): WorkerHandler {
    return async (event, lambdaContext) => {
      // A probe invocation (the schedule's event) brings no work items: its calls show unlinked.
      if (!("Records" in event)) return handler(event, lambdaContext);
      const id = randomUUID();
      const workItems = workItemsOf(event);
      this.invocations.set(id, { destination, workItems: workItems.flat() });
      if (this.invocations.size > INVOCATIONS_KEPT) this.invocations.delete(this.invocations.keys().next().value as string);
      let response: SQSBatchResponse | undefined;
      try {
        response = (await this.context.run(id, () => handler(event, lambdaContext))) || undefined;
        return response;
      } finally {
        // A failed invocation fails the whole batch, as in Lambda.
        this.recordVerdicts(destination, event, workItems, response);
      }
    };
  }

  private recordVerdicts(destination: string, event: SQSEvent, workItems: TracedWorkItem[][], response: SQSBatchResponse | undefined): void {
    const retried = response
      ? new Set((response.batchItemFailures ?? []).map((failure) => failure.itemIdentifier))
      : new Set(event.Records.map((record) => record.messageId));
    event.Records.forEach((record, index) => {
      const outcome = retried.has(record.messageId) ? "retry" : "settled";
      for (const item of workItems[index] ?? []) this.recorder.add(() => ({ kind: "attempt", ...item, destination, outcome }));
    });
  }
}
